// The opt-in fixes for what the reference's users asked for: each changes only what it says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { curve } from '../../src/schedule/curve.js';

const base = { schedule: 'cawr' as const, firstCycleSteps: 10, maxLr: 0.1, minLr: 0.001, warmupSteps: 5 };

test('the default keeps the reference: peaks below min_lr turn the cycle upside down', () => {
  const v = curve({ ...base, gamma: 0.5 }, { steps: 80 });
  assert.equal(v[75], 0.1 * 0.5 ** 7); // s = w: the (decayed) peak, below min_lr
  assert.ok(v[75] < 0.001);
});

test('warmup_first_cycle_only: later cycles start at their peak and have no warmup', () => {
  const v = curve({ ...base, warmupFirstCycleOnly: true, gamma: 0.9 }, { steps: 30 });
  const ref = curve(base, { steps: 10 });
  assert.deepEqual(v.subarray(0, 10), ref); // cycle 0 unchanged
  // Cycle 1 is the cosine part only: int((10 - 5) * 1) = 5 steps, starting at the peak.
  assert.equal(v[10], 0.1 * 0.9);
  assert.equal(v[15], 0.1 * 0.9 * 0.9);
  assert.ok(v[11] < v[10] && v[14] < v[11]);
});

test("peak_floor clamp: a peak below min_lr is raised to min_lr, so the cycle is flat at min_lr", () => {
  const v = curve({ ...base, gamma: 0.5, peakFloor: 'clamp' }, { steps: 80 });
  for (let t = 70; t < 80; t++) assert.equal(v[t], 0.001, `step ${t}`);
  assert.deepEqual(v.subarray(0, 60), curve({ ...base, gamma: 0.5 }, { steps: 60 })); // peaks above min_lr unchanged
});

test('peak_floor amplitude: the distance to min_lr decays, so every value stays >= min_lr', () => {
  const v = curve({ ...base, warmupSteps: 0, gamma: 0.5, peakFloor: 'amplitude' }, { steps: 200 });
  for (let t = 0; t < 200; t++) assert.ok(v[t] >= 0.001, `step ${t}`);
  assert.equal(v[70], 0.001 + (0.1 - 0.001) * 0.5 ** 7);
});

test('max_cycles: after that many cycles the LR stays at min_lr', () => {
  const v = curve({ ...base, cycleMult: 2, maxCycles: 2 }, { steps: 100 });
  // Cycles: 10 steps, then int((10 - 5) * 2) + 5 = 15 steps; from step 25 on, min_lr.
  assert.notEqual(v[24], 0.001);
  for (let t = 25; t < 100; t++) assert.equal(v[t], 0.001);
  assert.deepEqual(curve({ ...base, cycleMult: 2, maxCycles: 2 }, { start: 10 ** 12, steps: 3 }), Float64Array.of(0.001, 0.001, 0.001));
});

test('max_cycles stops a shrinking schedule before its zero-length cycle', () => {
  // Without the limit, cycle_mult 0.7 reaches a zero-length cycle at step 24.
  assert.throws(() => curve({ schedule: 'cawr', firstCycleSteps: 10, cycleMult: 0.7 }, { steps: 30 }));
  const v = curve({ schedule: 'cawr', firstCycleSteps: 10, cycleMult: 0.7, maxCycles: 3 }, { steps: 30 });
  assert.equal(v[29], 0.001);
});
