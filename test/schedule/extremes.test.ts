// Per-window extremes: each pixel column's exact minimum and maximum, so no restart spike is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { curve } from '../../src/schedule/curve.js';
import { cycleAt } from '../../src/wasm/engine.js';
import { resolveSchedule } from '../../src/schedule/schedule.js';
import type { ScheduleInput } from '../../src/schedule/params.js';

const schedules: ScheduleInput[] = [
  { schedule: 'cawr', firstCycleSteps: 37, cycleMult: 1.5, warmupSteps: 5, gamma: 0.9 },
  { schedule: 'cawr', firstCycleSteps: 10, warmupSteps: 3, gamma: 0.999 },
  { schedule: 'cawr', firstCycleSteps: 10, gamma: 1.0001 },
  { schedule: 'cawr', firstCycleSteps: 200, cycleMult: 0.7, warmupSteps: 50, gamma: 0.9 },
  { schedule: 'cawr', firstCycleSteps: 50, cycleMult: 1.3, warmupSteps: 10, gamma: 0.5, warmupFirstCycleOnly: true, maxCycles: 20 },
  { schedule: 'cawr', firstCycleSteps: 50, cycleMult: 1.3, warmupSteps: 10, gamma: 0.5, peakFloor: 'clamp' },
  { schedule: 'sgdr', t0: 7, tMult: 2, baseLr: 0.1, etaMin: 0.001 },
];

for (const p of schedules) {
  test(`every column keeps its exact min and max: ${JSON.stringify(p)}`, () => {
    for (const [start, steps, columns] of [[0, 400_000, 500], [12_345, 100_000, 777], [0, 3000, 700]]) {
      const full = curve(p, { start, steps });
      const points = resolveSchedule(p).extremes(start, steps, columns);
      assert.ok(points.length <= 2 * columns);
      assert.ok(points.every((q, i) => i === 0 || q.step > points[i - 1].step), 'points in step order');
      for (let c = 0; c < columns; c++) {
        const a = Math.floor((c * steps) / columns);
        const b = Math.floor(((c + 1) * steps) / columns);
        let lo = Infinity;
        let hi = -Infinity;
        for (let i = a; i < b; i++) {
          lo = Math.min(lo, full[i]);
          hi = Math.max(hi, full[i]);
        }
        const mine = points.filter((q) => q.step >= start + a && q.step < start + b);
        for (const q of mine) assert.equal(q.lr, full[q.step - start], 'points are curve values');
        assert.equal(Math.min(...mine.map((q) => q.lr)), lo, `column ${c} min`);
        assert.equal(Math.max(...mine.map((q) => q.lr)), hi, `column ${c} max`);
      }
    }
  });
}

test("when cycles are wider than columns, every restart's peak and every cycle's minimum is a point", () => {
  const p: ScheduleInput = { schedule: 'cawr', firstCycleSteps: 500, cycleMult: 1.2, warmupSteps: 50, gamma: 0.8 };
  const steps = 200_000;
  const full = curve(p, { steps });
  const values = new Set(resolveSchedule(p).extremes(0, steps, 400).map((q) => q.lr));
  const family = resolveSchedule(p).family!;
  let cycleStart = 0;
  for (let t = 1; t <= steps; t++) {
    if (t === steps || cycleAt(family, t) !== cycleAt(family, t - 1)) {
      const cycle = full.subarray(cycleStart, t);
      assert.ok(values.has(Math.max(...cycle)), `peak of the cycle starting at ${cycleStart}`);
      assert.ok(values.has(Math.min(...cycle)), `minimum of the cycle starting at ${cycleStart}`);
      cycleStart = t;
    }
  }
});

test('a 10^8-step curve decimates to the same column extremes a short one would', () => {
  const p: ScheduleInput = { schedule: 'cawr', firstCycleSteps: 10, warmupSteps: 3, gamma: 0.9999999 };
  const points = resolveSchedule(p).extremes(0, 1e8, 1000);
  assert.ok(points.length <= 2000);
  // Column 0 holds steps 0..99999: min_lr at the restarts, and the first peak (step 3).
  const first = points.filter((q) => q.step < 100_000);
  assert.equal(Math.max(...first.map((q) => q.lr)), curve(p, { start: 3, steps: 1 })[0]);
  assert.equal(Math.min(...first.map((q) => q.lr)), 0.001);
  // The last column's maximum is the peak of its first cycle (peaks decay).
  const last = points.filter((q) => q.step >= 99_900_000);
  const firstPeak = 99_900_000 + 3; // 99_900_000 is a restart (a multiple of 10)
  assert.equal(Math.max(...last.map((q) => q.lr)), curve(p, { start: firstPeak, steps: 1 })[0]);
});
