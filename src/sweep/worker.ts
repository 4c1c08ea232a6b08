// Working on sweeps through the PostgreSQL trial queue: what `lrsweep worker` does on every
// machine, and what `lrsweep run --db postgres://...` does after it enqueues. The trials table is
// the truth, the queue is transport (storage/queue.ts).
//
// Rules:
// - The worker opens a run per sweep; the run's heartbeat is the lease on every trial it holds
//   (liveness.ts). A worker that dies holding trials leaves them stale: once its lease lapses, any
//   idle worker puts them back to waiting and enqueues them again; a running trial lost MAX_LOST
//   times is failed with the reason, until the sweep is run again. A worker whose own lease lapsed
//   (another found it dead) learns it at its next heartbeat, stops that run and opens a new one.
// - Sweeps are served one after another: each until its queue is empty and nothing of it is in
//   flight. A pass that found no work takes back stale trials, completes jobs nobody works on,
//   enqueues waiting and interrupted trials that have no job, and, without --wait, ends the worker
//   once no trial of its sweeps is waiting, queued, running or interrupted.
// - A worker runs only trials its own file plans, with the parameters and seed it plans for them:
//   a job naming another (the stored definition was extended from another checkout since the
//   last check, or a trial row was edited) is never started, and the sweep is refused at once.
// - Each heartbeat also reads the sweep (trainer files are hashed again when a run opens): a sweep
//   cancelled (`lrsweep cancel`), or whose definition or files no longer match this machine's,
//   has its trials here interrupted (as Ctrl-C does) and is not served until it is active and
//   matching again.
// - A worker whose database stops answering stops taking work and what it runs, retries ending
//   its runs as failed for up to LOST_DB_MS, and fails with the storage error (exit 1). The trials
//   it held are stale (at once when the end was recorded, else once its lease lapses): other
//   workers take them back and run them, counting a lost attempt.

import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StateCounts } from '../core/trial.js';
import type { TrialQueue, QueuedUnit } from '../storage/queue.js';
import { StorageError, type RunRecord, type Storage, type SweepRecord, type TrialRecord } from '../storage/types.js';
import type { Backend } from '../train/backend.js';
import type { Sweep } from './definition.js';
import { Dispatcher, type Reached } from './dispatch.js';
import { stepsOf } from './progress.js';
import type { RunTally } from './tally.js';
import type { LoadedSweep } from './file.js';
import { endStaleGroups, HEARTBEAT_MS, isRunAlive, leftoverGraceMs, recoverSweep, STALE_MS } from './liveness.js';
import { compareWithStored } from './register.js';
import { QueueSource } from './source.js';
import { trialKey } from './space.js';
import { editedRowMessage, planCheck, type RowCheck } from './plan-check.js';
import { cohortSizeOf, trainerHash, trainingFor, type Training } from './training.js';

/** Losses of a trial's worker before the trial is failed (until the sweep is run again). */
export const MAX_LOST = 3;
/** How long a worker whose database stopped answering retries before it gives up. */
export const LOST_DB_MS = 30_000;
/** How often an idle worker looks again for work (stale trials, new jobs). */
const POLL_MS = 1_000;
/** How often a waiting worker reads its directories again for sweeps registered since (parsing files is not free). */
const DISCOVER_MS = 5_000;

/** The unit of a job: one trial, or a cohort of trials with one seed. Its key makes enqueueing idempotent. */
function unitKey(trials: TrialRecord[]): string {
  if (trials.length === 1) return trialKey(trials[0].configHash, trials[0].repeat);
  const h = createHash('sha256');
  for (const t of trials) h.update(`${trialKey(t.configHash, t.repeat)}\n`);
  return `cohort:${h.digest('hex').slice(0, 32)}`;
}

/**
 * Enqueues the sweep's trials that are waiting or interrupted (cohorts of one seed, in number
 * order), except those a job not yet over already names; returns how many trials were enqueued.
 */
