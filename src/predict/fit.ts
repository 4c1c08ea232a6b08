// Fitting the law to runs: L-BFGS (lbfgs.ts) on the seven parameters in log space from several
// starts, the best objective kept. The starts are a data-derived base and seeded jitter around it,
// so a fit is deterministic for a seed. Early windows (before FIT_FROM of the run, and the first
// warmup) are left out: the law describes the loss after the first transient.

import { gaussian, mulberry32 } from '../core/random.js';
import { UsageError } from '../core/errors.js';
import { paramsFromArray, paramsToArray, type LawCurve, type LawParams } from './law.js';
import { lbfgs, type LbfgsResult } from './lbfgs.js';
import { blockFor, compileRun, objective, type CompiledRun } from './objective.js';
import type { LossWindow } from './windows.js';

/** A run to fit: its prepared LR curve and its loss windows. */
export interface FitRun {
  curve: LawCurve;
  windows: LossWindow[];
}

export interface FitOptions {
  /** Seed of the starts' jitter. */
  seed?: number;
  starts?: number;
  maxIterations?: number;
  /** Start 0 here instead of the data-derived base (a warm start, e.g. from a fit on more runs). */
  start?: LawParams | null;
}

export interface LawFit {
  params: LawParams;
  /** The objective at the fit: the mean Huber loss of log residuals over δ (about the typical |residual|). */
  objective: number;
  /** Windows fitted, over all runs. */
  windows: number;
  /** How each start ended. */
  stops: LbfgsResult['stop'][];
}

export const FIT_DEFAULTS: Required<FitOptions> = { seed: 0, starts: 6, maxIterations: 300, start: null };

/** Windows starting before this share of the run are left out of the fit. */
export const FIT_FROM = 0.05;

/** The fewest windows a fit accepts: seven parameters need clearly more. */
export const MIN_WINDOWS = 20;


/** A fit that cannot be made from these runs (too few points, every start failed): exit 2 with one line. */
export class FitError extends UsageError {
  override name = 'FitError';
}

function fittedWindows(run: FitRun): LossWindow[] {
  const n = run.curve.eta.length;
  const from = Math.max(run.curve.peak + 1, Math.ceil(FIT_FROM * n));
  return run.windows.filter((w) => w.start >= from && w.end <= n);
}

/** The data-derived start: L0 below the lowest loss, the power term through the first window, typical decay terms. */
function baseStart(runs: readonly FitRun[], windows: LossWindow[][]): number[] {
  let lo = Infinity, hi = -Infinity, firstS = 1;
  runs.forEach((r, i) => {
    for (const w of windows[i]) {
      lo = Math.min(lo, w.loss);
      if (w.loss > hi) { hi = w.loss; firstS = r.curve.prefix[w.start + 1]; }
    }
  });
  const L0 = 0.9 * lo;
  const alpha = 0.5;
  const A = Math.max(hi - L0, 1e-3) * Math.pow(Math.max(firstS, 1e-6), alpha);
  const B = Math.max(hi - lo, 1e-3);
  return [L0, A, alpha, B, 0.05, 0.5, 0.5];
}

/** Fits the law to the runs; throws FitError when it cannot. */
export function fitLaw(runs: readonly FitRun[], options: FitOptions = {}): LawFit {
  const o = { ...FIT_DEFAULTS, ...options };
  const windows = runs.map(fittedWindows);
  const count = windows.reduce((s, w) => s + w.length, 0);
  if (count < MIN_WINDOWS) throw new FitError(`too few loss points to fit the law: ${count} windows after the first ${FIT_FROM * 100}% of each run, at least ${MIN_WINDOWS} needed (report the training loss more often, or train more runs)`);
  const compiled: CompiledRun[] = runs.map((r, i) => compileRun(r.curve, windows[i], blockFor(r.curve.eta.length)));
  const f = (theta: Float64Array, grad: Float64Array) => objective(compiled, theta, grad);
  const base = (o.start ? paramsToArray(o.start) : baseStart(runs, windows)).map(Math.log);
  const random = mulberry32(o.seed);
  let best: LbfgsResult | null = null;
  const stops: LbfgsResult['stop'][] = [];
  for (let s = 0; s < o.starts; s++) {
    // Start 0 is the base; the others jitter every log parameter by a standard normal (L0 by a tenth of one: it is pinned by the data).
    const start = base.map((v, i) => (s === 0 ? v : v + gaussian(random) * (i === 0 ? 0.1 : 1)));
    const result = lbfgs(f, start, { maxIterations: o.maxIterations });
    stops.push(result.stop);
    if (Number.isFinite(result.f) && (best === null || result.f < best.f)) best = result;
  }
  if (best === null) throw new FitError(`the law's fit did not converge: the law was not positive and finite from any of ${o.starts} starts`);
  return { params: paramsFromArray(Array.from(best.x, Math.exp)), objective: best.f, windows: count, stops };
}
