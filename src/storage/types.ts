// The storage contract. Every backend (SQLite, PostgreSQL) implements Storage; one test suite
// (test/storage/contract.ts) runs against each and covers every operation.
//
// Rules implementers keep:
// - Every operation is async and returns decoded records (JSON columns parsed, camelCase fields).
// - Several processes may use one store at once (runs on several machines, `lrsweep best`, a SQL
//   shell): a reader never makes a writer fail; every write is one atomic transaction that takes
//   its locks up front (SQLite: BEGIN IMMEDIATE; PostgreSQL: row locks, SKIP LOCKED for claims).
// - A trial is unique per (sweep, config hash, repeat) and per (sweep, number), enforced by the
//   store. Numbers count from 1 within a sweep, in the order trials were added, and never change;
//   the number of a removed trial (removeTrials) is never given to another.
// - Cost: what the run loop does per trial (claims, commits) must not grow with the number of the
//   sweep's finished trials: each such statement starts at the rows it returns (an index on
//   waiting trials; test/storage/plans.test.ts checks the query plans on both backends).
// - One writer per trial: a run (or worker) owns the trials it claimed. Only the owner moves its
//   trial on (queued -> running -> a final state), and only while it still owns it: a write for a
//   trial the run no longer holds (its lease lapsed, the sweep was recovered by another run) is
//   dropped and reported back, never applied.
// - Complete exactly once: a complete, diverged or pruned trial (FINAL_STATES) is never reset,
//   re-claimed or overwritten, and is removed only with its whole sweep (deleteSweep, `lrsweep delete`), never while a live
//   run works on the sweep.
// - Runs own what they claim. When a run dies its queued and running trials are stale;
//   recoverTrials() puts them, and failed and interrupted ones, back to waiting, and returns the
//   process records of stale trials so the caller can end processes the dead run left behind.
// - Where a trial came from (origin, schema version 5): 'plan' for trials a static sampler planned
//   from the sweep file (registered up front; every trial of an older lrsweep), 'startup' or
//   'model' for trials an adaptive sampler suggested while the sweep ran (sweep/ask.ts adds them
//   with askTrials as results arrive, so numbers stay dense and in creation order). The store keeps
//   the origin it is given and never changes it; which origins a sweep may hold is the sweep
//   layer's trust rule (sweep/plan-check.ts).
// - Who suggests (askTrials): any process that runs the sweep (`run` on SQLite; on PostgreSQL
//   every `run` and `lrsweep worker` serving it), whenever it has a free slot and no trial waits.
//   An ask is atomic per sweep: under the sweep's lock (SQLite: the write lock, BEGIN IMMEDIATE;
//   PostgreSQL: the sweep's row, SELECT ... FOR UPDATE, the lock addTrials and importTrials take)
//   one transaction reads every trial of the sweep, hands them to the caller's suggest (synchronous
//   and pure: the sweep layer's sampler, seeded by the sweep's seed and the number of trials read),
//   and inserts what it returns as addTrials does. Two processes asking at once take turns: the
//   second reads the first's new trials (running, to its sampler), so no config is suggested twice
//   and numbers stay dense. The ask reads the whole history, as the sampler needs it; it comes once
//   per config, not per claim, so the per-trial cost rule above is kept.
// - Claim order (schema version 7): waiting trials are claimed by their claim order, then their
//   number (claimTrials; on PostgreSQL the queue's jobs follow it too). Every trial starts at
//   claim order 0, so by default claims go in number order; prioritiseTrials moves waiting trials
//   ahead of every trial waiting then (negative claim orders), never renumbering anything. It is
//   one transaction that claims may interleave with: a trial claimed meanwhile is simply not moved.
//   The partial indexes on waiting trials lead with (sweep, claim order), so a claim still starts
//   at the rows it returns.
// - Metric points are kept per attempt; readers see the trial's latest attempt only, so a killed
//   attempt's partial points never mix with its re-run's.
// - Import (importSweep, importTrials, attemptPoints) is for `lrsweep copy` only: it moves sweeps
//   between stores with their trial numbers, states, results and every point of every attempt.
//   The run loop never calls it. An import never makes a trial held (run and process stay null)
//   and never overwrites a result: see importTrials.
// - What a store can do (StoreCapabilities) is known when it is opened (Storage.capabilities), and
//   from its --db before (open.ts capabilitiesOf), so that no code outside storage/ looks at a URL:
//   shared (several machines use it: a run's liveness is its heartbeat, not a process on this
//   host) and queue (workers take its trials from a TrialQueue; openQueue). SQLite: neither.
//   PostgreSQL: both; its queue is pg-boss (postgres-queue.ts), loaded only when a queue is opened, as each
//   backend's driver is loaded only when a store of its kind is opened (open.ts).
// - The trials table stays the truth; a TrialQueue is transport. A job names trials by id; a
//   worker claims them from storage (claimTrialIds), so a job delivered twice runs nothing twice.
// Errors: DefinitionChangedError when a sweep name is reused with another definition (raised by
// the sweep layer); SchemaError when a store was written by a newer lrsweep or is not an lrsweep
// store, and its EmptyStoreError when a store opened for reading has no sweeps yet; StorageError
// for I/O (disk full, read-only, connection lost), naming the store and the cause. Everything
// else is a bug.

