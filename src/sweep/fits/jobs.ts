// The fits a fit thread runs (off-thread.ts): each a pure function of plain data to plain data
// (numbers, strings, Float64Arrays, plain objects and arrays: what crosses threads unchanged), so
// it gives the same result, bit for bit, in a fit thread and on the thread that asks. A fit that
// fails in the ordinary way (a FitError) is a result (its reason), not a throw: an Error's class
// does not cross threads.

import { FitError } from '../../predict/fit.js';
import { rankCandidates, type RankedCandidates, type TrainedAnchor } from '../../predict/shortlist.js';
import { fitLawPruner, type LawFitInput, type LawFitted } from '../pruners/law-fit.js';

/** The predict sampler's fit (samplers/predict-sampler.ts): rankCandidates' input. */
export interface RankingInput {
  steps: number;
  metric: string;
  seed: number;
  anchors: readonly TrainedAnchor[];
  candidates: readonly TrainedAnchor['params'][];
}

/** The law fitted to the anchors ranking the candidates, or why the fit failed (its FitError's message). */
export function rankingOrWhy(input: RankingInput): RankedCandidates | string {
  try {
    return rankCandidates(input);
  } catch (e) {
    if (e instanceof FitError) return e.message;
    throw e;
  }
}

export const FIT_JOBS = {
  /** The law pruner's fit and leave-one-out check (pruners/law-fit.ts). */
  law: (input: LawFitInput): LawFitted => fitLawPruner(input),
  /** The predict sampler's fit and ranking. */
  ranking: (input: RankingInput): RankedCandidates | string => rankingOrWhy(input),
};

export type FitJob = keyof typeof FIT_JOBS;
export type FitJobInput<J extends FitJob> = Parameters<(typeof FIT_JOBS)[J]>[0];
export type FitJobOutput<J extends FitJob> = ReturnType<(typeof FIT_JOBS)[J]>;
