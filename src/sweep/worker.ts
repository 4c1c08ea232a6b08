// Working on sweeps through the PostgreSQL trial queue: what `lrsweep worker` does on every
// machine, and what `lrsweep run --db postgres://...` does after it enqueues. The trials table is
// the truth, the queue is transport (storage/queue.ts).
//
// Rules:
// - The worker opens one run per sweep; the run's heartbeat is the lease on every trial it holds
//   (liveness.ts). A worker that dies holding trials leaves them stale: once its lease lapses,
//   any idle worker puts them back to waiting and re-enqueues them; after MAX_LOST such losses a
//   trial is failed with the reason, until the sweep is run again.
// - Sweeps are served one after another: each until its queue is empty and nothing of it is in
//   flight. A pass that found no work looks for stale trials and for waiting trials without a job;
//   without --wait the worker ends once no trial of its sweeps is waiting, queued or running.
// - `lrsweep cancel` marks the sweep cancelled: within a heartbeat the worker interrupts that
//   sweep's trials (as Ctrl-C does) and takes no more of it.
// - A worker whose database stops answering stops taking work and what it runs, retries ending
//   its runs as failed for up to LOST_DB_MS, and fails with the storage error (exit 1). The trials
//   it held are stale (at once when the end was recorded, else once its lease lapses): other
//   workers take them back and run them, counting a lost attempt.

import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StateCounts } from '../core/trial.js';
import type { TrialQueue, QueuedUnit } from '../storage/queue.js';
import { StorageError, type Storage, type SweepRecord, type TrialRecord } from '../storage/types.js';
import type { Backend } from '../train/backend.js';
import type { Sweep } from './definition.js';
import { Dispatcher } from './dispatch.js';
import type { LoadedSweep } from './file.js';
import { endLeftovers, HEARTBEAT_MS, isRunAlive } from './liveness.js';
import { isBetter } from './objective.js';
import { QueueSource } from './source.js';
import { cohortSizeOf, trainingFor, type Training } from './training.js';

/** Losses of a trial's worker before the trial is failed (until the sweep is run again). */
export const MAX_LOST = 3;
/** How long a worker whose database stopped answering retries before it gives up. */
export const LOST_DB_MS = 30_000;
/** How often an idle worker looks again for work (stale trials, new jobs). */
const POLL_MS = 1_000;

/** The unit of a job: one trial, or a cohort of trials with one seed. Its key makes enqueueing idempotent. */
function unitKey(trials: TrialRecord[]): string {
  if (trials.length === 1) return `${trials[0].configHash}:${trials[0].repeat}`;
  const h = createHash('sha256');
  for (const t of trials) h.update(`${t.configHash}:${t.repeat}\n`);
  return `cohort:${h.digest('hex').slice(0, 32)}`;
}

/** Enqueues the sweep's waiting trials (cohorts of one seed, in number order); returns how many trials. */
export async function enqueueWaiting(storage: Storage, queue: TrialQueue, sweepId: number, cohortSize: number): Promise<number> {
  const waiting = await storage.trials(sweepId, { state: 'waiting' });
  const units: QueuedUnit[] = [];
  if (cohortSize <= 1) {
    for (const t of waiting) units.push({ key: unitKey([t]), trialIds: [t.id] });
  } else {
    const bySeed = new Map<number, TrialRecord[]>();
    for (const t of waiting) bySeed.set(t.seed, [...(bySeed.get(t.seed) ?? []), t]);
    for (const group of bySeed.values()) {
      for (let i = 0; i < group.length; i += cohortSize) {
        const cohort = group.slice(i, i + cohortSize);
        units.push({ key: unitKey(cohort), trialIds: cohort.map((t) => t.id) });
      }
    }
  }
  await queue.enqueue(sweepId, units);
  return waiting.length;
}

/**
 * Completes taken jobs that no live run works on: a dead worker's jobs stay taken until pg-boss's
 * expiry, though their trials were recovered and enqueued anew. A job is an orphan when none of
 * its trials is held (queued or running) by a run. One a live worker has just taken and not yet
 * claimed looks the same; completing it is harmless, as its worker claims the trials all the same.
 */
