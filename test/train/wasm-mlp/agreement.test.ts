// The wasm engine trains what the tfjs engine trains: per-epoch losses and metrics of every member
// agree with tfjs's cohort trainer (mlp-cohort.ts on tfjs's wasm backend, the same initial weights,
// batches and LRs) within float32 rounding, for every optimizer, activation and task, built-in and
// CSV data, in cohorts of 1 and 7.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OPTIMIZERS, type MlpOptions } from '../../../src/train/mlp-options.js';
import { BENCH, SMALL, TOLERANCE, csvOptions, npyOptions, curve, relativeDifferences, tfjsCohort, wasmCohort, worst, METRICS } from './compare.js';

const PEAK = { sgd: 0.5, momentum: 0.1, adam: 0.03 } as const;
const REGRESSION_PEAK = { sgd: 0.1, momentum: 0.02, adam: 0.01 } as const;
const SEED = 3;
const ACTIVATIONS = ['relu', 'tanh', 'sigmoid'] as const;

function assertAgree(c: MlpOptions, peak: number, k: number, what: string): void {
  const curves = Array.from({ length: k }, (_, j) => curve(c, j, peak));
  const ours = wasmCohort(c, SEED, curves);
  const theirs = tfjsCohort(c, SEED, curves);
  assert.equal(ours.length, k);
  ours.forEach((member, j) => {
    const reference = theirs[j];
    assert.equal(member.divergedAt, null, `${what}: member ${j} diverged`);
    assert.equal(member.epochs.length, c.epochs, what);
    member.epochs.forEach((e, i) => {
      const want = reference.epochs[i];
      assert.equal(e.epoch, want.epoch);
      assert.equal(e.lr, want.lr, `${what}, member ${j}, epoch ${i + 1}: lr`);
      // The task's metrics, and null where the task has none.
      for (const key of METRICS) assert.equal(e[key] === null, want[key] === null, `${what}: ${key} null in one engine only`);
    });
    relativeDifferences(member.epochs, reference.epochs).forEach((row, i) => row.forEach((d, m) => {
      assert.ok(d <= TOLERANCE[c.optimizer], `${what}, K = ${k}, member ${j}, epoch ${i + 1}, ${METRICS[m]}: ${member.epochs[i][METRICS[m]]} vs tfjs ${reference.epochs[i][METRICS[m]]} (relative ${d.toExponential(2)})`);
    }));
  });
}

for (const optimizer of OPTIMIZERS) {
  for (const activation of ACTIVATIONS) {
    test(`${optimizer}, ${activation}: classification on synthetic data agrees with the tfjs engine within ${TOLERANCE[optimizer]}, K = 1 and 7`, () => {
      for (const k of [1, 7]) assertAgree({ ...SMALL, optimizer, activation }, PEAK[optimizer], k, `${optimizer} ${activation}`);
    });
    test(`${optimizer}, ${activation}: regression on CSV data agrees with the tfjs engine within ${TOLERANCE[optimizer]}, val_mae in the target's units, K = 1 and 7`, () => {
      const c = csvOptions('regression', { optimizer, activation });
      for (const k of [1, 7]) assertAgree(c, REGRESSION_PEAK[optimizer], k, `${optimizer} ${activation} regression`);
      const [member] = wasmCohort(c, SEED, [curve(c, 0, REGRESSION_PEAK[optimizer])]);
      assert.ok(member.epochs.every((e) => e.val_mae! > 1 && e.val_accuracy === null), 'val_mae in price units, no accuracy');
    });
  }
  test(`${optimizer}: Iris, CSV classes, .npy data and the benchmark's 20-64-3 model (250 steps) agree with the tfjs engine within ${TOLERANCE[optimizer]}`, () => {
    assertAgree({ ...SMALL, dataset: 'iris', optimizer }, PEAK[optimizer], 7, `${optimizer} iris`);
    assertAgree(csvOptions('classification', { optimizer }), PEAK[optimizer], 7, `${optimizer} csv classes`);
    assertAgree(npyOptions({ optimizer }), PEAK[optimizer], 2, `${optimizer} npy`);
    assertAgree({ ...BENCH, optimizer }, { sgd: 0.1, momentum: 0.05, adam: 0.01 }[optimizer], 3, `${optimizer} 20-64-3`);
  });
}

test('the tolerances would catch an LR taken one step late: that moves some metric by more than 20x the largest tolerance', () => {
  for (const optimizer of OPTIMIZERS) {
    const c = { ...SMALL, optimizer };
    const lrs = curve(c, 0, PEAK[optimizer]);
    const late = Float64Array.from(lrs, (_, i) => lrs[Math.max(0, i - 1)]);
    const [ours] = wasmCohort(c, SEED, [late]);
    const [theirs] = tfjsCohort(c, SEED, [lrs]);
    const d = worst(ours.epochs.map((e, i) => ({ ...e, lr: theirs.epochs[i].lr })), theirs.epochs);
    assert.ok(d > 20 * TOLERANCE.adam, `${optimizer}: ${d}`);
  }
});

test('any list of hidden layers (none; three of odd widths) and batches of any size (7 rows, a short last one; 1 row) agree with the tfjs engine', () => {
  for (const optimizer of OPTIMIZERS) {
    const peak = PEAK[optimizer] / 5;
    assertAgree({ ...SMALL, hidden: [], optimizer }, peak, 3, `${optimizer}, no hidden layer`);
    assertAgree({ ...SMALL, hidden: [5, 3, 9], batch_size: 7, activation: 'tanh', optimizer }, peak, 3, `${optimizer}, hidden [5, 3, 9], batch 7`);
    assertAgree({ ...SMALL, samples: 40, hidden: [6], batch_size: 1, epochs: 2, optimizer }, peak / 5, 2, `${optimizer}, batch 1`);
  }
});
