// Cohorts trained in lockstep (mlp-cohort.ts) on the wasm backend: each member trains as its curve
// would alone, its mates never change its numbers, and a diverging member is reported and fenced off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainCohort, type MemberResult } from '../../src/train/mlp-cohort.js';
import { fileURLToPath } from 'node:url';
import { mlp } from '../../src/train/mlp.js';
import { datasetFor } from '../../src/train/mlp-dataset.js';
import { MLP_DEFAULTS, OPTIMIZERS, mlpSteps, type BuiltinMlpOptions as MlpConfig, type MlpOptions } from '../../src/train/mlp-options.js';
import { loadTf } from '../../src/train/backend.js';
import { mulberry32 } from '../../src/core/random.js';
import type { EpochMetrics } from '../../src/train/cohort-task.js';
import { epochsOf, trainWith } from '../helpers/train.js';

// 64 hidden units on purpose: above 48 inputs, tfjs wasm's unbatched matMul (XNNPACK) and its
// batched loop round differently, which is what the tolerance and the twin rule are about.
const config: MlpConfig = { ...MLP_DEFAULTS, engine: 'tfjs', samples: 200, features: 4, classes: 3, noise: 0.5, hidden: [64, 8], epochs: 5, batch_size: 16 };
const steps = mlpSteps(config); // 160 training rows / 16 = 10 steps an epoch, 50 in all
const PEAK = { sgd: 0.5, momentum: 0.1, adam: 0.03 } as const;
const SEED = 3;

/** A different LR at every step (between 0.2 and 1 times peak), so a step that took its neighbour's LR shows. */
function curve(id: number, peak: number): Float64Array {
  const random = mulberry32(100 + id);
  return Float64Array.from({ length: steps }, () => peak * (0.2 + 0.8 * random()));
}

/**
 * Curve 0 of the optimizer whose LR jumps to 1e20 at step 13: that step still trains on sane
 * weights (its loss is finite), its update ruins them. 1e20 because it drives all three optimizers
 * to a NaN loss on this model; larger is not surer (at 1e30 momentum and Adam kill every ReLU and
 * the loss stays finite at ~1e30).
 */
function blowingUp(optimizer: MlpConfig['optimizer']): Float64Array {
  return curve(0, PEAK[optimizer]).fill(1e20, 13);
}

function cohort(c: MlpConfig, curves: Float64Array[]): Promise<MemberResult[]> {
  return loadTf('wasm').then((tf) => trainCohort(tf, c, datasetFor(c), SEED, curves));
}

// TOLERANCE: relative 2e-5 on every per-epoch metric. Not exact, because mlp.ts's dense layers run
// XNNPACK's GEMM (its output layer folds the bias into the accumulator) while a member's slice of a
// batched matMul runs tfjs wasm's own loop (inner sums in blocks of 48, bias added after): the first
// forward pass already differs by float32 rounding (~1e-7 relative) and training carries it along.
// Measured on this model over its 50 steps, worst of K = 1, 2, 7: adam 2.3e-6, momentum 9.2e-7,
// sgd 4.0e-7. 2e-5 leaves a ~9x margin, and the bugs it guards against are far larger (measured):
// every LR taken one step late moves the metrics by 6e-2 to 2.9e-1; Adam's epsilon at 1e-8 instead
// of tfjs's 1e-7 by 4.5e-1. val_accuracy goes through the same check: a flipped prediction
// would move it by 1/40.
const TOLERANCE = 2e-5;

function assertClose(member: EpochMetrics[], alone: EpochMetrics[], what: string, keys: readonly (keyof EpochMetrics)[] = ['train_loss', 'val_loss', 'val_accuracy']): void {
  assert.equal(member.length, alone.length, what);
  member.forEach((m, i) => {
    for (const key of keys) {
      const [got, want] = [m[key] as number, alone[i][key] as number];
      assert.ok(Math.abs(got - want) <= TOLERANCE * Math.abs(want), `${what}, epoch ${i + 1}, ${key}: ${got} vs ${want} alone`);
    }
    assert.equal(m.lr, alone[i].lr, `${what}, epoch ${i + 1}, lr`);
  });
}