async function reapOrphanJobs(storage: Storage, queue: TrialQueue, sweepId: number): Promise<void> {
  const taken = await queue.taken(sweepId);
  if (taken.length === 0) return;
  const held = new Set([...await storage.trials(sweepId, { state: 'running' }), ...await storage.trials(sweepId, { state: 'queued' })].map((t) => t.id));
  await queue.complete(sweepId, taken.filter((j) => !j.trialIds.some((id) => held.has(id))).map((j) => j.id));
}

/** A sweep this machine may work on: its file here, and the sweep as stored (checked equal by the caller). */
export interface ServedSweep {
  loaded: LoadedSweep;
  sweep: Sweep;
  record: SweepRecord;
  hash: string | null;
}

export interface ServeOptions {
  workers: number;
  backend: Backend;
  /** Keep waiting for work when there is none, until stopped. */
  wait: boolean;
  signal?: AbortSignal;
  trialsDir?: string;
  onNotice?: (message: string) => void;
  /** After each recorded batch, and after each pass over the sweeps. */
  onProgress?: (sweep: string, p: SweepProgress) => void;
}

export interface SweepProgress {
  counts: StateCounts;
  /** Trials this worker ended (complete, diverged or failed). */
  ranHere: number;
  bestTrial: number | null;
}

export interface ServedReport {
  sweep: string;
  runId: number;
  ranHere: number;
  counts: StateCounts;
  cancelled: boolean;
}

interface Serving {
  item: ServedSweep;
  runId: number;
  training: Training;
  source: QueueSource;
  dispatcher: Dispatcher;
  counts: StateCounts;
  best: number | null;
  ran: number;
  cancelled: boolean;
}