export async function enqueueWaiting(storage: Storage, queue: TrialQueue, sweepId: number, cohortSize: number): Promise<number> {
  const waiting = [...await storage.trials(sweepId, { state: 'waiting' }), ...await storage.trials(sweepId, { state: 'interrupted' })]
    .sort((a, b) => a.number - b.number);
  const units: QueuedUnit[] = [];
  if (cohortSize <= 1) {
    for (const t of waiting) units.push({ key: unitKey([t]), trialIds: [t.id], order: t.number });
  } else {
    const bySeed = new Map<number, TrialRecord[]>();
    for (const t of waiting) bySeed.set(t.seed, [...(bySeed.get(t.seed) ?? []), t]);
    for (const group of bySeed.values()) {
      for (let i = 0; i < group.length; i += cohortSize) {
        const cohort = group.slice(i, i + cohortSize);
        units.push({ key: unitKey(cohort), trialIds: cohort.map((t) => t.id), order: cohort[0].number });
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
  /** With wait: sweeps this machine may serve that were registered since (called on idle passes). */
  discover?: () => Promise<ServedSweep[]>;
  /** Counts how the trials this command started ended, over every sweep (dispatch.ts RunTally). */
  tally?: RunTally;
}

export interface SweepProgress {
  counts: StateCounts;
  /** How far its trials in training here have got (dispatch.ts). */
  reached: Reached;
  /** Their steps not yet in counts (Dispatcher.stepsInFlight: 0 with none in training, null when not countable); other workers' are not known here. */
  stepsInFlight: number | null;
  /** The steps of one of its trials (progress.ts stepProgress). */
  stepsPerTrial: number;
  /** Trials this worker ended (complete, diverged or failed). */
  ranHere: number;
  bestTrial: number | null;
}

export interface ServedReport {
  sweep: string;
  /** The last run this worker opened for the sweep (-1: none). */
  runId: number;
  ranHere: number;
  counts: StateCounts;
  cancelled: boolean;
  /** Why this worker stopped serving it (its files no longer match, or a trial row was edited), in a sentence, or null. */
  refused: string | null;
}

/** One run of a sweep on this worker: it ends at cancel, at a lapsed lease, at a refusal, or at the end. */
interface Session {
  runId: number;
  source: QueueSource;
  dispatcher: Dispatcher;
  /** Its run was found dead by another worker: its trials are theirs now. */
  lapsed: boolean;
  /** Being closed: a heartbeat that finds its run ended is not a lapse. */
  closing: boolean;
}

interface Serving {
  item: ServedSweep;
  training: Training | null;
  counts: StateCounts;
  best: number | null;
  ran: number;
  lastRunId: number;
  session: Session | null;
  /** serving; cancelled (`lrsweep cancel`, until it is run again); refused (this machine's files no longer match). */
  state: 'serving' | 'cancelled' | 'refused';
  /** Why it is refused, in a sentence. */
  refusal: string | null;
  /** Whether a trial row is the one this machine's file plans (plan-check.ts), made when a run first opens. */
  rowCheck?: RowCheck;
  /** A trial row of the sweep is not what this file plans though the definitions match: refused for good. */
  untrusted?: boolean;
}

/** Trial states a worker still has to bring to an end: what keeps a worker without --wait going. */
const OPEN = ['waiting', 'queued', 'running', 'interrupted'] as const;

/** Works on the sweeps until none has work left (or, with wait, until stopped); returns what each ran here. */
export async function serve(storage: Storage, queue: TrialQueue, items: ServedSweep[], o: ServeOptions): Promise<{ sweeps: ServedReport[]; stopped: boolean }> {
  const own = new Set<number>();
  const alive = (run: RunRecord) => isRunAlive(run, { own, shared: true });
  let stopped = o.signal?.aborted ?? false;
  let failure: unknown = null;
  let timer: NodeJS.Timeout | null = null;
  let beating: Promise<void> | null = null;
  let lastAnswer = Date.now();
  let lastDiscovery = Date.now();
  const serving: Serving[] = [];
  const add = async (item: ServedSweep) => {
    serving.push({ item, training: null, counts: await storage.counts(item.record.id), best: await storage.bestTrialObjective(item.record.id),
      ran: 0, lastRunId: -1, session: null, state: item.record.status === 'cancelled' ? 'cancelled' : 'serving', refusal: null });
  };
  for (const item of items) await add(item);
  const progress = (s: Serving) => o.onProgress?.(s.item.sweep.name, {
    counts: s.counts, ranHere: s.ran, bestTrial: s.best, reached: s.session?.dispatcher.reached() ?? { epochs: null, steps: null },
    stepsInFlight: s.session ? s.session.dispatcher.stepsInFlight() : 0, stepsPerTrial: s.item.loaded.trainer.steps });

  /**
   * Whether this machine's file still matches the stored sweep: its definition and, when
   * `files`, its trainer files hashed anew (a hash that cannot be made counts as a change). The
   * differences, or null.
   */
  const mismatch = async (s: Serving, record: SweepRecord | null, files: boolean): Promise<string | null> => {
    if (!record) return 'the sweep is gone from the database';
    let hash = s.item.hash;
    if (files) {
      try {
        hash = await trainerHash(s.item.loaded);
      } catch (e) {
        return `the trainer's files cannot be read here (${(e as Error).message.split('\n')[0]})`;
      }
    }
    const { changes } = compareWithStored(record, s.item.loaded.sweep, { written: s.item.loaded.written, trainerHash: hash });
    if (changes.length > 0) return changes.map((c) => c.text).join('; ');
    s.item.hash = hash;
    return null;
  };

  /** Stops serving the sweep; `sentence`: the whole refusal, when it is not that the files differ (an edited trial row). */
  const refuse = (s: Serving, why: string, sentence?: string) => {
    if (s.state !== 'serving') return;
    s.state = 'refused';
    s.refusal = sentence ?? `sweep ${s.item.sweep.name}: this worker's files no longer match the sweep (${why})`;
    s.session?.dispatcher.stop(sentence ? 'interrupted: the sweep was refused' : 'interrupted: this worker\'s files no longer match the sweep');
    o.onNotice?.(sentence ?? `${s.refusal}: it takes no more of its trials until they do`);
  };

  const cancel = (s: Serving) => {
    if (s.state !== 'serving') return;
    s.state = 'cancelled';
    s.session?.source.cancel();
    s.session?.dispatcher.stop('interrupted: the sweep was cancelled');
    o.onNotice?.(`sweep ${s.item.sweep.name} was cancelled: its trials here are interrupted, and no more are taken until it is run again`);
  };

  const leftovers = (s: Serving) => ({ onNotice: o.onNotice, graceMs: leftoverGraceMs(s.item.loaded.trainer.runner) });
  // Process groups a dead worker left running (command trainers) are ended by every worker as it
  // opens a run and at its heartbeats, busy or not; in the background, one ending per sweep at a
  // time. Their records stay until an idle pass takes the trials back (recoverSweep).
  const ending = new Set<number>();
  const endLeft = (s: Serving) => {
    const id = s.item.record.id;
    if (ending.has(id)) return;
    ending.add(id);
    void endStaleGroups(storage, id, alive, leftovers(s)).catch(() => {}).finally(() => ending.delete(id));
  };

  /** Opens a run for the sweep, once its trainer files are checked anew (null when they differ now). */
  const open = async (s: Serving): Promise<Session | null> => {
    const { item } = s;
    endLeft(s);
    const why = await mismatch(s, await storage.getSweep(item.record.name), true);
    if (why) {
      refuse(s, why);
      return null;
    }
    s.training ??= trainingFor(item.loaded, item.sweep, item.record, { workers: o.workers, backend: o.backend, hash: item.hash, trialsDir: o.trialsDir, where: storage.where });
    const runId = await storage.beginRun(item.record.id, { pid: process.pid, host: hostname(), workers: o.workers, backend: o.backend });
    own.add(runId);
    s.lastRunId = runId;
    // Only trials this file plans run here: a job naming another (the stored definition changed
    // since the last heartbeat's check) stops serving the sweep at once.
    s.rowCheck ??= planCheck(item.sweep, item.loaded.trainer.steps, { planned: true });
    const source = new QueueSource(storage, queue, item.record.id, runId, {
      row: s.rowCheck,
      onForeign: async (trial, row) => {
        let why: string | null = null;
        try {
          why = await mismatch(s, await storage.getSweep(item.record.name), false);
        } catch {
          // the reason below will do; the next heartbeat compares the definitions again
          why = `the queue handed it trial ${trial.number}, which this worker's file does not plan`;
        }
        if (why !== null) return refuse(s, why);
        // The definition matches, so the trial row itself was changed: nothing this worker can
        // check again will clear that, so it does not serve the sweep again.
        s.untrusted = true;
        refuse(s, row, editedRowMessage(item.sweep.name, trial, row));
      },
    });
    const before = s.ran;
    const dispatcher = new Dispatcher({
      storage, executor: s.training.executor, sweep: item.sweep, sweepId: item.record.id, runId, counts: s.counts, best: s.best, source,
      provenance: s.training.provenance, unitFor: s.training.unitFor, tally: o.tally, steps: stepsOf(item.loaded),
      onRecorded(n, b) {
        s.ran = before + n;
        s.best = b;
        progress(s);
      },
    });
    if (stopped) dispatcher.stop();
    return { runId, source, dispatcher, lapsed: false, closing: false };
  };

  /** Ends a session: what it took and never started goes back (trials waiting, jobs to the queue); the run ends. */
  const close = async (s: Serving, status: 'finished' | 'interrupted' | 'failed', lost: boolean) => {
    const session = s.session!;
    session.closing = true;
    if (beating) await beating;
    if (!lost) {
      await storage.releaseRun(session.runId);
      await session.source.close();
    }
    await storage.endRun(session.runId, status);
    own.delete(session.runId);
    s.session = null;
  };

  /** A storage failure in a heartbeat: once the database has not answered for LOST_DB_MS, the worker gives up. */
  const unanswered = (e: unknown) => {
    if (!(e instanceof StorageError) || Date.now() - lastAnswer < LOST_DB_MS) return;
    for (const s of serving) s.session?.dispatcher.abort(e);
  };

  // Every heartbeat: renew every lease first, each on its own; then see whether a sweep was
  // cancelled or its stored definition changed. (Trainer files are hashed when a run opens, not
  // at every beat: a trainer may write caches into its own directories.)
  const beat = async () => {
    for (const s of serving) {
      const session = s.session;
      if (!session) continue;
      try {
        const held = await storage.heartbeat(session.runId);
        lastAnswer = Date.now();
        if (!held && !session.closing && s.session === session) {
          session.lapsed = true;
          session.dispatcher.stop('interrupted: this worker was presumed dead (its lease lapsed)');
          o.onNotice?.(`sweep ${s.item.sweep.name}: this worker's lease lapsed (no heartbeat for ${STALE_MS / 1000} s): other workers took its trials; it takes new ones`);
        }
      } catch (e) {
        unanswered(e);
      }
    }
    for (const s of serving) {
      const session = s.session;
      if (!session || session.closing) continue;
      try {
        const record = await storage.getSweep(s.item.record.name);
        lastAnswer = Date.now();
        if (s.session !== session) continue;
        if (record?.status === 'cancelled') cancel(s);
        const why = await mismatch(s, record, false);
        if (why) refuse(s, why);
      } catch (e) {
        unanswered(e);
      }
    }
    for (const s of serving) if (s.state === 'serving') endLeft(s);
  };

  const onStop = () => {
    stopped = true;
    for (const s of serving) s.session?.dispatcher.stop();
  };
  o.signal?.addEventListener('abort', onStop, { once: true });
  timer = setInterval(() => {
    beating ??= beat().finally(() => (beating = null)); // one beat at a time, however slow the database
  }, HEARTBEAT_MS);
  timer.unref();
  try {
    while (!stopped) {
      let worked = false;
      for (const s of serving) {
        if (stopped) break;
        if (s.state !== 'serving') {
          if (s.session) await close(s, 'interrupted', false);
          continue;
        }
        s.session ??= await open(s);
        if (!s.session) continue;
        const before = s.ran;
        await s.session.dispatcher.run();
        if (s.ran > before) worked = true;
        // Stopped by a lapsed lease, a cancel or a refusal (or Ctrl-C): this run is over.
        if (s.session.dispatcher.stopped) await close(s, s.session.lapsed ? 'failed' : 'interrupted', false);
      }
      if (worked || stopped) continue;
      // A pass without work: take back stale trials (lapsed leases), complete the jobs nobody
      // works on, enqueue trials that have no job, and see whether anything is left to wait for.
      let left = 0;
      for (const s of serving) {
        const id = s.item.record.id;
        const record = await storage.getSweep(s.item.record.name);
        if (!record) continue;
        if (s.state !== 'serving') {
          // Cancelled, or refused: serve it again once it was run again and this machine's files match.
          if (s.untrusted || record.status !== 'active' || (await mismatch(s, record, true)) !== null) continue;
          s.state = 'serving';
          s.refusal = null;
          o.onNotice?.(`sweep ${s.item.sweep.name}: serving it again`);
        }
        if (record.status === 'cancelled') {
          cancel(s);
          if (s.session) await close(s, 'interrupted', false);
          continue;
        }
        const r = await recoverSweep(storage, id, alive, { staleOnly: true, maxLost: MAX_LOST }, leftovers(s));
        if (r.gaveUp > 0) o.onNotice?.(`sweep ${s.item.sweep.name}: ${r.gaveUp} trial${r.gaveUp === 1 ? '' : 's'} failed: their workers were lost ${MAX_LOST} times`);
        await reapOrphanJobs(storage, queue, id);
        Object.assign(s.counts, await storage.counts(id));
        if (s.counts.waiting + s.counts.interrupted > 0) await enqueueWaiting(storage, queue, id, cohortSizeOf(s.item.loaded, s.item.sweep));
        left += OPEN.reduce((n, state) => n + s.counts[state], 0);
        progress(s);
      }
      if (left === 0 && !o.wait) break;
      if (o.wait && o.discover && Date.now() - lastDiscovery >= DISCOVER_MS) {
        lastDiscovery = Date.now();
        for (const item of await o.discover()) {
          await add(item);
          o.onNotice?.(`serving sweep ${item.sweep.name} too (${item.loaded.file})`);
        }
      }
      await sleep(POLL_MS, undefined, { signal: o.signal }).catch(() => {});
    }
  } catch (e) {
    failure = e;
    for (const s of serving) s.session?.dispatcher.stop();
  } finally {
    if (timer) clearInterval(timer);
    o.signal?.removeEventListener('abort', onStop);
  }

  // Hand back what this worker holds. Stopped or done: trials it stopped were recorded interrupted
  // (their jobs went back to the queue as they settled); units it took and never started go back
  // to waiting and their jobs to the queue. The database lost: each run is ended as failed,
  // retried for a bounded time, which makes every trial it still holds stale at once, for other
  // workers to take back and enqueue anew as they do a dead worker's.
  const lost = failure instanceof StorageError;
  const deadline = Date.now() + (lost ? LOST_DB_MS : 0);
  const reports: ServedReport[] = [];
  for (const s of serving) {
    for (;;) {
      try {
        if (s.session) await close(s, failure ? 'failed' : stopped ? 'interrupted' : 'finished', lost);
        Object.assign(s.counts, await storage.counts(s.item.record.id));
        break;
      } catch (e) {
        failure ??= e;
        if (!(e instanceof StorageError) || Date.now() > deadline) break;
        await sleep(2_000);
      }
    }
    await s.training?.executor.close();
    reports.push({ sweep: s.item.sweep.name, runId: s.lastRunId, ranHere: s.ran, counts: s.counts, cancelled: s.state === 'cancelled', refused: s.refusal });
  }
  if (failure) throw failure;
  return { sweeps: reports, stopped };
}
