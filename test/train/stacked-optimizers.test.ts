// Per-member-LR optimizers for stacked variables: each slice is updated bit for bit as tfjs's own
// optimizer updates the same weights alone, and a masked member's slice and state do not move.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stackedOptimizer } from '../../src/train/stacked-optimizers.js';
import { loadTf } from '../../src/train/backend.js';
import { OPTIMIZERS } from '../../src/train/mlp-options.js';
import { mulberry32 } from '../../src/core/random.js';

const K = 3;
const SHAPE = [2, 4];
const SIZE = 8;
const STEPS = 6;
const MOMENTUM = 0.9;

function numbers(seed: number, n: number, scale = 1): Float32Array {
  const random = mulberry32(seed);
  return Float32Array.from({ length: n }, () => scale * (2 * random() - 1));
}

for (const name of OPTIMIZERS) {
  test(`${name}: each member's slice moves exactly as tfjs's own ${name} moves the same weights with that member's LR; a masked member's does not move`, async () => {
    const tf = await loadTf('wasm');
    const before = tf.memory().numTensors;
    const start = numbers(1, K * SIZE);
    const stacked = tf.tidy(() => tf.variable(tf.tensor3d(start, [K, ...SHAPE] as [number, number, number])));
    const optimizer = stackedOptimizer(tf, { optimizer: name, momentum: MOMENTUM }, [stacked]);
    const alone = Array.from({ length: K }, (_, j) => {
      const variable = tf.tidy(() => tf.variable(tf.tensor2d(start.subarray(j * SIZE, (j + 1) * SIZE), SHAPE as [number, number])));
      const own = name === 'adam' ? tf.train.adam(0.1) : name === 'momentum' ? tf.train.momentum(0.1, MOMENTUM) : tf.train.sgd(0.1);
      return { variable, own };
    });
    const MASKED = 1;
    const MASKED_FROM = 3; // from this step on member 1's gradient is NaN and it is masked
    let frozen: Float32Array | null = null;
    for (let step = 0; step < STEPS; step++) {
      const lrs = [0.1 + 0.05 * step, 0.01, 0.5 / (step + 1)];
      const grads = numbers(100 + step, K * SIZE, 3);
      if (step >= MASKED_FROM) grads.fill(Number.NaN, MASKED * SIZE, (MASKED + 1) * SIZE);
      tf.tidy(() => {
        const alive = step >= MASKED_FROM ? tf.tensor3d([1, 0, 1], [K, 1, 1], 'bool') : null;
        optimizer.apply([tf.tensor3d(grads, [K, ...SHAPE] as [number, number, number])], tf.tensor3d(lrs.map((lr) => -lr), [K, 1, 1]), alive);
      });
      alone.forEach(({ variable, own }, j) => {
        if (j === MASKED && step >= MASKED_FROM) return;
        const o = own as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
        if (o.setLearningRate) o.setLearningRate(lrs[j]);
        else o.learningRate = lrs[j];
        tf.tidy(() => own.applyGradients([{ name: variable.name, tensor: tf.tensor2d(grads.subarray(j * SIZE, (j + 1) * SIZE), SHAPE as [number, number]) }]));
      });
      const now = stacked.dataSync();
      alone.forEach(({ variable }, j) => {
        if (j === MASKED && step >= MASKED_FROM) return;
        assert.deepEqual(now.subarray(j * SIZE, (j + 1) * SIZE), variable.dataSync(), `member ${j}, step ${step}`);
      });
      const masked = Float32Array.from(now.slice(MASKED * SIZE, (MASKED + 1) * SIZE));
      if (step === MASKED_FROM - 1) frozen = masked;
      if (step >= MASKED_FROM) assert.deepEqual(masked, frozen, `the masked member at step ${step}`);
    }
    // A masked member's optimizer state did not take its NaN gradient either: unmasked again with a
    // finite gradient, it moves to finite values.
    tf.tidy(() => optimizer.apply([tf.ones([K, ...SHAPE])], tf.fill([K, 1, 1], -0.01), null));
    assert.ok(stacked.dataSync().every(Number.isFinite));

    optimizer.dispose();
    stacked.dispose();
    for (const { variable, own } of alone) {
      // tfjs's MomentumOptimizer.dispose() leaves SGD's learning-rate scalar behind (as mlp.ts notes).
      const rate = (own as unknown as { c?: import('@tensorflow/tfjs').Tensor }).c;
      own.dispose();
      if (rate && !rate.isDisposed) rate.dispose();
      variable.dispose();
    }
    assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
  });
}