import { UsageError } from '../core/errors.js';
import type { Goal, MetricPoint, StateCounts, TrialState } from '../core/trial.js';

export type Json = Record<string, unknown>;

export interface SweepRecord {
  id: number;
  name: string;
  /** The sweep's definition (sweep/definition.ts), decoded. */
  definition: Json;
  file: string | null;
  metric: string;
  goal: Goal;
  /** Training steps per trial (the length of every LR curve). */
  steps: number;
  /** Content hash of the trainer's files (module and command trainers), or null. */
  trainerHash: string | null;
  /** cancelled: `lrsweep cancel` stopped it on every machine; running it again reactivates it. */
  status: 'active' | 'cancelled';
  createdAt: string;
  updatedAt: string;
}

export interface NewSweep {
  name: string;
  definition: Json;
  file: string | null;
  metric: string;
  goal: Goal;
  steps: number;
  trainerHash: string | null;
}

/**
 * Where a trial came from: 'plan' (a static sampler planned it from the sweep file: grid, random,
 * sobol, and every trial an older lrsweep wrote), 'startup' (an adaptive sampler's first, model-free
 * draws) or 'model' (an adaptive sampler suggested it from the sweep's history). Schema version 5.
 * 'anchor' (schema version 7): a run the predict sampler plans from the sweep file and trains
 * before its shortlist (the law is fitted to the anchors' training-loss curves).
 */
export type TrialOrigin = 'plan' | 'startup' | 'model' | 'anchor';
export const TRIAL_ORIGINS: readonly TrialOrigin[] = ['plan', 'startup', 'model', 'anchor'];

export interface NewTrial {
  configHash: string;
  repeat: number;
  /** The config (the schedule's full parameters, reference names). */
  params: Json;
  seed: number;
  /** Default 'plan'. */
  origin?: TrialOrigin;
}

/** What a worker process left running for a trial (command trainers), to end it if it is orphaned. */
export type ProcessRecord = Json;

export interface TrialRecord extends NewTrial {
  id: number;
  origin: TrialOrigin;
  sweepId: number;
  /** 1, 2, ... within the sweep. */
  number: number;
  state: TrialState;
  objective: number | null;
  runId: number | null;
  /** How many times it was claimed; the latest attempt's points are the trial's points. */
  attempts: number;
  /** failed/interrupted: why; diverged: where; pruned: the pruner's reason. */
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  /** Where and with what it ran: lrsweep and Node versions, backend, host, trainer and data hashes. */
  provenance: Json | null;
  process: ProcessRecord | null;
  /** Claims take waiting trials by claim order, then number: 0, or negative once prioritiseTrials moved it forward (schema version 7). */
  claimOrder: number;
}

