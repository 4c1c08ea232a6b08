// The MLP trainer on each engine (wasm, the default, and tfjs on its wasm backend): the LR curve
// really drives every optimizer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mlp } from '../../src/train/mlp.js';
import { ENGINES, MLP_DEFAULTS, mlpSteps, type MlpOptions } from '../../src/train/mlp-options.js';
import { loadTf } from '../../src/train/backend.js';
import { epochsOf, trainWith } from '../helpers/train.js';

for (const engine of ENGINES) {
  const config: MlpOptions = { ...MLP_DEFAULTS, engine, samples: 200, features: 4, classes: 3, noise: 0.5, hidden: [8], epochs: 4, batch_size: 16 };
  const steps = mlpSteps(config); // 160 rows / 16 = 10 steps an epoch

  async function train(c: MlpOptions, lrs: Float64Array, seed = 1) {
    return epochsOf(await trainWith(mlp, c, lrs, { seed }));
  }

  for (const optimizer of ['sgd', 'momentum', 'adam'] as const) {
    test(`${engine}, ${optimizer}: a zero LR curve leaves the model untouched, a positive one trains it`, async () => {
      const c = { ...config, optimizer, dataset: 'synthetic' as const };
      const frozen = await train(c, new Float64Array(steps));
      assert.equal(steps, 40);
      assert.equal(frozen.length, 4);
      assert.ok(frozen.every((e) => e.val_loss === frozen[0].val_loss), 'no step moved the weights');
      const lr = optimizer === 'adam' ? 0.05 : 0.5;
      const trained = await train(c, new Float64Array(steps).fill(lr));
      assert.ok(trained[3].val_loss < frozen[3].val_loss * 0.8, `${trained[3].val_loss} vs ${frozen[3].val_loss}`);
      assert.deepEqual(trained.map((e) => e.lr), [lr, lr, lr, lr]);
    });
  }

  test(`${engine}: the LR changes step by step: a curve that is zero after step 5 stops training there`, async () => {
    const lrs = new Float64Array(steps);
    lrs.fill(0.5, 0, 5);
    const epochs = await train({ ...config }, lrs);
    assert.notEqual(epochs[0].val_loss, (await train({ ...config }, new Float64Array(steps)))[0].val_loss);
    assert.equal(epochs[1].val_loss, epochs[3].val_loss, 'no update after step 5');
    assert.deepEqual(epochs.map((e) => e.lr), [0, 0, 0, 0]);
  });

  // tfjs tensors: only the tfjs engine makes any (the wasm engine never loads tfjs: test/pool/engine-no-tfjs.test.ts).
  if (engine === 'tfjs') test(`${engine}: training leaves no tensor behind, with any optimizer`, async () => {
    const tf = await loadTf('wasm');
    for (const optimizer of ['sgd', 'momentum', 'adam'] as const) {
      const c = { ...config, optimizer };
      await train(c, new Float64Array(steps).fill(0.1)); // data sets and kernels are built once
      const before = tf.memory().numTensors;
      await train(c, new Float64Array(steps).fill(0.1), 2);
      await train(c, new Float64Array(steps).fill(0.1), 3);
      assert.equal(tf.memory().numTensors, before, optimizer);
    }
  });

  test(`${engine}: the same seed gives the same numbers; another seed gives others`, async () => {
    const lrs = new Float64Array(steps).fill(0.3);
    assert.deepEqual(await train(config, lrs, 5), await train(config, lrs, 5));
    assert.notDeepEqual(await train(config, lrs, 5), await train(config, lrs, 6));
  });

  test(`${engine}: iris trains offline to a useful accuracy`, async () => {
    const c: MlpOptions = { ...MLP_DEFAULTS, engine, dataset: 'iris', samples: 150, hidden: [16], epochs: 30, batch_size: 16, optimizer: 'adam' };
    const epochs = await train(c, new Float64Array(mlpSteps(c)).fill(0.02));
    assert.ok(epochs[29].val_accuracy! >= 0.8, String(epochs[29].val_accuracy));
    assert.ok(epochs[29].train_loss < epochs[0].train_loss);
  });

  test(`${engine}: in range-test mode the MLP reports train_loss and the LR at every step, as well as its epochs`, async () => {
    const lrs = new Float64Array(steps).fill(0.3);
    const points = await trainWith(mlp, config, lrs, { perStep: true });
    const perStep = points.filter((p) => p.step !== null);
    assert.deepEqual(perStep.map((p) => p.step), Array.from({ length: steps }, (_, i) => i));
    assert.ok(perStep.every((p) => Number.isFinite(p.values.train_loss) && p.values.lr === 0.3));
    assert.equal(points.filter((p) => p.epoch !== null).length, 4);
  });

  test(`${engine}: a loss that turns NaN is reported, and training stops at that epoch`, async () => {
    const points = await trainWith(mlp, { ...config, epochs: 6 }, new Float64Array(mlpSteps({ ...config, epochs: 6 })).fill(1e6));
    const epochs = epochsOf(points);
    assert.ok(epochs.length < 6, `stopped after ${epochs.length} epochs`);
    assert.ok(!Number.isFinite(epochs[epochs.length - 1].train_loss));
  });
}
