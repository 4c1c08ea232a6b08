// Where the run loop (dispatch.ts) gets its units of work: claims from storage (SQLite, one
// machine), or jobs from the PostgreSQL trial queue (many machines; storage/postgres-queue.ts). Either way
// the trials are claimed in storage for the run before they run, so storage stays the truth. For
// an adaptive sampler either source asks (Asking, ask.ts) when no trial waits and a slot is free.
//
// Contract: next() returns the trials of one unit, claimed for the run (queued), or null when
// there is none now; settled() is told, after each committed batch, which trials reached a state
// (or were found no longer held); close() hands back what was taken and not started.

import { StorageError } from '../storage/types.js';
import type { Job, Storage, TrialQueue, TrialRecord } from '../storage/types.js';
import type { TrialState } from '../core/trial.js';
import { EditedTrialError, editedRowMessage, type RowCheck } from './plan-check.js';

export interface Settled {
  trialId: number;
  /** The state it reached; null when the run no longer held it (another run has it, or it was decided). */
  state: TrialState | null;
}

/**
 * An adaptive sampler's ask (ask.ts), which a source makes when no trial waits and a slot of the
 * executor is free: the trials of up to `perSlot` new configs per free slot (1, or a cohort's worth
 * for lockstep trainers). A unit queued behind a busy slot is never suggested ahead: it would learn
 * nothing from the results to come.
 */
export interface Asking {
  /** The executor's slots: the room a source is given counts a running and a queued unit per slot, so room above `slots` is free slots. */
  slots: number;
  perSlot: number;
  /** Creates the trials of up to `configs` new configs (on a queue, their jobs too); returns how many trials it added. */
  ask(configs: number): Promise<number>;
}

export interface UnitSource {
  /** `room`: how many more units the run can start now (a source that prefetches takes no more). */
  next(room: number): Promise<TrialRecord[] | null>;
  settled(trials: Settled[]): void;
  /** A unit next() returned that the run did not start (it was stopped meanwhile): close() hands it back. */
  putBack(trials: TrialRecord[]): void;
  /** Waits for the source's own writes (job completions) and hands back units taken but not started. */
  close(): Promise<void>;
}

/**
 * One machine: waiting trials claimed in number order (a cohort: those with the first one's seed).
 * With `check` (plan-check.ts), a claimed row that is not what the sweep file plans (edited in the
 * database) is never started: next() throws EditedTrialError, and the run refuses the sweep.
 */
export class StorageSource implements UnitSource {
  /** `adaptive` (an adaptive sampler): asked when no trial is waiting and a slot is free; its trials are claimed as any waiting trial. */
  constructor(private readonly storage: Storage, private readonly sweepId: number, private readonly runId: number, private readonly cohortSize: number,
    private readonly check?: { sweep: string; row: RowCheck },
    private readonly adaptive?: Asking) {}

  async next(room = 0): Promise<TrialRecord[] | null> {
    let claimed = await this.claim();
    const free = this.adaptive ? room - this.adaptive.slots : 0;
    if (claimed === null && this.adaptive && free > 0 && (await this.adaptive.ask(free * this.adaptive.perSlot)) > 0) claimed = await this.claim();
    return claimed;
  }

  private async claim(): Promise<TrialRecord[] | null> {
    const claimed = await this.storage.claimTrials(this.sweepId, this.runId, this.cohortSize, { sameSeed: this.cohortSize > 1 });
    for (const t of this.check ? claimed : []) {
      const why = this.check!.row(t);
      // Its trials stay claimed by the run until the run releases them: back to waiting, untouched.
      if (why !== null) throw new EditedTrialError(editedRowMessage(this.check!.sweep, t, why));
    }
    return claimed.length > 0 ? claimed : null;
  }

  settled(): void {}

  /** Nothing to do: its trials are queued for the run, and releaseRun puts them back to waiting. */
  putBack(): void {}

  async close(): Promise<void> {}
}

interface OpenJob {
  job: Job;
  /** Trials of the job this run claimed and has not yet seen settle. */
  pending: Set<number>;
  /** A member was stopped before it ended: the job goes back to the queue for another worker. */
  retry: boolean;
}

/** The most jobs fetched at once. */
const FETCH_BATCH = 32;
/**
 * Beyond the room it has, a worker takes about this much work ahead (at the pace its trials have
 * settled so far): none when trials take seconds, so that idle machines get work, a batch when
 * they take milliseconds, so that a fetch per trial does not become the bottleneck.
 */
const AHEAD_SECONDS = 0.5;

/**
 * Many machines: jobs of one sweep from the queue. A job's trials are claimed by id (those already
 * held or decided elsewhere are skipped, so a job delivered twice runs nothing twice). When every
 * claimed trial of a job has settled, the job is completed, or, when one was interrupted (the
 * worker stopped), failed so that the queue hands it to another worker at once. After cancel()
 * (`lrsweep cancel`), jobs are completed whatever happened: nothing of the sweep is handed out.
 */
export class QueueSource implements UnitSource {
  private readonly ready: { job: OpenJob; trials: TrialRecord[] }[] = [];
  private readonly open = new Map<number, OpenJob>();
  private writes: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private cancelled = false;
  private readonly began = Date.now();
  private settledCount = 0;