for (const optimizer of OPTIMIZERS) {
  test(`${optimizer}: every member of a cohort of 1, 2 or 7 matches its curve trained alone by mlp.ts within float32 rounding`, async () => {
    const c = { ...config, optimizer };
    for (const k of [1, 2, 7]) {
      const curves = Array.from({ length: k }, (_, j) => curve(j, PEAK[optimizer]));
      const members = (await cohort(c, curves)).map((m) => m.epochs);
      assert.equal(members.length, k);
      for (let j = 0; j < k; j++) {
        const alone = epochsOf(await trainWith(mlp, c, curves[j], { seed: SEED })) as unknown as EpochMetrics[];
        assertClose(members[j], alone, `K = ${k}, member ${j}`);
      }
    }
  });

  test(`${optimizer}: a member whose LR blows up is reported diverged at that step, its metrics end there, and its mates' numbers are bit for bit those of the cohort without it`, async () => {
    const c = { ...config, optimizer };
    const [a, b] = [curve(0, PEAK[optimizer]), curve(1, PEAK[optimizer])];
    const withIt = await cohort(c, [a, blowingUp(optimizer), b]);
    const without = await cohort(c, [a, b]);
    assert.deepStrictEqual(withIt[0], without[0]);
    assert.deepStrictEqual(withIt[2], without[1]);
    assert.equal(withIt[0].divergedAt, null);
    assert.equal(withIt[0].epochs.length, 5);

    const diverged = withIt[1];
    const at = diverged.divergedAt;
    assert.ok(at !== null && at >= 14, `diverged at step ${at}: not before the first update with the huge LR`);
    assert.equal(diverged.epochs.length, Math.floor(at / 10) + 1, 'metrics end with the epoch holding that step');
    assert.deepStrictEqual(diverged.epochs[0], without[0].epochs[0], 'epoch 1 had the same LRs as member 0');
    const last = diverged.epochs.at(-1)!;
    assert.ok(!Number.isFinite(last.train_loss), `train_loss ${last.train_loss}`);
    assert.ok(Number.isNaN(last.val_loss) && Number.isNaN(last.val_accuracy), JSON.stringify(last));
    assert.equal(last.lr, 1e20);
  });
}

test("a member's numbers do not depend on its mates: alone, in a cohort of 2 or 7, at any place, bit for bit", async () => {
  for (const optimizer of OPTIMIZERS) {
    const c = { ...config, optimizer };
    const mine = curve(0, PEAK[optimizer]);
    const others = Array.from({ length: 6 }, (_, j) => curve(j + 1, PEAK[optimizer]));
    const [alone] = await cohort(c, [mine]);
    const [, inTwo] = await cohort(c, [others[0], mine]);
    const inSeven = (await cohort(c, [...others.slice(0, 3), mine, ...others.slice(3)]))[3];
    assert.deepStrictEqual(inTwo, alone, optimizer);
    assert.deepStrictEqual(inSeven, alone, optimizer);
  }
});

test('two members with equal curves get identical results, and a third curve gets its own', async () => {
  const a = curve(0, PEAK.adam);
  const results = await cohort({ ...config, optimizer: 'adam' }, [a, a.slice(), curve(1, PEAK.adam)]);
  assert.deepStrictEqual(results[0], results[1]);
  assert.notDeepStrictEqual(results[2].epochs, results[0].epochs);
});

test('once every member has diverged the cohort stops, each member reported at its own step', async () => {
  const early = new Float64Array(steps).fill(0.1).fill(1e30, 3);
  const late = new Float64Array(steps).fill(0.1).fill(1e30, 25);
  const [first, second] = await cohort(config, [early, late]);
  assert.deepEqual([first.divergedAt, second.divergedAt], [4, 26]);
  assert.deepEqual([first.epochs.length, second.epochs.length], [1, 3]);
});

