// The leave-one-out check: for each trained config, the law fitted without it predicts it. It
// tells users whether to trust the law for their model before they act on a shortlist. To keep
// it affordable (one fit per config), each held-out fit starts from the full fit's parameters
// only (one start instead of several): a little optimistic, as the full fit saw the held-out config.

import { spearman } from './agreement.js';
import type { LawParams } from './law.js';
import { predictFinal } from './predict-final.js';
import { fitLaw, FitError, type FitOptions, type FitRun, type LawFit } from './fit.js';

/** A trained config: its runs (repeats) and what it achieved. */
export interface TrainedConfig {
  key: string;
  runs: FitRun[];
  /** The objective's mean over its repeats, oriented so lower is better (a maximized metric negated). */
  objective: number;
  /** The mean of its runs' last training-loss window, the quantity the law predicts. */
  finalLoss: number;
}

export interface HeldOut {
  key: string;
  predicted: number;
  actual: number;
  objective: number;
  /** Its rank by prediction and by objective among the held-out configs (1 = best). */
  predictedRank: number;
  actualRank: number;
}

export interface LeaveOneOut {
  /** Spearman of the held-out predictions against the objective (null with fewer than 3 configs). */
  spearman: number | null;
  /** Mean |predicted − actual| of the final training loss, in the loss's units. */
  meanAbsError: number;
  /** Every held-out config, worst rank miss first. */
  configs: HeldOut[];
  /** Configs whose held-out fit failed (too few points without them), by key. */
  skipped: string[];
}

/** Runs the check; `window` is the final window the predictions average over. */
export function leaveOneOut(configs: readonly TrainedConfig[], full: LawFit, window: number, options: FitOptions = {}): LeaveOneOut {
  const held: Omit<HeldOut, 'predictedRank' | 'actualRank'>[] = [];
  const skipped: string[] = [];
  for (const c of configs) {
    const rest = configs.filter((o) => o !== c).flatMap((o) => o.runs);
    let params: LawParams;
    try {
      params = fitLaw(rest, { ...options, starts: 1, start: full.params }).params;
    } catch (e) {
      if (!(e instanceof FitError)) throw e;
      skipped.push(c.key);
      continue;
    }
    const predicted = c.runs.reduce((s, r) => s + predictFinal(params, r.curve, window), 0) / c.runs.length;
    held.push({ key: c.key, predicted, actual: c.finalLoss, objective: c.objective });
  }
  const byPrediction = rankOrder(held.map((h) => h.predicted));
  const byObjective = rankOrder(held.map((h) => h.objective));
  const out = held.map((h, i) => ({ ...h, predictedRank: byPrediction[i], actualRank: byObjective[i] }))
    .sort((a, b) => Math.abs(b.predictedRank - b.actualRank) - Math.abs(a.predictedRank - a.actualRank) || a.predictedRank - b.predictedRank);
  return {
    spearman: spearman(held.map((h) => h.predicted), held.map((h) => h.objective)),
    meanAbsError: held.length ? held.reduce((s, h) => s + Math.abs(h.predicted - h.actual), 0) / held.length : NaN,
    configs: out,
    skipped,
  };
}

/** 1-based positions in ascending order (ties by index). */
function rankOrder(values: number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out = new Array<number>(values.length);
  order.forEach(([, i], r) => { out[i] = r + 1; });
  return out;
}