/** Works on the sweeps until none has work left (or, with wait, until stopped); returns what each ran here. */
export async function serve(storage: Storage, queue: TrialQueue, items: ServedSweep[], o: ServeOptions): Promise<{ sweeps: ServedReport[]; stopped: boolean }> {
  const own = new Set<number>();
  const alive = (run: Parameters<typeof isRunAlive>[0]) => isRunAlive(run, own);
  const serving: Serving[] = [];
  let stopped = o.signal?.aborted ?? false;
  let failure: unknown = null;
  let timer: NodeJS.Timeout | null = null;
  let lastAnswer = Date.now();
  const stopAll = (reason?: string) => {
    for (const s of serving) s.dispatcher.stop(reason);
  };
  const onStop = () => {
    stopped = true;
    stopAll();
  };
  o.signal?.addEventListener('abort', onStop, { once: true });
  try {
    for (const item of items) {
      const runId = await storage.beginRun(item.record.id, { pid: process.pid, host: hostname(), workers: o.workers, backend: o.backend });
      own.add(runId);
      const training = trainingFor(item.loaded, item.sweep, item.record, { workers: o.workers, backend: o.backend, hash: item.hash, trialsDir: o.trialsDir, where: storage.where });
      const counts = await storage.counts(item.record.id);
      let best: number | null = null;
      for (const t of await storage.trials(item.record.id, { state: 'complete' })) {
        if (t.objective !== null && isBetter(t.objective, best, item.sweep.objective.goal)) best = t.objective;
      }
      const source = new QueueSource(storage, queue, item.record.id, runId);
      const s: Serving = { item, runId, training, source, counts, best, ran: 0, cancelled: item.record.status === 'cancelled', dispatcher: null as unknown as Dispatcher };
      s.dispatcher = new Dispatcher({
        storage, executor: training.executor, sweep: item.sweep, sweepId: item.record.id, runId, counts, best, source,
        provenance: training.provenance, unitFor: training.unitFor,
        onRecorded(n, b) {
          s.ran = n;
          s.best = b;
          o.onProgress?.(item.sweep.name, { counts: s.counts, ranHere: n, bestTrial: b });
        },
      });
      serving.push(s);
    }
    if (stopped) stopAll();

    // The lease, the cancel flag and the database's health, every heartbeat.
    const beat = async () => {
      try {
        for (const s of serving) {
          await storage.heartbeat(s.runId);
          const record = await storage.getSweep(s.item.record.name);
          if (record?.status === 'cancelled' && !s.cancelled) {
            s.cancelled = true;
            s.source.cancel();
            s.dispatcher.stop('interrupted: the sweep was cancelled');
            o.onNotice?.(`sweep ${s.item.sweep.name} was cancelled: its trials here are interrupted, and no more are taken`);
          }
        }
        lastAnswer = Date.now();
      } catch (e) {
        if (!(e instanceof StorageError) || Date.now() - lastAnswer < LOST_DB_MS) return;
        for (const s of serving) s.dispatcher.abort(e);
      }
    };
    timer = setInterval(() => void beat(), HEARTBEAT_MS);
    timer.unref();

    while (!stopped) {
      let worked = false;
      for (const s of serving) {
        if (stopped || s.cancelled) continue;
        const before = s.ran;
        s.ran = await s.dispatcher.run();
        if (s.ran > before) worked = true;
      }
      if (worked || stopped) continue;
      // A pass without work: take back stale trials (lapsed leases), enqueue waiting trials that
      // have no job, and see whether anything is left to wait for.
      let left = 0;
      for (const s of serving) {
        if (s.cancelled) continue;
        const id = s.item.record.id;
        // Cancelled since the last heartbeat: its waiting trials must not be enqueued again.
        if ((await storage.getSweep(s.item.record.name))?.status === 'cancelled') {
          s.cancelled = true;
          continue;
        }
        const r = await storage.recoverTrials(id, alive, { staleOnly: true, maxLost: MAX_LOST });
        await endLeftovers(r.processes, o.onNotice);
        if (r.gaveUp > 0) o.onNotice?.(`sweep ${s.item.sweep.name}: ${r.gaveUp} trial${r.gaveUp === 1 ? '' : 's'} failed: their workers were lost ${MAX_LOST} times`);
        await reapOrphanJobs(storage, queue, id);
        const counts = await storage.counts(id);
        Object.assign(s.counts, counts);
        if (counts.waiting > 0) await enqueueWaiting(storage, queue, id, cohortSizeOf(s.item.loaded, s.item.sweep));
        left += counts.waiting + counts.queued + counts.running;
        o.onProgress?.(s.item.sweep.name, { counts: s.counts, ranHere: s.ran, bestTrial: s.best });
      }
      if (left === 0 && !o.wait) break;
      await sleep(POLL_MS, undefined, { signal: o.signal }).catch(() => {});
    }
  } catch (e) {
    failure = e;
    stopAll();
  } finally {
    if (timer) clearInterval(timer);
    o.signal?.removeEventListener('abort', onStop);
  }

  // Hand back what this worker holds. Stopped or done: trials it stopped were recorded interrupted
  // (their jobs went back to the queue as they settled), units it took and never started go back
  // to the queue, and releaseRun puts their trials back to waiting. The database lost: this run
  // is ended as failed, retried for a bounded time, which makes every trial it still holds stale at
  // once, for other workers to take back and enqueue anew as they do a dead worker's.
  const lost = failure instanceof StorageError;
  const deadline = Date.now() + (lost ? LOST_DB_MS : 0);
  const reports: ServedReport[] = [];
  for (const s of serving) {
    for (;;) {
      try {
        if (!lost) {
          await s.source.close();
          await storage.releaseRun(s.runId);
        }
        await storage.endRun(s.runId, failure ? 'failed' : stopped ? 'interrupted' : 'finished');
        Object.assign(s.counts, await storage.counts(s.item.record.id));
        break;
      } catch (e) {
        failure ??= e;
        if (!(e instanceof StorageError) || Date.now() > deadline) break;
        await sleep(2_000);
      }
    }
    await s.training.executor.close();
    reports.push({ sweep: s.item.sweep.name, runId: s.runId, ranHere: s.ran, counts: s.counts, cancelled: s.cancelled });
  }
  if (failure) throw failure;
  return { sweeps: reports, stopped };
}

