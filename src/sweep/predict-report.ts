// What `run` says of a predict sweep (samplers/predict-sampler.ts) once it has run: how well the
// law fitted the anchors, and, once the shortlist is trained, its predicted against its actual
// ranks; or why there is no shortlist (the fit failed) and what was done instead. Recomputed
// from storage with the sampler's own decision (predictState), which is deterministic, so it is
// the fit the shortlist came from, whichever process asked: the anchors' fit, which chose the
// first `batch` picks (the later ones came from refits on the shortlist's results; the shortlist's
// predicted ranks are the anchors' fit's, one fit's values being comparable with each other).

import { ranks, spearman } from '../predict/agreement.js';
import type { Storage } from '../storage/types.js';
import { askContext, historyOf, readCurves } from './ask.js';
import type { Sweep } from './definition.js';
import { methodOf, samplerOf } from './samplers/index.js';
import { predictState } from './samplers/predict-sampler.js';

export interface PredictReport {
  metric: string;
  /** Anchors created and trained so far, of those planned. */
  anchors: { planned: number; trained: number };
  /** The fit on the anchors: each anchor's predicted and actual final training loss; null before the anchors are trained or when it failed. */
  fit: { windows: number; anchors: { name: string; predicted: number; actual: number }[] } | null;
  /** Why there is no shortlist, and what was done (stop, or the file's plain order). */
  failure: { why: string; fallback: boolean } | null;
  /** The shortlisted configs trained so far: predicted final training loss, actual objective, and both ranks among them (ties share their mean rank). */
  shortlist: { hash: string; predicted: number; objective: number; predictedRank: number; actualRank: number }[];
  spearman: number | null;
}

/** The report of a predict sweep, or null for any other sampler. */
export async function predictReport(storage: Storage, sweepId: number, sweep: Sweep, steps: number): Promise<PredictReport | null> {
  const method = methodOf(sweep.method);
  if (method.kind !== 'predict') return null;
  const sampler = samplerOf(sweep);
  const trials = await storage.trials(sweepId);
  const curves = sampler.adaptive ? await readCurves(storage, sweepId, steps, sampler, new Map()) : new Map();
  const history = historyOf(sweep, trials, new Map(), curves);
  const state = predictState(sweep, method, history, askContext(sweep, steps));
  const planned = (method.anchors as unknown[]).length;
  const metric = method.metric as string;
  if (state.stage !== 'shortlist') {
    const created = state.stage === 'anchors' ? planned - state.missing.length : planned;
    const trained = history.filter((o) => o.origin === 'anchor' && o.state !== 'running').length;
    return { metric, anchors: { planned, trained: Math.min(trained, created) }, fit: null, failure: null, shortlist: [], spearman: null };
  }
  const base = { metric, anchors: { planned, trained: planned } };
  if (state.ranked === null) return { ...base, fit: null, failure: { why: state.failure!, fallback: method.on_fit_failure === 'fallback' }, shortlist: [], spearman: null };
  const sign = sweep.objective.goal === 'maximize' ? -1 : 1;
  const byHash = new Map(history.map((o) => [o.hash, o]));
  const trained = state.picks.flatMap((p) => {
    const o = byHash.get(p.hash);
    const i = state.candidates.indexOf(p);
    return o && i >= 0 && o.state === 'complete' && o.objective !== null ? [{ hash: p.hash, predicted: state.ranked!.predicted[i], objective: sign * o.objective, score: o.objective }] : [];
  });
  const predictedRank = ranks(trained.map((t) => t.predicted));
  const actualRank = ranks(trained.map((t) => t.score));
  return {
    ...base, failure: null,
    fit: { windows: state.ranked.fit.windows, anchors: state.ranked.anchors },
    shortlist: trained.map((t, i) => ({ hash: t.hash, predicted: t.predicted, objective: t.objective, predictedRank: predictedRank[i], actualRank: actualRank[i] })),
    spearman: spearman(trained.map((t) => t.predicted), trained.map((t) => t.score)),
  };
}

/** The report as lines for `run`'s summary. */
export function predictLines(r: PredictReport, objective: string): string[] {
  if (r.failure) {
    return [`predict: no shortlist: ${r.failure.why}; ${r.failure.fallback ? 'trained the file\'s candidates in their plain order instead (on_fit_failure: fallback)' : 'nothing more is created (on_fit_failure: stop; fallback would train the file\'s candidates in their plain order)'}`];
  }
  if (r.fit === null) return [`predict: ${r.anchors.trained} of ${r.anchors.planned} anchors trained; the law is fitted once all are`];
  const errors = r.fit.anchors.map((a) => Math.abs(a.predicted - a.actual));
  const worst = errors.indexOf(Math.max(...errors));
  const lines = [`predict: the law fitted to ${r.metric} of ${r.fit.anchors.length} anchors (${r.fit.windows} windows): their final ${r.metric} predicted within ` +
    `${(errors.reduce((s, e) => s + e, 0) / errors.length).toPrecision(2)} on average (largest ${errors[worst].toPrecision(2)}, anchor ${r.fit.anchors[worst].name})`];
  if (r.shortlist.length > 0) {
    const pairs = [...r.shortlist].sort((a, b) => a.predictedRank - b.predictedRank).map((s) => `${s.predictedRank}→${s.actualRank}`).join(', ');
    lines.push(`predict: ${r.shortlist.length} shortlisted configs trained; predicted rank → actual rank by ${objective}: ${pairs}${r.spearman === null ? '' : ` (Spearman ${r.spearman.toFixed(2)})`}`);
  }
  return lines;
}

/** The lines `run` prints for a predict sweep (none for another sampler). */
export async function predictSummary(storage: Storage, sweepId: number, sweep: Sweep, steps: number): Promise<string[]> {
  const r = await predictReport(storage, sweepId, sweep, steps);
  return r === null ? [] : predictLines(r, sweep.objective.metric);
}
