// predict/: a schedule-aware loss law that predicts how a schedule will train from a few runs
// (issue 19). The law is the Multi-Power Law (law.ts); it is fitted to training-loss windows of
// trained runs (fit.ts, objective.ts, lbfgs.ts) and predicts the final training loss of any
// schedule from its exact LR curve (the WASM engine computes it) in O(T).
//
// The contract, for the commands, the `predict` sampler and the `law` pruner that call it:
// - Input: runs = an LR curve (one value per step, from curveOf) and the training loss as windows
//   of steps with their mean (windows.ts: a point at step s after one at step r is the mean of
//   steps r..s−1; per-step points are windows of one step). Losses must be finite and positive
//   (curveProblem says why not). One normaliser (maxLr) for every run and candidate of a fit:
//   the largest LR of the trained runs.
// - fitLaw(runs, {seed}) is deterministic for a seed; it throws FitError (a UsageError: exit 2,
//   one line) with too few windows (MIN_WINDOWS after the first FIT_FROM of each run) or when no
//   start gives a finite law.
// - predictFinal(params, curve, window) predicts the mean training loss over the last `window` steps.
//   lossCurve gives the whole predicted curve (O(T^2); the law pruner's need: a running trial's
//   points so far plus its known remaining schedule are a run like any other). meanResidual(params,
//   curve, windows) says how far a run's windows sit from the law (the law pruner's calibration).
// - The fitted parameters are NOT identifiable from a few runs (two seeds gave very different
//   values with the same rankings): callers show predictions and rankings, never the parameters.
// - leaveOneOut(configs, fit, window) says how far to trust it (Spearman against the objective,
//   worst misses).
//
// The evidence (issue 19, on a 2,000-step character-level MLP, AdamW, fresh batches, 36
// CosineAnnealingWarmupRestarts configs, two seeds; seed noise sd 0.003–0.006 nats): fitted on three
// anchors (constant LR, one cosine, one 4-restart schedule) it ranked the 36 at Spearman 0.86 and
// 0.91; anchors + predicted top 5 found a config within 0.001 nats of the best. Its values are off
// by 0.02–0.05 nats, systematically on many short cycles: a shortlist to confirm by training,
// never a result. Without a restart anchor it mispredicted restart schedules badly. This
// repository's own recording and measurement: bench/predict.ts, bench/record/.

import { fromReferenceNames } from '../schedule/params.js';
import { resolveSchedule } from '../schedule/schedule.js';
import type { KindName } from '../schedule/kinds/index.js';
import { prepareCurve, type LawCurve } from './law.js';

export { finalLoss, lossAt, lossCurve, prepareCurve, firstPeak, LAW_PARAM_NAMES, type LawCurve, type LawParams } from './law.js';
export { fitLaw, FitError, FIT_DEFAULTS, FIT_FROM, MIN_WINDOWS, type FitOptions, type FitRun, type LawFit } from './fit.js';
export { leaveOneOut, type LeaveOneOut, type HeldOut, type TrainedConfig } from './leave-one-out.js';
export { spearman, ranks } from './agreement.js';
export { predictFinal } from './predict-final.js';
export { meanResidual } from './window-residual.js';
export { curveProblem, windowsOf, minWindowFor, type LossPoint, type LossWindow } from './windows.js';
export { configRuns, finalWindowOf, lossPoints } from './from-trials.js';

/** The LR of every step of a stored config (reference names, e.g. a trial's params), from the WASM engine. */
export function lrCurveOf(params: { schedule: KindName } & Record<string, unknown>, steps: number): Float64Array {
  return resolveSchedule(fromReferenceNames(params)).curve({ steps });
}

/** The LR curves' largest value: the normaliser of a fit and its predictions. */
export function normaliserOf(curves: readonly Float64Array[]): number {
  let max = 0;
  for (const c of curves) for (let i = 0; i < c.length; i++) if (c[i] > max) max = c[i];
  return max;
}

/** A config's curve prepared for the law. */
export function lawCurveOf(params: { schedule: KindName } & Record<string, unknown>, steps: number, maxLr: number): LawCurve {
  return prepareCurve(lrCurveOf(params, steps), maxLr);
}
