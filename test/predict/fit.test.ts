// The fit recovers the law's predictions from curves the law generated (the parameters themselves
// are not identifiable, so predictions are what is checked), deterministically for a seed, and
// refuses too little data with one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitLaw, FitError, lrCurveOf, lossCurve, predictFinal, prepareCurve, spearman, type FitRun, type LawParams } from '../../src/predict/index.js';

const TRUTH: LawParams = { L0: 1.5, A: 0.8, alpha: 0.4, B: 0.3, C: 0.05, beta: 0.6, gamma: 0.4 };
const STEPS = 1000;
const MAX_LR = 0.01;
const cawr = (o: Record<string, number>) => lrCurveOf({ schedule: 'cawr', max_lr: MAX_LR, min_lr: 1e-4, cycle_mult: 1, gamma: 1, warmup_steps: 0, ...o }, STEPS);

/** A run whose training loss is the law's, as 10-step window means. */
function lawRun(lr: Float64Array, windowLength = 10): FitRun {
  const curve = prepareCurve(lr, MAX_LR);
  const law = lossCurve(TRUTH, curve);
  const windows = [];
  for (let s = 0; s < STEPS; s += windowLength) windows.push({ start: s, end: s + windowLength, loss: law.slice(s, s + windowLength).reduce((a, b) => a + b, 0) / windowLength });
  return { curve, windows };
}

const anchors = () => [cawr({ first_cycle_steps: STEPS, min_lr: MAX_LR }), cawr({ first_cycle_steps: STEPS }), cawr({ first_cycle_steps: 250 })].map((lr) => lawRun(lr));
const grid: Record<string, number>[] = [];
for (const first_cycle_steps of [125, 250, 500]) for (const cycle_mult of [1, 2]) for (const gamma of [0.5, 1]) for (const warmup_steps of [0, 25]) grid.push({ first_cycle_steps, cycle_mult, gamma, warmup_steps });

test('fitted on three anchors the law generated, the fit predicts 24 other schedules\' final loss and their order', () => {
  const first = fitLaw(anchors(), { seed: 0 });
  const curves = grid.map((o) => prepareCurve(cawr(o), MAX_LR));
  const truth = curves.map((c) => predictFinal(TRUTH, c, 10));
  const predicted = curves.map((c) => predictFinal(first.params, c, 10));
  const worst = Math.max(...predicted.map((p, i) => Math.abs(p - truth[i])));
  assert.ok(worst < 3e-3, `largest error ${worst}`);
  assert.ok(spearman(predicted, truth)! > 0.97, `Spearman ${spearman(predicted, truth)}`);
  // The ranking is not trivial: the configs' true final losses spread far more than the errors.
  assert.ok(Math.max(...truth) - Math.min(...truth) > 10 * worst);

  // Determinism: the same runs and seed give the same parameters, bit for bit.
  const again = fitLaw(anchors(), { seed: 0 });
  assert.deepEqual(again.params, first.params);
  assert.deepEqual(curves.map((c) => predictFinal(again.params, c, 10)), predicted);
});

test('too few windows to fit is one line naming what is needed', () => {
  const short = lawRun(cawr({ first_cycle_steps: STEPS }), 100); // 10 windows, 9 after the first 5%
  assert.throws(() => fitLaw([short]), (e: Error) => e instanceof FitError
    && e.message === 'too few loss points to fit the law: 9 windows after the first 5% of each run, at least 20 needed (report the training loss more often, or train more runs)');
});
