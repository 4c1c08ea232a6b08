// Whether an adaptive sweep is done before its sampler has created what its count says
// (SamplerEntry.ended: the predict sampler stopped by a failed fit, on_fit_failure: stop), and
// why. Read from storage as an ask reads it (the trials, and the curves its sampler fits), so the
// answer is the sampler's own decision whichever process asks. A fit the answer needs is made in a
// fit thread (the predict sampler's ended(), as an ask's prepare()): `status`, a fresh process,
// and a run's start wait for it without holding their thread. `status` shows the reason and counts
// nothing left to create; `run` counts its progress so. A sampler without ended() never ends early.

import type { LossPoint } from '../predict/index.js';
import type { Storage } from '../storage/types.js';
import { askContext, historyOf, readCurves } from './ask.js';
import type { Sweep } from './definition.js';
import { isAdaptive, methodOf, samplerEntry, samplerOf } from './samplers/index.js';

/** Why the sweep's sampler will create no more configs, or null (it may, or it plans its trials). `curves`: complete trials' curves kept across calls (ask.ts readCurves). */
export async function endedReason(storage: Storage, sweepId: number, sweep: Sweep, steps: number, curves: Map<number, LossPoint[]> = new Map()): Promise<string | null> {
  if (!isAdaptive(sweep)) return null;
  const method = methodOf(sweep.method);
  const entry = samplerEntry(method.kind);
  if (!entry.ended) return null;
  const sampler = samplerOf(sweep);
  const read = await readCurves(storage, sweepId, steps, sampler.adaptive ? sampler : null, curves);
  const history = historyOf(sweep, await storage.trials(sweepId), new Map(), read);
  return entry.ended(sweep, method, history, askContext(sweep, steps));
}
