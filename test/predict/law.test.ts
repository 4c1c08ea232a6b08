// The law's formula, its blocked evaluation against the exact one, the objective's gradient, and
// L-BFGS on a known problem.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstPeak, finalLoss, lossAt, lossCurve, prepareCurve, type LawParams } from '../../src/predict/law.js';
import { compileRun, objective, windowMeans } from '../../src/predict/objective.js';
import { lbfgs } from '../../src/predict/lbfgs.js';
import { lrCurveOf, predictFinal, spearman, windowsOf } from '../../src/predict/index.js';

const P: LawParams = { L0: 1.5, A: 0.8, alpha: 0.4, B: 0.3, C: 0.02, beta: 0.6, gamma: 0.4 };
const cawr = (o: Record<string, number>, steps: number) => lrCurveOf({ schedule: 'cawr', max_lr: 0.01, min_lr: 1e-4, cycle_mult: 1, gamma: 1, warmup_steps: 0, ...o }, steps);

test('the law by its formula: a constant LR has no decay term; a decay lowers the loss; a restart raises it, and it falls again', () => {
  const constant = prepareCurve(new Float64Array(100).fill(0.01), 0.01);
  // L(t) = L0 + A·(t+1)^(−α) with η = 1 at every step and no LR change.
  for (const t of [0, 9, 99]) assert.ok(Math.abs(lossAt(P, constant, t) - (P.L0 + P.A * (t + 1) ** -P.alpha)) < 1e-12);
  const lr = new Float64Array(100).fill(0.01);
  for (let t = 50; t < 100; t++) lr[t] = 0.005;
  const drop = prepareCurve(lr, 0.01);
  // At t = 60: one fall of 0.5 at k = 50, S_50(60) = 11 steps at 0.5.
  const x = 0.5 ** -P.gamma * 5.5;
  const expected = P.L0 + P.A * (50 + 5.5) ** -P.alpha - P.B * 0.5 * (1 - (P.C * x + 1) ** -P.beta);
  assert.ok(Math.abs(lossAt(P, drop, 60) - expected) < 1e-12);
  assert.ok(lossAt(P, drop, 60) < lossAt(P, constant, 60));
  // A strong decay term (large B and C) shows the restart's rise plainly; with a weak one the power term can mask it.
  const strong = { ...P, B: 1, C: 0.5 };
  const restarts = prepareCurve(cawr({ first_cycle_steps: 200 }, 600), 0.01);
  const curve = lossCurve(strong, restarts);
  assert.ok(curve[230] > curve[199], `the loss rises after the restart at 200: ${curve[199]} then ${curve[230]}`);
  assert.ok(curve[399] < curve[230], 'and falls again as the LR decays');
  assert.equal(finalLoss(strong, restarts), curve[599]);
});

test('only the first warmup is left out of the decay term; later warmups enter it as rises', () => {
  const lr = cawr({ first_cycle_steps: 100, warmup_steps: 20 }, 300);
  assert.equal(firstPeak(lr), 20);
  const c = prepareCurve(lr, 0.01);
  assert.equal(c.peak, 20);
  // During the first warmup the law is the power term of the LR sum alone.
  assert.ok(Math.abs(lossAt(P, c, 10) - (P.L0 + P.A * c.prefix[11] ** -P.alpha)) < 1e-12);
  // Warmup of the second cycle (steps 100..120) raises the loss, as a restart does.
  assert.ok(lossAt({ ...P, B: 1, C: 0.5 }, c, 125) > lossAt({ ...P, B: 1, C: 0.5 }, c, 99));
});

test('the blocked window means equal the exact law with blocks of one step, and stay within 0.002 with the fit\'s blocks', () => {
  const shapes: Record<string, number>[] = [{ first_cycle_steps: 2000 }, { first_cycle_steps: 250, warmup_steps: 50, gamma: 0.5 }, { first_cycle_steps: 300, cycle_mult: 2, warmup_steps: 10 }];
  for (const o of shapes) {
    const c = prepareCurve(cawr(o, 2000), 0.01);
    const exact = lossCurve(P, c);
    const windows = Array.from({ length: 100 }, (_, i) => ({ start: i * 20, end: i * 20 + 20, loss: 1 }));
    const mean = (w: { start: number; end: number }) => exact.slice(w.start, w.end).reduce((s, x) => s + x, 0) / (w.end - w.start);
    const one = new Float64Array(100);
    windowMeans(compileRun(c, windows, 1), Object.values(P), one, null);
    windows.forEach((w, i) => assert.ok(Math.abs(one[i] - mean(w)) < 1e-9, `${JSON.stringify(o)} window ${i}: ${one[i]} vs ${mean(w)}`));
    const blocked = new Float64Array(100);
    windowMeans(compileRun(c, windows, 20, 20), Object.values(P), blocked, null);
    windows.forEach((w, i) => assert.ok(Math.abs(blocked[i] - mean(w)) < 2e-3, `${JSON.stringify(o)} window ${i}: ${blocked[i]} vs ${mean(w)}`));
    assert.ok(Math.abs(predictFinal(P, c, 20) - mean(windows[99])) < 2e-3);
  }
});

test('the objective\'s gradient matches finite differences in the log parameters', () => {
  const c = prepareCurve(cawr({ first_cycle_steps: 200, warmup_steps: 20, gamma: 0.7 }, 800), 0.01);
  const law = lossCurve(P, c);
  // Data off the law by a few percent, so residuals fall on both sides of the Huber threshold.
  const windows = Array.from({ length: 40 }, (_, i) => ({ start: i * 20, end: i * 20 + 20, loss: law[i * 20 + 10] * (1 + 0.03 * Math.sin(i)) }));
  const runs = [compileRun(c, windows.slice(2), 8)];
  const theta = Float64Array.from([1.4, 0.9, 0.5, 0.2, 0.03, 0.5, 0.3].map(Math.log));
  const grad = new Float64Array(7);
  objective(runs, theta, grad);
  for (let i = 0; i < 7; i++) {
    const h = 1e-6;
    const up = Float64Array.from(theta); up[i] += h;
    const down = Float64Array.from(theta); down[i] -= h;
    const numeric = (objective(runs, up, new Float64Array(7)) - objective(runs, down, new Float64Array(7))) / (2 * h);
    assert.ok(Math.abs(numeric - grad[i]) <= 1e-5 * Math.max(1, Math.abs(numeric)), `parameter ${i}: ${grad[i]} vs ${numeric}`);
  }
});

test('L-BFGS finds the minimum of the Rosenbrock function', () => {
  const r = lbfgs((x, g) => {
    g[0] = -2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2);
    g[1] = 200 * (x[1] - x[0] ** 2);
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2;
  }, [-1.2, 1], { maxIterations: 500 });
  assert.ok(Math.abs(r.x[0] - 1) < 1e-4 && Math.abs(r.x[1] - 1) < 1e-4, `got ${r.x} after ${r.iterations} (${r.stop})`);
});

test('windows: points are window ends (0-based), merged to a minimum length', () => {
  const points = Array.from({ length: 10 }, (_, i) => ({ step: i, loss: i + 1 }));
  assert.deepEqual(windowsOf(points, 1)[3], { start: 3, end: 4, loss: 4 });
  assert.deepEqual(windowsOf(points, 4), [{ start: 0, end: 4, loss: 2.5 }, { start: 4, end: 10, loss: 7.5 }]);
  assert.equal(spearman([1, 2, 3, 4], [10, 20, 30, 25]), 0.8);
});