/** How a trial a run holds ended. */
export type Outcome =
  | { trialId: number; state: 'complete' | 'diverged' | 'pruned'; objective: number | null; durationMs: number; note?: string | null }
  | { trialId: number; state: 'failed' | 'interrupted'; error: string; durationMs: number | null };

/** What the run loop commits at once (one transaction): trials started, points reported, outcomes. */
export interface TrialBatch {
  started?: { trialId: number; provenance?: Json | null; process?: ProcessRecord | null }[];
  points?: { trialId: number; attempt: number; seq: number; point: MetricPoint }[];
  outcomes?: Outcome[];
}

/** One reported point of one attempt, as copy reads and writes it. */
export interface AttemptPoint {
  attempt: number;
  seq: number;
  point: MetricPoint;
}

/** A trial as `lrsweep copy` writes it into another store: all it recorded but its ids, run and process. */
export interface ImportedTrial extends Omit<TrialRecord, 'id' | 'sweepId' | 'runId' | 'process' | 'state' | 'origin' | 'claimOrder'> {
  /** Kept from the copied store; default 'plan' (a store before schema version 5). */
  origin?: TrialOrigin;
  /** Copy writes a trial another store's run held (queued, running) as waiting: no run here owns it. */
  state: Exclude<TrialState, 'queued' | 'running'>;
  /** Every point of every attempt. */
  points: AttemptPoint[];
}

export interface RankedConfig {
  rank: number;
  configHash: string;
  params: Json;
  /** Mean objective over the config's complete repeats. */
  objective: number;
  /** Sample standard deviation over repeats; null with one repeat. */
  std: number | null;
  repeats: number;
  /** The config's best repeat: its id and number. */
  bestTrialId: number;
  bestTrial: number;
}

export interface RunInfo {
  pid: number;
  host: string;
  workers: number;
  backend: string;
}

export interface RunRecord extends RunInfo {
  id: number;
  sweepId: number;
  status: 'running' | 'finished' | 'interrupted' | 'failed';
  startedAt: string;
  heartbeatAt: string;
  /** How long ago the heartbeat was, by the store's clock (PostgreSQL: the server's), so that hosts whose clocks differ agree. */
  heartbeatAgeMs: number;
  endedAt: string | null;
}

export interface RecoverOptions {
  /** Only stale trials, counting each a lost attempt (workers); default: everything a new run re-runs. */
  staleOnly?: boolean;
  /** With staleOnly: a trial whose worker was lost this many times is failed instead of requeued. */
  maxLost?: number;
}

export interface Recovered {
  /** Trials put back to waiting. */
  requeued: number;
  /** Trials failed because their workers were lost maxLost times. */
  gaveUp: number;
  /** Process records of stale trials, to end what a dead run left running. */
  processes: ProcessRecord[];
}

export interface TrialFilter {
  state?: TrialState;
  /** Only these trial numbers. */
  numbers?: number[];
  /** At most this many trials (in number order): only those are read from the store. */
  limit?: number;
  /** Skip this many trials (in number order) first. */
  offset?: number;
}

/** What deleteSweep did: the sweep is gone, or runs that are alive work on it and nothing was removed. */
export type SweepDeletion =
  | { deleted: true; trials: number }
  | { deleted: false; live: RunRecord[] };

/** What a store can do (see the header). */
export interface StoreCapabilities {
  /** Several machines use it at once: a run is alive while its heartbeat is fresh, whatever the pid says on this host. */
  readonly shared: boolean;
  /** It has a trial queue that workers (`lrsweep worker`, `run`) take its trials from. */
  readonly queue: boolean;
}

