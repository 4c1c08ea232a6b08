// Exact extremes per column for the kinds with their own kernel (kinds/kind.ts StepKind): between
// two breakpoints the curve is monotone, so a column's minimum and maximum lie at its edges or
// next to a breakpoint (each breakpoint may be off by one, so its neighbours count too). A column
// holding more breakpoints than are worth looking at one by one is computed whole: exact either
// way, and a column that busy has at least that many steps.

import type { CurveArray } from '../wasm/engine.js';
import type { CurvePoint } from './extremes.js';

/** Breakpoints worth looking at one by one in a column; past this the column is computed whole. */
const PER_COLUMN = 64;

export function stepExtremes(
  fill: (start: number, out: CurveArray) => void,
  breakpoints: (start: number, end: number, limit: number) => number[] | null,
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
    const inside = breakpoints(a, b, PER_COLUMN);
    if (inside === null) {
      const values = array(b - a);
      fill(a, values);
      values.forEach((lr, i) => consider(a + i, lr));
    } else {
      const candidates = new Set([a, b - 1]);
      for (const p of inside) for (const t of [p - 1, p, p + 1]) if (t >= a && t < b) candidates.add(t);
      for (const t of [...candidates].sort((x, y) => x - y)) consider(t, valueAt(t));
    }
    if (lo.step === hi.step) points.push(lo);
    else points.push(...(lo.step < hi.step ? [lo, hi] : [hi, lo]));
  }
  return points;
}
