// The `predict` sampler's computation (sweep/samplers/predict-sampler.ts): the law fitted to the
// anchors' training-loss curves, then every candidate config predicted from its exact LR curve
// and ordered by predicted final training loss. Pure and deterministic: the same anchors' points,
// candidates and seed give the same order on any machine. Not re-exported by index.ts (whose
// curve helpers it uses): import predict/shortlist.js.

import type { KindName } from '../schedule/kinds/index.js';
import { FitError, fitLaw, type LawFit } from './fit.js';
import { configRuns, finalWindowOf } from './from-trials.js';
import { lawCurveOf, lrCurveOf, normaliserOf } from './index.js';
import { prepareCurve } from './law.js';
import { predictFinal } from './predict-final.js';
import { curveProblem, minWindowFor, type LossPoint } from './windows.js';

type Params = { schedule: KindName } & Record<string, unknown>;

/** An anchor as trained: its config and each repeat's training-loss points (step indices, rising). */
export interface TrainedAnchor {
  name: string;
  params: Params;
  curves: LossPoint[][];
}

export interface RankedCandidates {
  /** Not to be shown as meaningful (fit.ts): only its objective and window count say how well it fitted. */
  fit: LawFit;
  /** The steps a final value averages over (the anchors' reporting interval). */
  window: number;
  /** Each anchor's predicted and actual final training loss (mean of its repeats' last points). */
  anchors: { name: string; predicted: number; actual: number }[];
  /** Per candidate, in the order given. */
  predicted: number[];
  /** Candidate indexes, lowest predicted final loss first (ties by index). */
  order: number[];
}

/**
 * Fits the law to the anchors and ranks the candidates; throws FitError (one line naming the
 * anchor and the metric) when an anchor has no usable curve or the fit fails.
 */
export function rankCandidates(o: { steps: number; metric: string; anchors: readonly TrainedAnchor[]; candidates: readonly Params[]; seed: number }): RankedCandidates {
  for (const a of o.anchors) {
    if (a.curves.length === 0 || a.curves.some((c) => c.length === 0)) throw new FitError(`anchor ${a.name} reported no ${o.metric} points with a training step: the law needs the training loss many times a run`);
    for (const c of a.curves) {
      const problem = curveProblem(c, o.steps);
      if (problem) throw new FitError(`anchor ${a.name}: ${o.metric}: ${problem}`);
    }
  }
  const lrs = o.anchors.map((a) => lrCurveOf(a.params, o.steps));
  const maxLr = normaliserOf(lrs);
  if (!(maxLr > 0)) throw new FitError('the anchors\' learning rates are all 0: the law needs a positive learning rate to normalise by');
  const minWindow = minWindowFor(o.steps);
  const runs = o.anchors.flatMap((a, i) => configRuns(prepareCurve(lrs[i], maxLr), a.curves, minWindow));
  const fit = fitLaw(runs, { seed: o.seed });
  const window = finalWindowOf(o.anchors.flatMap((a) => a.curves));
  const anchors = o.anchors.map((a, i) => ({
    name: a.name,
    predicted: predictFinal(fit.params, prepareCurve(lrs[i], maxLr), window),
    actual: a.curves.reduce((s, c) => s + c[c.length - 1].loss, 0) / a.curves.length,
  }));
  const bad = anchors.find((a) => !Number.isFinite(a.predicted));
  if (bad) throw new FitError(`the law's fit did not converge: its prediction for anchor ${bad.name} is ${bad.predicted}`);
  const predicted = o.candidates.map((c) => predictFinal(fit.params, lawCurveOf(c, o.steps, maxLr), window));
  const order = predicted.map((p, i) => [Number.isFinite(p) ? p : Infinity, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(([, i]) => i);
  return { fit, window, anchors, predicted, order };
}
