// Moving configs to the front of a sweep's waiting trials (`lrsweep predict --prioritise`): their
// waiting trials, in the order the configs are given (a config's repeats in number order), go
// ahead of every trial waiting now (Storage.prioritiseTrials); on a store with a queue, the jobs
// no worker has taken follow (TrialQueue.reorder). Numbers never change; a trial claimed meanwhile
// is simply not moved, and what no job names yet is enqueued in claim order by the workers'
// upkeep (serve/upkeep.ts enqueueWaiting).

import { claimRank, type Storage } from '../storage/types.js';

export interface Prioritised {
  /** The trials moved, by number, in their new claim order. */
  trials: number[];
  /** Queue jobs replaced at their new priority (null: the store has no queue). */
  jobs: number | null;
}

export async function prioritiseConfigs(storage: Storage, sweepId: number, configHashes: readonly string[]): Promise<Prioritised> {
  const waiting = await storage.trials(sweepId, { state: 'waiting' });
  const place = new Map(configHashes.map((h, i) => [h, i]));
  const chosen = waiting.filter((t) => place.has(t.configHash))
    .sort((a, b) => place.get(a.configHash)! - place.get(b.configHash)! || a.number - b.number);
  const moved = chosen.length > 0 ? await storage.prioritiseTrials(sweepId, chosen.map((t) => t.id)) : 0;
  const after = await storage.trials(sweepId, { state: 'waiting' });
  // A trial claimed between the move and this read is no longer waiting: it is not listed.
  const chosenIds = new Set(chosen.map((t) => t.id));
  const trials = after.filter((t) => chosenIds.has(t.id) && t.claimOrder < 0).sort((a, b) => a.claimOrder - b.claimOrder).map((t) => t.number);
  if (!storage.capabilities.queue) return { trials, jobs: null };
  if (moved === 0) return { trials, jobs: 0 };
  const queue = await storage.openQueue();
  try {
    return { trials, jobs: await queue.reorder(sweepId, new Map(after.map((t) => [t.id, claimRank(t)]))) };
  } finally {
    await queue.close();
  }
}
