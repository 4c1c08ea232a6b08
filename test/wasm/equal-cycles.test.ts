// Cycles of equal length share one table of cosine factors; each cycle still applies its own
// amplitude. Sharing must change no bit: a window equals the slice of the full curve whichever
// path produced it (whole cycles from the table, part of a cycle from the table, or computed
// directly when no table holds its length).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { curve, curveInto } from '../../src/schedule/curve.js';
import { referenceCurve } from '../../src/schedule/reference.js';
import { withDefaults, type ScheduleInput } from '../../src/schedule/params.js';
import { toFamily } from '../../src/schedule/family.js';
import { F32_TOLERANCE, firstMismatch } from '../helpers/golden.js';

/** Fills curves whose cosine parts are 997 steps long, so no table holds any length used below. */
function evictTables(): void {
  const other: ScheduleInput = { schedule: 'cawr', firstCycleSteps: 997, warmupSteps: 0 };
  curve(other, { steps: 3 * 997 });
  curve(other, { steps: 3 * 997, dtype: 'f32' });
}

const CASES: { p: ScheduleInput; length: number }[] = [
  { p: { schedule: 'cawr', firstCycleSteps: 100, cycleMult: 1, maxLr: 0.1, minLr: 0.001, warmupSteps: 10, gamma: 0.9 }, length: 100 },
  // cycle 0 has a warmup, later ones do not: 37, then 32 forever
  { p: { schedule: 'cawr', firstCycleSteps: 37, cycleMult: 1, warmupSteps: 5, gamma: 0.95, warmupFirstCycleOnly: true }, length: 32 },
  // int(5 * 1.1) = 5: equal cycles although cycle_mult != 1; the clamp takes over from cycle 11
  { p: { schedule: 'cawr', firstCycleSteps: 5, cycleMult: 1.1, maxLr: 0.1, minLr: 0.03, gamma: 0.9, peakFloor: 'clamp' }, length: 5 },
  // shrinks onto the warmup: pure warmup cycles of 50 steps (no cosine part at all)
  { p: { schedule: 'cawr', firstCycleSteps: 200, cycleMult: 0.7, warmupSteps: 50, gamma: 0.97 }, length: 50 },
  // growing peaks, Keras-style amplitude
  { p: { schedule: 'cawr', firstCycleSteps: 64, cycleMult: 1, warmupSteps: 3, gamma: 1.01, peakFloor: 'amplitude' }, length: 64 },
  // flat at min_lr after 7 cycles
  { p: { schedule: 'cawr', firstCycleSteps: 20, cycleMult: 1, warmupSteps: 4, gamma: 0.9, maxCycles: 7 }, length: 20 },
  { p: { schedule: 'sgdr', t0: 10, tMult: 1, etaMin: 1e-4, baseLr: 0.05 }, length: 10 },
];

/** Windows relative to the settled cycle length L: inside one cycle, from mid-cycle over several, late. */
function windows(L: number): [number, number][] {
  return [
    [3, 2], [L + Math.floor(L / 2), 1], [5 * L + 1, Math.max(1, L - 2)], [7 * L + Math.floor(L / 3), 3 * L + 5],
    [40 * L - 1, 2], [123 * L + 7, 9 * L], [299 * L + L - 3, 3], [17, 400 * L],
  ];
}

for (const { p, length } of CASES) {
  test(`windows equal slices bit for bit with shared cosine factors: ${JSON.stringify(p)}`, () => {
    const total = 450 * length;
    const want = referenceCurve(toFamily(withDefaults(p)), total);
    const S = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0.1);
    for (const dtype of ['f64', 'f32'] as const) {
      evictTables();
      const full = curve(p, { steps: total, dtype });
      assert.equal(firstMismatch(full, want, S, dtype === 'f32' ? F32_TOLERANCE : undefined), null, dtype);
      for (const [start, steps] of windows(length)) {
        const where = `${dtype} start=${start} steps=${steps}`;
        const slice = full.subarray(start, start + steps);
        // once with the table of this length still in place, once computed without it
        assert.deepEqual(curve(p, { start, steps, dtype }), slice, `${where}, table present`);
        evictTables();
        assert.deepEqual(curve(p, { start, steps, dtype }), slice, `${where}, no table`);
        const into = dtype === 'f32' ? new Float32Array(steps) : new Float64Array(steps);
        evictTables();
        assert.deepEqual(curveInto(p, into, { start }), slice, `${where}, curveInto`);
      }
    }
  });
}

test('late cycles keep their amplitude: 10^4 equal cycles with gamma = 0.999 match the reference', () => {
  const p: ScheduleInput = { schedule: 'cawr', firstCycleSteps: 100, cycleMult: 1, maxLr: 0.1, minLr: 0.001, warmupSteps: 10, gamma: 0.999 };
  const steps = 1_000_000;
  const want = referenceCurve(toFamily(withDefaults(p)), steps);
  assert.equal(firstMismatch(curve(p, { steps }), want, 0.1), null);
  assert.equal(firstMismatch(curve(p, { steps, dtype: 'f32' }), want, 0.1, F32_TOLERANCE), null);
});
