// The storage contract. Every backend (SQLite today; PostgreSQL later) implements Storage, and
// one test suite (test/storage/contract.ts) runs against each.
//
// Rules implementers keep:
// - The run loop's thread is the only writer in a process; pool workers never touch storage.
// - Several processes may use one store at once (a second `lrsweep run`, `lrsweep best`, the
//   sqlite3 shell): a reader never makes a writer fail, and writes are atomic transactions
//   that take the write lock up front (SQLite: BEGIN IMMEDIATE).
// - A trial is unique per (sweep, config hash, repeat), enforced by the store itself.
// - A trial is `complete` exactly once: completeTrial() only moves a trial this run holds in
//   `running`; a completed trial is never reset, re-claimed or overwritten.
// - A run owns the trials it claimed. When a run dies, its `running` trials are stale;
//   recoverTrials() puts them (and failed/interrupted ones) back to `waiting`.
// Errors: DefinitionChangedError when a sweep name is reused with another definition;
// SchemaError when a store was written by a newer lrsweep. Everything else is a bug or I/O.

import { UsageError } from '../errors.js';
import type { EpochMetrics } from '../train/types.js';


export const TRIAL_STATES = ['waiting', 'running', 'complete', 'failed', 'interrupted'] as const;
export type TrialState = (typeof TRIAL_STATES)[number];

export interface SweepRecord {
  id: number;
  name: string;
  /** The sweep's definition as canonical JSON (see sweep/definition.ts). */
  definition: string;
  file: string | null;
  metric: string;
  goal: 'minimize' | 'maximize';
  created_at: string;
  updated_at: string;
}

export interface NewTrial {
  config_hash: string;
  repeat: number;
  /** The config as JSON (reference names). */
  params: string;
  seed: number;
}

export interface TrialRecord extends NewTrial {
  id: number;
  sweep_id: number;
  state: TrialState;
  objective: number | null;
  run_id: number | null;
  attempts: number;
  error: string | null;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
}

export interface TrialResult {
  objective: number | null;
  epochs: EpochMetrics[];
  duration_ms: number;
  /** Set when the trial completed but its objective is not a number (diverged). */
  note?: string;
}

/** How a trial this run held ended. */
export type Outcome =
  | { trialId: number; state: 'complete'; result: TrialResult }
  | { trialId: number; state: 'failed' | 'interrupted'; error: string; durationMs: number | null };

export interface RankedConfig {
  rank: number;
  config_hash: string;
  params: string;
  /** Mean objective over the config's complete repeats. */
  objective: number;
  std: number | null;
  repeats: number;
  best_trial: number;
}

export interface RunInfo {
  pid: number;
  host: string;
  workers: number;
  backend: string;
}

export type StateCounts = Record<TrialState, number>;

export interface Storage {
  close(): void;

  /** Creates the sweep, or returns it when the definition is the same. See registerSweep in sweep/run.ts for --extend. */
  getSweep(name: string): SweepRecord | null;
  createSweep(s: { name: string; definition: string; file: string | null; metric: string; goal: 'minimize' | 'maximize' }): SweepRecord;
  updateDefinition(sweepId: number, definition: string, file: string | null): void;
  listSweeps(): SweepRecord[];

  /** Inserts trials that do not exist yet; returns how many were new. */
  addTrials(sweepId: number, trials: NewTrial[]): number;

  beginRun(sweepId: number, info: RunInfo): number;
  heartbeat(runId: number): void;
  endRun(runId: number, status: 'finished' | 'interrupted' | 'failed'): void;

  /** failed, interrupted, and running trials of dead runs -> waiting. Returns how many. */
  recoverTrials(sweepId: number, isRunAlive: (run: { pid: number; host: string; heartbeat_at: string }) => boolean): number;
  /** Moves up to `limit` waiting trials to running for this run, in id order, and returns them. */
  claimTrials(sweepId: number, runId: number, limit: number): TrialRecord[];
  completeTrial(trialId: number, runId: number, result: TrialResult): void;
  /**
   * Records many outcomes in one transaction (the run loop batches them). Returns the ids that
   * were not recorded because this run no longer holds them in `running`.
   */
  recordOutcomes(runId: number, outcomes: Outcome[]): number[];
  /** running -> failed or interrupted, with the reason. */
  stopTrial(trialId: number, runId: number, state: 'failed' | 'interrupted', error: string, durationMs: number | null): void;
  /** Every trial this run still holds in running -> interrupted. */
  releaseRun(runId: number): number;

  counts(sweepId: number): StateCounts;
  trials(sweepId: number, state?: TrialState): TrialRecord[];
  trial(sweepId: number, trialId: number): TrialRecord | null;
  epochs(trialId: number): EpochMetrics[];
  /** Configs ranked by mean objective over complete repeats; NaN objectives and failed trials excluded. */
  bestConfigs(sweepId: number, top: number): RankedConfig[];
}

export class DefinitionChangedError extends UsageError {
  override name = 'DefinitionChangedError';
}

export class SchemaError extends UsageError {
  override name = 'SchemaError';
}
