// Keeping the queue true to the trials table (the table is the truth, the queue transport):
// enqueueing waiting and interrupted trials, completing jobs nobody works on, taking back the
// trials of runs whose lease lapsed, and ending the process groups a dead worker left running.

import { createHash } from 'node:crypto';
import { claimRank, type QueuedUnit, type Storage, type TrialQueue, type TrialRecord } from '../../storage/types.js';
import { endStaleGroups, HEARTBEAT_MS, leftoverGraceMs, recoverSweep, type LeftoverOptions } from '../liveness.js';
import { trialKey } from '../space.js';
import { cohortSizeOf } from '../training.js';
import type { Machine, Serving } from './machine.js';

/** Losses of a trial's worker before the trial is failed (until the sweep is run again). */
export const MAX_LOST = 3;

/** The unit of a job: one trial, or a cohort of trials with one seed. Its key makes enqueueing idempotent. */
function unitKey(trials: TrialRecord[]): string {
  if (trials.length === 1) return trialKey(trials[0].configHash, trials[0].repeat);
  const h = createHash('sha256');
  for (const t of trials) h.update(`${trialKey(t.configHash, t.repeat)}\n`);
  return `cohort:${h.digest('hex').slice(0, 32)}`;
}

/**
 * Enqueues the sweep's trials that are waiting or interrupted (cohorts of one seed, in claim
 * order: claim order, then number), except those a job not yet over already names; returns how
 * many trials were enqueued.
 */
export async function enqueueWaiting(storage: Storage, queue: TrialQueue, sweepId: number, cohortSize: number): Promise<number> {
  const waiting = [...await storage.trials(sweepId, { state: 'waiting' }), ...await storage.trials(sweepId, { state: 'interrupted' })]
    .sort((a, b) => a.claimOrder - b.claimOrder || a.number - b.number);
  return enqueueTrials(queue, sweepId, waiting, cohortSize);
}

/**
 * Enqueues these trials (in claim order) as enqueueWaiting does: what an ask added (ask.ts), at
 * once after its transaction, so that any worker can take them. Keys make it idempotent: an idle
 * worker's enqueueWaiting meanwhile adds no second job.
 */
export async function enqueueTrials(queue: TrialQueue, sweepId: number, waiting: TrialRecord[], cohortSize: number): Promise<number> {
  const units: QueuedUnit[] = [];
  if (cohortSize <= 1) {
    for (const t of waiting) units.push({ key: unitKey([t]), trialIds: [t.id], order: claimRank(t) });
  } else {
    const bySeed = new Map<number, TrialRecord[]>();
    for (const t of waiting) {
      const group = bySeed.get(t.seed);
      if (group) group.push(t); // never copied per trial: with common seeding one group holds every config
      else bySeed.set(t.seed, [t]);
    }
    for (const group of bySeed.values()) {
      for (let i = 0; i < group.length; i += cohortSize) {
        const cohort = group.slice(i, i + cohortSize);
        units.push({ key: unitKey(cohort), trialIds: cohort.map((t) => t.id), order: claimRank(cohort[0]) });
      }
    }
  }
  return queue.enqueue(sweepId, units);
}

/**
 * Completes taken jobs that no live run works on: a dead worker's jobs stay taken until pg-boss's
 * expiry, though their trials were recovered and enqueued anew. A job is an orphan when none of
 * its trials is held (queued or running) by a run. One a live worker has just taken and not yet
 * claimed looks the same; completing it is harmless, as its worker claims the trials all the same.
 */
async function reapOrphanJobs(storage: Storage, queue: TrialQueue, sweepId: number): Promise<void> {
  const taken = await queue.taken(sweepId, 2 * HEARTBEAT_MS);
  if (taken.length === 0) return;
  const held = new Set([...await storage.trials(sweepId, { state: 'running' }), ...await storage.trials(sweepId, { state: 'queued' })].map((t) => t.id));
  await queue.complete(sweepId, taken.filter((j) => !j.trialIds.some((id) => held.has(id))).map((j) => j.id));
}

/** How leftover process groups of the sweep's trainer are ended. */
function leftovers(m: Machine, s: Serving): LeftoverOptions {
  return { onNotice: m.o.onNotice, graceMs: leftoverGraceMs(s.item.loaded.trainer.runner) };
}

/**
 * Process groups a dead worker left running (command trainers) are ended by every worker as it
 * opens a run and at its heartbeats, busy or not; in the background, one ending per sweep at a
 * time. Their records stay until an idle pass takes the trials back (recoverSweep).
 */
export function endLeftovers(m: Machine, s: Serving): void {
  const id = s.item.record.id;
  if (m.ending.has(id)) return;
  m.ending.add(id);
  void endStaleGroups(m.storage, id, m.alive, leftovers(m, s)).catch(() => {}).finally(() => m.ending.delete(id));
}

/**
 * A served sweep's upkeep on a pass without work: take back stale trials (lapsed leases; a trial
 * lost MAX_LOST times is failed), complete the jobs nobody works on, read the counts anew, and
 * enqueue trials that have no job.
 */
export async function keepUp(m: Machine, s: Serving): Promise<void> {
  const id = s.item.record.id;
  const r = await recoverSweep(m.storage, id, m.alive, { staleOnly: true, maxLost: MAX_LOST }, leftovers(m, s));
  if (r.gaveUp > 0) m.o.onNotice?.(`sweep ${s.item.sweep.name}: ${r.gaveUp} trial${r.gaveUp === 1 ? '' : 's'} failed: their workers were lost ${MAX_LOST} times`);
  await reapOrphanJobs(m.storage, m.queue, id);
  Object.assign(s.counts, await m.storage.counts(id));
  if (s.counts.waiting + s.counts.interrupted > 0) await enqueueWaiting(m.storage, m.queue, id, cohortSizeOf(s.item.loaded, s.item.sweep));
}