  /** Jobs with a trial this worker's file does not plan: never started, handed back at close(). */
  private readonly foreign: string[] = [];

  /**
   * `guard` (workers): why a trial is not one this machine's file plans (plan-check.ts), and what
   * to do when a job brings one (the stored definition changed under the worker, e.g. a `run
   * --extend` from another checkout, or the row was edited): such a job is never started,
   * whatever the next definition check says.
   */
  /**
   * `adaptive` (an adaptive sampler): jobs are taken for free slots only (a unit queued behind a
   * busy slot would hold a suggestion another worker's free slot could run now), and when none
   * waits the source asks, which enqueues the new trials' jobs, and takes them (or others'
   * suggestions, or nothing when another worker was quicker) from the queue as any job.
   */
  constructor(private readonly storage: Storage, private readonly queue: TrialQueue, private readonly sweepId: number, private readonly runId: number,
    private readonly guard?: { row: RowCheck; onForeign: (trial: TrialRecord, why: string) => Promise<void> },
    private readonly adaptive?: Asking) {}

  cancel(): void {
    this.cancelled = true;
  }

  async next(room: number): Promise<TrialRecord[] | null> {
    if (this.failure) throw this.failure;
    if (this.ready.length === 0 && this.adaptive) {
      const free = room - this.adaptive.slots;
      if (free <= 0) return null;
      await this.fetch(free);
      if (this.ready.length === 0 && (await this.adaptive.ask(free * this.adaptive.perSlot)) > 0) await this.fetch(free);
    } else if (this.ready.length === 0) {
      const perSecond = this.settledCount / Math.max(1, (Date.now() - this.began) / 1000);
      const ahead = Math.floor(perSecond * AHEAD_SECONDS);
      await this.fetch(Math.max(1, Math.min(room + ahead, FETCH_BATCH)));
    }
    const unit = this.ready.shift();
    return unit ? unit.trials : null;
  }

  private async fetch(max: number): Promise<void> {
    const jobs = await this.queue.fetch(this.sweepId, max);
    if (jobs.length === 0) return;
    const claimed = await this.storage.claimTrialIds(this.sweepId, this.runId, jobs.flatMap((j) => j.trialIds));
    const byId = new Map(claimed.map((t) => [t.id, t]));
    const idle: string[] = [];
    for (const job of jobs) {
      // A trial goes to one job only: two jobs naming it (enqueued twice) must not train it twice.
      const trials = job.trialIds.flatMap((id) => {
        const t = byId.get(id);
        byId.delete(id);
        return t ?? [];
      }).sort((a, b) => a.number - b.number);
      if (trials.length === 0) {
        idle.push(job.id); // all held or decided elsewhere: nothing left to do for this job
        continue;
      }
      const unplanned = this.guard ? trials.map((t) => ({ t, why: this.guard!.row(t) })).find((u) => u.why !== null) : undefined;
      if (unplanned) {
        this.foreign.push(job.id); // its trials stay claimed by the run until the run releases them
        await this.guard!.onForeign(unplanned.t, unplanned.why!);
        continue;
      }
      // A cohort runs as one unit only with one seed; a job's trials share theirs (serve/upkeep.ts enqueueWaiting groups them so).
      const open: OpenJob = { job, pending: new Set(trials.map((t) => t.id)), retry: false };
      for (const t of trials) this.open.set(t.id, open);
      this.ready.push({ job: open, trials });
    }
    this.write(() => this.queue.complete(this.sweepId, idle));
  }

  settled(trials: Settled[]): void {
    const complete: string[] = [];
    const retry: string[] = [];
    this.settledCount += trials.length;
    for (const { trialId, state } of trials) {
      const open = this.open.get(trialId);
      if (!open) continue;
      this.open.delete(trialId);
      open.pending.delete(trialId);
      if (state === 'interrupted') open.retry = true;
      if (open.pending.size > 0) continue;
      (open.retry && !this.cancelled ? retry : complete).push(open.job.id);
    }
    this.write(() => this.queue.complete(this.sweepId, complete));
    this.write(() => this.queue.retry(this.sweepId, retry));
  }

  putBack(trials: TrialRecord[]): void {
    const open = trials.length > 0 ? this.open.get(trials[0].id) : undefined;
    if (open) this.ready.unshift({ job: open, trials });
  }

  /** Job writes go one after another, off the run loop's path; the first failure is raised by next() or close(). */
  private write(fn: () => Promise<void>): void {
    this.writes = this.writes.then(async () => {
      if (this.failure) return;
      try {
        await fn();
      } catch (e) {
        this.failure = e instanceof StorageError ? e : new StorageError(String(e));
      }
    });
  }

  async close(): Promise<void> {
    // Units taken and never started: their trials go back to waiting with releaseRun, their jobs to the queue.
    const unstarted = [...this.ready.splice(0).map((u) => u.job.job.id), ...this.foreign.splice(0)];
    for (const u of unstarted) for (const [id, open] of this.open) if (open.job.id === u) this.open.delete(id);
    if (!this.cancelled) this.write(() => this.queue.retry(this.sweepId, unstarted));
    else this.write(() => this.queue.complete(this.sweepId, unstarted));
    await this.writes;
    if (this.failure) throw this.failure;
  }
}
