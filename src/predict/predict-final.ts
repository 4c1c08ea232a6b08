// The prediction a candidate is ranked by.

import { paramsToArray, type LawCurve, type LawParams } from './law.js';
import { blockFor, compileRun, windowMeans } from './objective.js';

/**
 * Predicted final training loss of a candidate: the law's mean over the last `window` steps,
 * evaluated as the fit evaluates its windows (objective.ts: blocked, O(T) arithmetic and about
 * 300 logarithms a candidate), so a prediction is exactly what the fit optimised. finalLoss is
 * the unblocked law (O(T) logarithms), lossCurve the whole curve.
 */
export function predictFinal(params: LawParams, curve: LawCurve, window: number): number {
  const n = curve.eta.length;
  const run = compileRun(curve, [{ start: n - Math.max(1, Math.min(window, n)), end: n, loss: 1 }], blockFor(n));
  const out = new Float64Array(1);
  windowMeans(run, paramsToArray(params), out, null);
  return out[0];
}
