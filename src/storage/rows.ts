// What both backends share between their drivers and the records of types.ts: the rows of
// lrsweep's tables as a driver returns them, mapped to records in one place; the sample standard
// deviation of a config's repeats; metric rows grouped back into points; and the error when two
// stores number a sweep's trials differently (import). Both drivers hand rows over in one shape:
// JSON columns as text and times as ISO 8601 text (SQLite stores them so; PostgreSQL's pool reads
// them so, see the type parsers in postgres.ts).

import type { Goal, MetricPoint, TrialState } from '../core/trial.js';
import {
  ImportConflictError,
  type AttemptPoint, type ImportedTrial, type Json, type ProcessRecord, type RankedConfig, type RunRecord, type SweepRecord, type TrialOrigin, type TrialRecord,
} from './types.js';

/** A JSON column's text (null stays null). */
export const parseJson = <T = Json>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));
/** A value for a JSON column (null and undefined are NULL). */
export const jsonText = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
/** A number for a REAL / double column: SQLite keeps NaN as NULL, so both backends store NaN so (metric values read back as NaN). */
export const real = (v: number | null | undefined): number | null => (v === null || v === undefined || Number.isNaN(v) ? null : v);

export interface TrialRow {
  id: number;
  sweep_id: number;
  number: number;
  config_hash: string;
  repeat: number;
  params: string;
  seed: number;
  state: TrialState;
  objective: number | null;
  run_id: number | null;
  attempts: number;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  provenance: string | null;
  process: string | null;
  origin: TrialOrigin;
  claim_order: number;
}

/** The trial columns TrialRow holds, in its order. */
export const TRIAL_COLUMNS = ['id', 'sweep_id', 'number', 'config_hash', 'repeat', 'params', 'seed', 'state', 'objective', 'run_id', 'attempts', 'error',
  'created_at', 'started_at', 'finished_at', 'duration_ms', 'provenance', 'process', 'origin', 'claim_order'] as const;

/**
 * The columns of an ask's history (Storage.askTrials): a trial's all but provenance and process,
 * read as NULL. An ask reads every trial of the sweep and needs neither, and provenance can be
 * large (a command trainer's log).
 */
export const HISTORY_COLUMNS = TRIAL_COLUMNS.map((c) => (c === 'provenance' || c === 'process' ? `NULL AS ${c}` : c)).join(', ');

export function trialOf(r: TrialRow): TrialRecord {
  return {
    id: r.id, sweepId: r.sweep_id, number: r.number, configHash: r.config_hash, repeat: r.repeat, params: JSON.parse(r.params) as Json,
    seed: r.seed, state: r.state, objective: r.objective, runId: r.run_id, attempts: r.attempts, error: r.error,
    createdAt: r.created_at, startedAt: r.started_at, finishedAt: r.finished_at, durationMs: r.duration_ms,
    provenance: parseJson(r.provenance), process: parseJson<ProcessRecord>(r.process), origin: r.origin,
    claimOrder: Number(r.claim_order),
  };
}

/** Trials in number order (an UPDATE's RETURNING has none). */
export const trialsByNumber = (rows: TrialRow[]): TrialRecord[] => rows.map(trialOf).sort((a, b) => a.number - b.number);

export interface SweepRow {
  id: number;
  name: string;
  definition: string;
  file: string | null;
  metric: string;
  goal: Goal;
  steps: number;
  trainer_hash: string | null;
  status: 'active' | 'cancelled';
  created_at: string;
  updated_at: string;
}