export const SQLITE_CAPABILITIES: StoreCapabilities = { shared: false, queue: false };
export const POSTGRES_CAPABILITIES: StoreCapabilities = { shared: true, queue: true };

/** A unit waiting to be run: its trials (by id) and the key that makes enqueueing it idempotent. */
export interface QueuedUnit {
  key: string;
  trialIds: number[];
  /** Units are handed out lowest first: the claim rank (claimRank) of the unit's first trial. */
  order: number;
}

export interface Job {
  id: string;
  trialIds: number[];
}

export interface QueueDepth {
  /** Jobs no worker has taken yet (created, or failed and waiting to be retried). */
  waiting: number;
  /** Jobs a worker has taken and not completed. */
  active: number;
}

/**
 * A store's trial queue (Storage.openQueue): jobs of units of a sweep's trials, which workers on
 * any machine fetch. Each sweep has its own queue. Failures are StorageErrors naming the store.
 */
export interface TrialQueue {
  /** Adds the units whose key has no job that is not over yet (idempotent; nothing for a cancelled sweep); returns how many trials they hold. */
  enqueue(sweepId: number, units: QueuedUnit[]): Promise<number>;
  /** Takes up to `max` jobs of the sweep (they become taken), lowest order first; [] when none waits. */
  fetch(sweepId: number, max: number): Promise<Job[]>;
  /** The jobs are done: their trials reached a final state (or another worker holds them). */
  complete(sweepId: number, ids: string[]): Promise<void>;
  /** The jobs' trials were stopped before they ended: another worker takes them again at once. */
  retry(sweepId: number, ids: string[]): Promise<void>;
  /**
   * After prioritiseTrials: every job no worker has taken whose order is not the lowest of its
   * trials' ranks (trial id -> claimRank; trials absent keep the job as it is) is replaced, in one
   * transaction under enqueue's lock, by one with the same key and trials at that order. Jobs
   * taken meanwhile are left alone. Returns how many jobs were replaced.
   */
  reorder(sweepId: number, ranks: ReadonlyMap<number, number>): Promise<number>;
  /** `lrsweep cancel` (after the sweep was marked cancelled): jobs no worker has taken are cancelled; taken ones end as their workers stop. */
  cancelWaiting(sweepId: number): Promise<void>;
  /** The jobs of the sweep that a worker took at least `minAgeMs` ago and has not completed. */
  taken(sweepId: number, minAgeMs: number): Promise<Job[]>;
  depth(sweepId: number): Promise<QueueDepth>;
  close(): Promise<void>;
}

export interface Storage {
  /** How the store is named in messages (a path, or a URL without its password). */
  readonly where: string;
  readonly capabilities: StoreCapabilities;
  close(): Promise<void>;
  /**
   * Connects to the store's trial queue (the caller closes it). A store opened for reading opens
   * it as a reader, which creates and maintains nothing and fails when the store has no queue
   * yet. A UsageError on a store without one (capabilities.queue false).
   */
  openQueue(): Promise<TrialQueue>;
  /**
   * `lrsweep delete` (after deleteSweep): drops the sweep's queue with every job in it, leaving a
   * store that never had a queue as it is; returns how many jobs were dropped, null on a store
   * without queues.
   */
  dropQueue(sweepId: number): Promise<number | null>;

  getSweep(name: string): Promise<SweepRecord | null>;
  listSweeps(): Promise<SweepRecord[]>;
  createSweep(s: NewSweep): Promise<SweepRecord>;
  /** Replaces the definition (an --extend, or an older definition upgraded) and reactivates a cancelled sweep. */
  updateSweep(sweepId: number, s: Pick<NewSweep, 'definition' | 'file' | 'steps' | 'trainerHash'>): Promise<void>;
  setSweepStatus(sweepId: number, status: SweepRecord['status']): Promise<void>;