test('training a cohort leaves no tensor behind, with any optimizer, with or without a diverging member', async () => {
  const tf = await loadTf('wasm');
  for (const optimizer of OPTIMIZERS) {
    const c = { ...config, optimizer };
    await cohort(c, [curve(0, 0.01)]); // data sets and kernels are built once
    const before = tf.memory().numTensors;
    await cohort(c, [curve(0, 0.01)]);
    const [, diverged] = await cohort(c, [curve(0, 0.01), blowingUp(optimizer), curve(1, 0.01)]);
    assert.notEqual(diverged.divergedAt, null, 'the masked path ran');
    assert.equal(tf.memory().numTensors, before, optimizer);
  }
});

test('a curve shorter than the training, or no curve at all, is refused with the numbers', async () => {
  await assert.rejects(cohort(config, [curve(0, 0.1), new Float64Array(49)]), {
    message: 'LR curve 1 has 49 values; training takes 50 steps (epochs x ceil(training rows / batch_size))',
  });
  await assert.rejects(cohort(config, []), { message: 'a cohort needs at least one LR curve, got none' });
});

// Regression (cohort-task.ts `regression`): the same rules hold for an MSE loss on a standardised
// target and val_mae, reported in the target's units (test/fixtures/data/regression.csv: prices
// around 1000, 80 training rows / 16 = 5 steps an epoch). Same TOLERANCE: measured worst over
// K = 1, 2, 7 on this model: sgd 7.1e-7, momentum 8.4e-7, adam 5.3e-7 (relative); every LR taken
// one step late moves some metric of every epoch by 1.4e-2 or more.
const REGRESSION_PEAK = { sgd: 0.1, momentum: 0.02, adam: 0.01 } as const;

function regressionOptions(optimizer: MlpConfig['optimizer']): MlpOptions {
  return mlp.parse!({ dataset: { csv: 'regression.csv', label: 'price', features: ['x1', 'x2'] }, hidden: [64, 8], epochs: 5, batch_size: 16, optimizer, engine: 'tfjs' },
    { baseDir: fileURLToPath(new URL('../fixtures/data/', import.meta.url)) });
}

for (const optimizer of OPTIMIZERS) {
  test(`${optimizer}, regression: every member of a cohort of 1 or 3 matches its curve trained alone, val_mae in the target's units`, async () => {
    const c = regressionOptions(optimizer);
    const tf = await loadTf('wasm');
    for (const k of [1, 3]) {
      const curves = Array.from({ length: k }, (_, j) => curve(j, REGRESSION_PEAK[optimizer]));
      const members = trainCohort(tf, c, datasetFor(c), SEED, curves).map((m) => m.epochs);
      for (let j = 0; j < k; j++) {
        const alone = epochsOf(await trainWith(mlp, c, curves[j], { seed: SEED })) as unknown as EpochMetrics[];
        assert.ok(alone.every((e) => e.val_mae! > 1 && e.val_accuracy === undefined), 'val_mae in price units, no accuracy');
        assert.ok(members[j].every((e) => e.val_accuracy === null));
        assertClose(members[j], alone, `K = ${k}, member ${j}`, ['train_loss', 'val_loss', 'val_mae']);
      }
    }
  });
}

test('regression: a member whose LR blows up is fenced off; its val_mae ends NaN and its mates are untouched', async () => {
  const c = regressionOptions('sgd');
  const tf = await loadTf('wasm');
  const [a, b] = [curve(0, REGRESSION_PEAK.sgd), curve(1, REGRESSION_PEAK.sgd)];
  const withIt = trainCohort(tf, c, datasetFor(c), SEED, [a, curve(2, REGRESSION_PEAK.sgd).fill(1e20, 7), b]);
  const without = trainCohort(tf, c, datasetFor(c), SEED, [a, b]);
  assert.deepStrictEqual([withIt[0], withIt[2]], without);
  const last = withIt[1].epochs.at(-1)!;
  assert.notEqual(withIt[1].divergedAt, null);
  assert.ok(!Number.isFinite(last.train_loss) && Number.isNaN(last.val_loss) && Number.isNaN(last.val_mae), JSON.stringify(last));
});
