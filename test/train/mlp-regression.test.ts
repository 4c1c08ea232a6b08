// The MLP on a regression target: it learns, and every metric is in the target's own units (the
// network trains on the standardised target).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { mulberry32 } from '../../src/core/random.js';
import { loadTf } from '../../src/train/backend.js';
import type { RegressionData } from '../../src/train/data/dataset.js';
import { datasetFor } from '../../src/train/mlp-dataset.js';
import { mlp } from '../../src/train/mlp.js';
import { buildModel } from '../../src/train/mlp-tfjs.js';
import type { MlpOptions } from '../../src/train/mlp-options.js';
import { epochsOf, trainWith } from '../helpers/train.js';

const dir = mkdtempSync(join(tmpdir(), 'lrsweep-regression-'));

/** y = scale x (sin(3 a) + b^2 - c) + offset + noise, 240 rows; the same rows for every scale. */
function dataFile(scale: number, offset: number): string {
  const random = mulberry32(5);
  const lines = ['a,b,c,y'];
  for (let i = 0; i < 240; i++) {
    const [a, b, c] = [random() * 2 - 1, random() * 2 - 1, random() * 2 - 1];
    lines.push(`${a},${b},${c},${scale * (Math.sin(3 * a) + b * b - c + 0.05 * (random() - 0.5)) + offset}`);
  }
  const name = `y-${scale}-${offset}.csv`;
  writeFileSync(join(dir, name), `${lines.join('\n')}\n`);
  return name;
}

function options(scale: number, offset: number, extra: Record<string, unknown> = {}): MlpOptions {
  return mlp.parse!({ dataset: { csv: dataFile(scale, offset), label: 'y' }, hidden: [16], epochs: 8, batch_size: 24, optimizer: 'adam', engine: 'tfjs', ...extra }, { baseDir: dir });
}

const steps = (o: MlpOptions) => mlp.steps(o); // 192 training rows / 24 = 8 steps an epoch

test('a regression target is inferred from fractional labels, and the network learns it', async () => {
  const o = options(1, 0);
  assert.equal(datasetFor(o).task, 'regression');
  const frozen = epochsOf(await trainWith(mlp, o, new Float64Array(steps(o))));
  const trained = epochsOf(await trainWith(mlp, o, new Float64Array(steps(o)).fill(0.02)));
  assert.deepEqual(Object.keys(trained[0]).sort(), ['epoch', 'lr', 'train_loss', 'val_loss', 'val_mae']);
  assert.ok(trained[7].val_mae < 0.5 * frozen[7].val_mae, `${trained[7].val_mae} vs ${frozen[7].val_mae} untrained`);
  assert.ok(trained[7].train_loss < trained[0].train_loss);
});

test('metrics are in the target\'s units: a target 1000 times larger (and shifted) gives val_mae x 1000 and losses x 10^6', async () => {
  const lrs = new Float64Array(steps(options(1, 0))).fill(0.02);
  const small = epochsOf(await trainWith(mlp, options(1, 0), lrs, { seed: 3 }));
  const large = epochsOf(await trainWith(mlp, options(1000, 5e4), lrs, { seed: 3 }));
  // Standardised, both targets round to the same float32 values here, so both trainings run the
  // same numbers and the metrics differ by the float64 scaling alone (measured: relative 1.7e-15).
  // 1e-9 keeps a wide margin; a missing or squared scale is off by a factor of 10^3.
  const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-9 * Math.abs(b), `${what}: ${a} vs ${b}`);
  small.forEach((s, i) => {
    near(large[i].val_mae, 1000 * s.val_mae, `epoch ${i + 1} val_mae`);
    near(large[i].val_loss, 1e6 * s.val_loss, `epoch ${i + 1} val_loss`);
    near(large[i].train_loss, 1e6 * s.train_loss, `epoch ${i + 1} train_loss`);
  });
  const perStep = (await trainWith(mlp, options(1000, 5e4), lrs, { seed: 3, perStep: true })).filter((p) => p.step !== null);
  const perStepSmall = (await trainWith(mlp, options(1, 0), lrs, { seed: 3, perStep: true })).filter((p) => p.step !== null);
  perStep.forEach((p, i) => near(p.values.train_loss, 1e6 * perStepSmall[i].values.train_loss, `step ${i} train_loss`));
});

test('val_mae and val_loss are the validation rows\' mean absolute and squared errors in the target\'s units', async () => {
  // With a zero LR curve the network keeps its initial weights: predict with them here, undo the
  // standardisation, and compare with what the trainer reported.
  const tf = await loadTf('wasm');
  const o = options(250, -40);
  const data = datasetFor(o) as RegressionData;
  const [reported] = epochsOf(await trainWith(mlp, { ...o, epochs: 1 }, new Float64Array(steps(o)), { seed: 11 }));
  const model = buildModel(tf, o, data, 11);
  const predicted = tf.tidy(() => (model.predict(tf.tensor2d(data.valX, [data.valY.length, data.features])) as tfjs.Tensor).dataSync());
  model.dispose();
  const { mean, sd } = data.target;
  let [abs, sq] = [0, 0];
  data.valY.forEach((y, i) => {
    const error = (mean + sd * predicted[i]) - (mean + sd * y);
    abs += Math.abs(error);
    sq += error * error;
  });
  const n = data.valY.length;
  assert.ok(Math.abs(reported.val_mae - abs / n) <= 1e-5 * (abs / n), `${reported.val_mae} vs ${abs / n}`);
  assert.ok(Math.abs(reported.val_loss - sq / n) <= 1e-5 * (sq / n), `${reported.val_loss} vs ${sq / n}`);
});

test('a regression trial leaves no tensor behind', async () => {
  const tf = await loadTf('wasm');
  const o = options(1, 0);
  const lrs = new Float64Array(steps(o)).fill(0.01);
  await trainWith(mlp, o, lrs);
  const before = tf.memory().numTensors;
  await trainWith(mlp, o, lrs, { seed: 2 });
  assert.equal(tf.memory().numTensors, before);
});
