// The exact minimum and maximum of an LR curve over each of a number of windows (pixel columns
// of a chart), found without computing every step. Inside a cycle both pieces are monotone (the warmup ramp,
// then the cosine), so a column's extremes lie at its edges, at cycle starts, at peaks (s = w)
// and at cycle ends; across a run of equal-length cycles those values are monotone in the cycle
// number (they scale with gamma^c), so only the run's first and last cycle in the column count.
// A 10^8-step curve therefore plots as fast as a 10^4-step one, and no restart spike is lost.
// One column gives the whole curve's minimum and maximum: `curve`'s summary of 2^52 steps.
// In float32 (dtype f32) the candidates are the same steps, each evaluated as the f32 curve
// computes it (test/commands/curve.test.ts compares both dtypes with every value computed).

import { fillCurve } from '../wasm/engine.js';
import { cycleRuns } from './cycles.js';
import type { Family } from './family.js';

export interface CurvePoint {
  step: number;
  lr: number;
}

/** Steps whose values bound the curve over [a, b). */
function candidates(a: number, b: number, runs: ReturnType<typeof cycleRuns>): number[] {
  const out = [a, b - 1];
  // Step 0 is min_lr (the reference overwrites it), so with no warmup cycle 0 peaks at step 1.
  if (a <= 1 && b > 1) out.push(1);
  if (runs.end < b && runs.end >= a) out.push(runs.end);
  for (const run of runs.runs) {
    const runEnd = run.start + run.count * run.length;
    if (runEnd <= a || run.start >= b) continue;
    // Cycles of this run that intersect [a, b): from i0 to i1.
    const i0 = Math.max(0, Math.floor((a - run.start) / run.length));
    const i1 = Math.min(run.count - 1, Math.floor((b - 1 - run.start) / run.length));
    for (const i of i1 > i0 ? [i0, i0 + 1, i1 - 1, i1] : [i0]) {
      const s = run.start + i * run.length;
      for (const t of [s, s + run.warmup, s + run.length - 1]) if (t >= a && t < b) out.push(t);
    }
  }
  return out;
}

/**
 * The curve over steps start .. start + steps - 1 as at most 2 points per column: each column's
 * minimum and maximum, in step order. Short curves (steps <= 2 * columns) come back whole.
 * `dtype` f32: the values of the float32 curve.
 */
export function extremes(family: Family, start: number, steps: number, columns: number, dtype: 'f64' | 'f32' = 'f64'): CurvePoint[] {
  const fill = (t: number, out: Float64Array | Float32Array) => fillCurve(family, t, out);
  if (steps <= 2 * columns) return extremesOf(fill, () => [], start, steps, columns, dtype);
  const runs = cycleRuns(family, start + steps);
  return extremesOf(fill, (a, b) => candidates(a, b, runs), start, steps, columns, dtype);
}

/** Candidate steps worth evaluating one by one in a column; past this the column is computed whole. */
const PER_COLUMN = 64;

/**
 * The same for any curve given its fill and, per window [a, b), the steps whose values bound it
 * (a kind with its own curve, kinds/kind.ts OwnCurve, says them), or null where there are more
 * than `limit`: that column is computed whole (exact either way, and a column that busy has at
 * least that many steps).
 */
export function extremesOf(
  fill: (start: number, out: Float64Array | Float32Array) => void, candidatesIn: (a: number, b: number, limit: number) => number[] | null,
  start: number, steps: number, columns: number, dtype: 'f64' | 'f32' = 'f64',
): CurvePoint[] {
  const array = (n: number) => (dtype === 'f32' ? new Float32Array(n) : new Float64Array(n));
  if (steps <= 2 * columns) {
    const values = array(steps);
    fill(start, values);
    return Array.from(values, (lr, i) => ({ step: start + i, lr }));
  }
  const one = array(1);
  const valueAt = (t: number) => {
    fill(t, one);
    return one[0];
  };
  const points: CurvePoint[] = [];
  for (let c = 0; c < columns; c++) {
    const a = start + Math.floor((c * steps) / columns);
    const b = start + Math.floor(((c + 1) * steps) / columns);
    let lo = { step: a, lr: Infinity };
    let hi = { step: a, lr: -Infinity };
    const consider = (t: number, lr: number) => {
      if (lr < lo.lr || (lr === lo.lr && t < lo.step)) lo = { step: t, lr };
      if (lr > hi.lr || (lr === hi.lr && t < hi.step)) hi = { step: t, lr };
    };
    const inside = candidatesIn(a, b, PER_COLUMN);
    if (inside === null) {
      const values = array(b - a);
      fill(a, values);
      values.forEach((lr, i) => consider(a + i, lr));
    } else {
      for (const t of new Set([a, b - 1, ...inside])) consider(t, valueAt(t));
    }
    if (lo.step === hi.step) points.push(lo);
    else points.push(...(lo.step < hi.step ? [lo, hi] : [hi, lo]));
  }
  return points;
}