export function sweepOf(r: SweepRow): SweepRecord {
  return {
    id: r.id, name: r.name, definition: JSON.parse(r.definition) as Json, file: r.file, metric: r.metric, goal: r.goal,
    steps: r.steps, trainerHash: r.trainer_hash, status: r.status, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

export interface RunRow {
  id: number;
  sweep_id: number;
  pid: number;
  host: string;
  workers: number;
  backend: string;
  status: RunRecord['status'];
  started_at: string;
  heartbeat_at: string;
  ended_at: string | null;
  /** PostgreSQL: the heartbeat's age by the server's clock (hosts' clocks may differ). SQLite: absent, this host's clock is the store's. */
  heartbeat_age_ms?: number;
}

export function runOf(r: RunRow): RunRecord {
  return {
    id: r.id, sweepId: r.sweep_id, pid: r.pid, host: r.host, workers: r.workers, backend: r.backend, status: r.status,
    startedAt: r.started_at, heartbeatAt: r.heartbeat_at, heartbeatAgeMs: r.heartbeat_age_ms ?? Date.now() - Date.parse(r.heartbeat_at), endedAt: r.ended_at,
  };
}

/** The process records of trials held by runs that are not running, or that isRunAlive says are dead (staleProcesses). */
export function staleOf(held: { run_id: number; process: string }[], runs: RunRecord[], isRunAlive: (run: RunRecord) => boolean): ProcessRecord[] {
  const dead = new Set(runs.filter((r) => r.status !== 'running' || !isRunAlive(r)).map((r) => r.id));
  return held.filter((t) => dead.has(t.run_id)).map((t) => JSON.parse(t.process) as ProcessRecord);
}

/** A row of the ranked_configs view as bestConfigs reads it. */
export interface RankedConfigRow {
  rank: number;
  config_hash: string;
  params: string;
  mean_objective: number;
  repeats: number;
  best_trial_id: number;
  best_trial: number;
}

/** A ranked config, its standard deviation from its complete repeats' objectives. */
export function rankedOf(r: RankedConfigRow, objectives: number[]): RankedConfig {
  return {
    rank: r.rank, configHash: r.config_hash, params: JSON.parse(r.params) as Json, objective: r.mean_objective, std: sampleStd(objectives),
    repeats: r.repeats, bestTrialId: r.best_trial_id, bestTrial: r.best_trial,
  };
}

/**
 * The sample standard deviation in two passes (null for one value). SQLite has no
 * standard-deviation aggregate, and one from sums of squares loses precision when the spread is
 * small next to the mean: both backends compute it here, so they print the same digits.
 */
export function sampleStd(xs: number[]): number | null {
  if (xs.length < 2) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
}

/** A row of the long-format metrics table (NaN is kept as NULL: NULL reads back as NaN). */
export interface MetricRow {
  trial_id: number;
  attempt: number;
  seq: number;
  epoch: number | null;
  step: number | null;
  name: string;
  value: number | null;
}

/** Rows ordered by trial, attempt and seq -> each trial's points, one per (attempt, seq). */
export function groupPoints(trialIds: number[], rows: MetricRow[]): Map<number, AttemptPoint[]> {
  const out = new Map<number, AttemptPoint[]>(trialIds.map((id) => [id, []]));
  let last: { id: number; p: AttemptPoint } | null = null;
  for (const r of rows) {
    if (!last || last.id !== r.trial_id || last.p.attempt !== r.attempt || last.p.seq !== r.seq) {
      const point: MetricPoint = { epoch: r.epoch, step: r.step, values: {} };
      last = { id: r.trial_id, p: { attempt: r.attempt, seq: r.seq, point } };
      out.get(r.trial_id)!.push(last.p);
    }
    last.p.point.values[r.name] = r.value ?? Number.NaN;
  }
  return out;
}

/** Rows of each trial's latest attempt, ordered by trial and seq -> each trial's points (what readers see). */
export function latestPoints(trialIds: number[], rows: MetricRow[]): Map<number, MetricPoint[]> {
  const out = new Map<number, MetricPoint[]>();
  for (const [id, points] of groupPoints(trialIds, rows)) out.set(id, points.map((p) => p.point));
  return out;
}

/** importTrials takes no trial a run holds: copy writes those as waiting. */
export function checkImportable(trials: ImportedTrial[]): void {
  for (const t of trials) {
    if ((t.state as TrialState) === 'queued' || (t.state as TrialState) === 'running') throw new Error(`importTrials: trial ${t.number} is ${t.state}; copy imports held trials as waiting`);
  }
}

const config = (hash: string, repeat: number) => `config ${hash.slice(0, 12)} repeat ${repeat}`;

/**
 * The copy's trial cannot keep its number here: the number belongs to another config (here), or
 * the config is here under another number (hereNumber).
 */
export function numberingConflict(where: string, t: ImportedTrial, hash: string, repeat: number, hereNumber?: number): ImportConflictError {
  const here = hereNumber === undefined ? `trial ${t.number} is ${config(hash, repeat)}` : `${config(hash, repeat)} is trial ${hereNumber}`;
  return new ImportConflictError(
    `${where} numbers this sweep's trials differently from the copy (there ${here}; in the copy trial ${t.number} is ${config(t.configHash, t.repeat)}): copy into another database`);
}