  /**
   * Inserts trials that do not exist yet, in order, numbered after the highest number the sweep
   * has ever given (a removed trial's number is never given again); returns how many were new.
   * Each keeps its origin (default 'plan'). Adaptive samplers add their suggestions with
   * askTrials, which numbers them the same way.
   */
  addTrials(sweepId: number, trials: NewTrial[]): Promise<number>;
  /**
   * An adaptive sampler's ask (see the header): under the sweep's lock, in one transaction, reads
   * the sweep's trials in number order (their provenance and process left null: an ask needs
   * neither, and a command's log can be large), calls `suggest` with them (synchronously, once per attempt:
   * a transaction retried after a deadlock calls it again with what it reads then), and inserts
   * what it returns as addTrials does (a trial the sweep has, by config hash and repeat, is
   * skipped). Returns the trials added, in number order. Nothing is added to a cancelled sweep
   * (suggest is not called). A suggest that throws adds nothing and the error comes back as is.
   */
  askTrials(sweepId: number, suggest: (trials: TrialRecord[]) => NewTrial[]): Promise<TrialRecord[]>;
  /**
   * Removes these trials of the sweep and their points (`run --replace`: trials the new definition
   * no longer plans), except final ones (complete, diverged, pruned) and those a running run holds, which stay.
   * Returns how many were removed.
   */
  removeTrials(sweepId: number, trialIds: number[]): Promise<number>;
  /**
   * Removes the sweep with its trials, points and runs, in one transaction, unless a run of it
   * that isRunAlive says is alive is still running: then nothing is removed and those runs come back.
   */
  deleteSweep(sweepId: number, isRunAlive: (run: RunRecord) => boolean): Promise<SweepDeletion>;

  beginRun(sweepId: number, info: RunInfo): Promise<number>;
  /** Renews the run's lease; false when the run is no longer running (another run found it dead and took its trials). */
  heartbeat(runId: number): Promise<boolean>;
  /** Ends a running run; a run already ended (found dead) keeps its status. */
  endRun(runId: number, status: 'finished' | 'interrupted' | 'failed'): Promise<void>;
  runs(sweepId: number): Promise<RunRecord[]>;

  /**
   * Marks open runs that isRunAlive says are dead as failed, then: stale trials (queued or running
   * under a run that is not running) -> waiting, and failed/interrupted ones -> waiting; every
   * trial reset has its lost count cleared (a run starts the sweep afresh). With `staleOnly`
   * (what workers do while a sweep runs) only stale trials move, each stale running trial counting
   * one more lost attempt (a queued one never started: it costs nothing); one whose lost count
   * reaches `maxLost` is failed with the reason instead, and stays failed until the sweep is run again.
   */
  recoverTrials(sweepId: number, isRunAlive: (run: RunRecord) => boolean, options?: RecoverOptions): Promise<Recovered>;
  /**
   * The process records of stale trials (held by a run that is not running, or that isRunAlive
   * says is dead), changing nothing. Callers end those groups before recoverTrials clears the
   * records, so a caller stopped while it waits for them leaves the records for the next one.
   */
  staleProcesses(sweepId: number, isRunAlive: (run: RunRecord) => boolean): Promise<ProcessRecord[]>;
  /**
   * Moves up to `limit` waiting trials to queued for this run, in claim order (claim order, then
   * number), and returns them in number order (attempts counted). With `sameSeed`, only trials
   * with the seed of the first one (a cohort).
   */
  claimTrials(sweepId: number, runId: number, limit: number, options?: { sameSeed?: boolean }): Promise<TrialRecord[]>;
  /**
   * Moves these waiting trials of the sweep to the front of the claim order, in the order given,
   * ahead of every trial waiting now (moved before or not): claim orders below the lowest a
   * waiting trial has. Trials not waiting (claimed meanwhile, final, of another sweep) are left
   * alone. Numbers never change. Returns how many moved. `lrsweep predict --prioritise`.
   */
  prioritiseTrials(sweepId: number, trialIds: number[]): Promise<number>;
  /**
   * Claims the given trials of the sweep for this run (queue jobs name them): those waiting or
   * interrupted move to queued, attempts counted, and come back in number order. Trials in any
   * other state (held by a run, failed, complete, diverged, pruned) are left alone and not returned, so a
   * job delivered twice never runs a trial twice. A run that is no longer running (found dead)
   * claims nothing.
   */
  claimTrialIds(sweepId: number, runId: number, trialIds: number[]): Promise<TrialRecord[]>;
  /** Commits a batch in one transaction; returns the ids of trials this run no longer holds (their writes dropped). */
  commit(runId: number, batch: TrialBatch): Promise<number[]>;
  /** Every trial this run still holds: queued -> waiting, running -> interrupted. Returns how many. */
  releaseRun(runId: number): Promise<number>;

