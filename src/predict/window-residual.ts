// How far a run's observed loss windows sit from the law's: the mean of (observed − law) over the
// windows, the law evaluated as the fit evaluates its windows (objective.ts: blocked, so a
// residual is measured on the same footing as the fit's own). The law pruner calibrates a running
// trial's prediction by it: its points so far shift the law's final value for its schedule.

import { paramsToArray, type LawCurve, type LawParams } from './law.js';
import { blockFor, compileRun, windowMeans } from './objective.js';
import type { LossWindow } from './windows.js';

/** The mean of (window's loss − the law's mean over it); NaN for no windows. Windows must lie within the curve. */
export function meanResidual(params: LawParams, curve: LawCurve, windows: readonly LossWindow[]): number {
  if (windows.length === 0) return NaN;
  const run = compileRun(curve, windows, blockFor(curve.eta.length));
  const law = new Float64Array(windows.length);
  windowMeans(run, paramsToArray(params), law, null);
  let sum = 0;
  for (let i = 0; i < windows.length; i++) sum += windows[i].loss - law[i];
  return sum / windows.length;
}