  counts(sweepId: number): Promise<StateCounts>;
  /** The sweep's trials in number order; a limit or offset that is not a non-negative integer is a RangeError. */
  trials(sweepId: number, filter?: TrialFilter): Promise<TrialRecord[]>;
  trial(sweepId: number, number: number): Promise<TrialRecord | null>;
  /** The latest attempt's points of each trial, in the order they were reported. */
  points(trialIds: number[]): Promise<Map<number, MetricPoint[]>>;
  /** Configs ranked by mean objective over complete repeats (never failed, diverged or pruned trials). */
  bestConfigs(sweepId: number, top: number): Promise<RankedConfig[]>;
  /** The best objective of a single complete trial by the sweep's goal (what progress lines show), or null. */
  bestTrialObjective(sweepId: number): Promise<number | null>;

  // Import: for `lrsweep copy` only.
  /** Creates a sweep as another store has it (status and timestamps kept). Rejects a name that exists. */
  importSweep(s: Omit<SweepRecord, 'id'>): Promise<SweepRecord>;
  /**
   * Writes trials copied from another store, in one transaction that takes the sweep's lock as
   * addTrials does. A trial new to the sweep (by config hash and repeat) is inserted with its number
   * and its points. A trial already here is replaced (fields and points) only when the copy is final
   * (complete, diverged, pruned) and the one here is neither final nor held (waiting, failed, interrupted);
   * otherwise it is left alone, so importing twice changes nothing. Throws ImportConflictError,
   * writing nothing, when the two stores number the sweep's trials differently (a trial here under
   * another number, or a new trial's number taken by another config).
   */
  importTrials(sweepId: number, trials: ImportedTrial[]): Promise<{ added: number; replaced: number }>;
  /** Every point of every attempt of each trial, in attempt then report order (what copy moves). */
  attemptPoints(trialIds: number[]): Promise<Map<number, AttemptPoint[]>>;
}

/** Where a trial stands in the claim order, as one number (a queue job's order): its claim order once moved forward (negative), else its number. */
export const claimRank = (t: Pick<TrialRecord, 'claimOrder' | 'number'>): number => (t.claimOrder < 0 ? t.claimOrder : t.number);

export class DefinitionChangedError extends UsageError {
  override name = 'DefinitionChangedError';
}

/** Two stores number a sweep's trials differently, so a copy cannot keep the numbers. Exit code 2. */
export class ImportConflictError extends UsageError {
  override name = 'ImportConflictError';
}

/** A store from a newer lrsweep, or a file that is not an lrsweep store. Exit code 2. */
export class SchemaError extends UsageError {
  override name = 'SchemaError';
}

/** A store opened for reading that has no sweeps yet (no lrsweep tables). Exit code 2. */
export class EmptyStoreError extends SchemaError {
  override name = 'EmptyStoreError';
  constructor(where: string) {
    super(`--db: ${JSON.stringify(where)} is empty: it has no sweeps yet`);
  }
}

/** The store failed underneath us (disk full, read-only, connection lost). Exit code 1, one line. */
export class StorageError extends Error {
  override name = 'StorageError';
}
