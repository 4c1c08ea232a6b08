// The SQLite storage (better-sqlite3 12.x; 13.x crashes on Node 20). WAL mode so readers never
// block the run; every write is a BEGIN IMMEDIATE transaction (a deferred read-then-write
// transaction can fail with SQLITE_BUSY under concurrency even with a busy timeout).

import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { UsageError } from '../errors.js';
import type { EpochMetrics } from '../train/types.js';
import { migrate, schemaVersion, SCHEMA_VERSION } from './schema.js';
import {
  SchemaError, TRIAL_STATES,
  type NewTrial, type Outcome, type RankedConfig, type RunInfo, type StateCounts, type Storage, type SweepRecord,
  type TrialRecord, type TrialResult, type TrialState,
} from './types.js';

const now = () => new Date().toISOString();
/** SQLite stores NaN as NULL anyway; say so explicitly. */
const num = (v: number | null | undefined) => (v === null || v === undefined || Number.isNaN(v) ? null : v);

export interface OpenOptions {
  /** Read-only use (status, best, ...): the file must exist; nothing is created or migrated. */
  mustExist?: boolean;
}

export function openSqlite(path: string, options: OpenOptions = {}): SqliteStorage {
  if (options.mustExist && !existsSync(path)) {
    throw new UsageError(`--db: no database at ${JSON.stringify(path)}: run \`lrsweep run SWEEP_FILE\` first, or pass --db PATH`);
  }
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: options.mustExist ?? false });
    db.pragma('busy_timeout = 10000');
    db.pragma('journal_mode = WAL');
  } catch (e) {
    throw new UsageError(`--db: cannot open ${JSON.stringify(path)} as a SQLite database: ${(e as Error).message}`);
  }
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  if (options.mustExist) {
    const version = schemaVersion(db);
    if (version !== SCHEMA_VERSION) {
      db.close();
      throw new SchemaError(`--db: ${path} has schema version ${version}, this lrsweep reads ${SCHEMA_VERSION}${version < SCHEMA_VERSION ? ': any `lrsweep run` migrates it' : ': upgrade lrsweep'}`);
    }
  } else migrate(db, path);
  return new SqliteStorage(db);
}

export class SqliteStorage implements Storage {
  private readonly s;

  constructor(readonly db: Database.Database) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      sweep: p('SELECT * FROM sweeps WHERE name = ?'),
      sweeps: p('SELECT * FROM sweeps ORDER BY id'),
      insertSweep: p('INSERT INTO sweeps (name, definition, file, metric, goal) VALUES (@name, @definition, @file, @metric, @goal) RETURNING *'),
      updateDefinition: p('UPDATE sweeps SET definition = ?, file = ?, updated_at = ? WHERE id = ?'),
      insertTrial: p('INSERT OR IGNORE INTO trials (sweep_id, config_hash, repeat, params, seed) VALUES (?, ?, ?, ?, ?)'),
      insertRun: p('INSERT INTO runs (sweep_id, pid, host, workers, backend) VALUES (?, ?, ?, ?, ?)'),
      heartbeat: p('UPDATE runs SET heartbeat_at = ? WHERE id = ?'),
      endRun: p('UPDATE runs SET status = ?, ended_at = ?, heartbeat_at = ? WHERE id = ?'),
      openRuns: p("SELECT * FROM runs WHERE sweep_id = ? AND status = 'running'"),
      markRunDead: p("UPDATE runs SET status = 'failed', ended_at = ? WHERE id = ?"),
      requeueDead: p("UPDATE trials SET state = 'waiting', run_id = NULL WHERE run_id = ? AND state = 'running'"),
      requeueStopped: p("UPDATE trials SET state = 'waiting', run_id = NULL WHERE sweep_id = ? AND state IN ('failed', 'interrupted')"),
      claim: p(`UPDATE trials SET state = 'running', run_id = ?, attempts = attempts + 1, started_at = ?, error = NULL
                WHERE id IN (SELECT id FROM trials WHERE sweep_id = ? AND state = 'waiting' ORDER BY id LIMIT ?)
                RETURNING *`),
      complete: p(`UPDATE trials SET state = 'complete', objective = ?, error = ?, finished_at = ?, duration_ms = ?
                   WHERE id = ? AND run_id = ? AND state = 'running'`),
      insertEpoch: p('INSERT OR REPLACE INTO epochs (trial_id, epoch, train_loss, val_loss, val_accuracy, lr) VALUES (?, ?, ?, ?, ?, ?)'),
      stop: p(`UPDATE trials SET state = ?, error = ?, finished_at = ?, duration_ms = ?
               WHERE id = ? AND run_id = ? AND state = 'running'`),
      release: p("UPDATE trials SET state = 'interrupted', error = 'interrupted: the run was stopped', finished_at = ? WHERE run_id = ? AND state = 'running'"),
      counts: p('SELECT state, COUNT(*) AS n FROM trials WHERE sweep_id = ? GROUP BY state'),
      trials: p('SELECT * FROM trials WHERE sweep_id = ? ORDER BY id'),
      trialsIn: p('SELECT * FROM trials WHERE sweep_id = ? AND state = ? ORDER BY id'),
      trial: p('SELECT * FROM trials WHERE sweep_id = ? AND id = ?'),
      epochs: p('SELECT epoch, train_loss, val_loss, val_accuracy, lr FROM epochs WHERE trial_id = ? ORDER BY epoch'),
      best: p(`SELECT c.rank, c.config_hash, c.params, c.mean_objective AS objective, c.repeats, c.best_trial_id AS best_trial
               FROM ranked_configs c WHERE c.sweep = ? ORDER BY c.rank, c.config_hash LIMIT ?`),
      objectives: p("SELECT objective FROM trials WHERE sweep_id = ? AND config_hash = ? AND state = 'complete' AND objective IS NOT NULL"),
    };
  }

  close(): void {
    this.db.close();
  }

  private write<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  getSweep(name: string): SweepRecord | null {
    return (this.s.sweep.get(name) as SweepRecord | undefined) ?? null;
  }

  createSweep(s: { name: string; definition: string; file: string | null; metric: string; goal: 'minimize' | 'maximize' }): SweepRecord {
    return this.write(() => this.s.insertSweep.get(s) as SweepRecord);
  }

  updateDefinition(sweepId: number, definition: string, file: string | null): void {
    this.write(() => this.s.updateDefinition.run(definition, file, now(), sweepId));
  }

  listSweeps(): SweepRecord[] {
    return this.s.sweeps.all() as SweepRecord[];
  }

  addTrials(sweepId: number, trials: NewTrial[]): number {
    return this.write(() => {
      let added = 0;
      for (const t of trials) added += this.s.insertTrial.run(sweepId, t.config_hash, t.repeat, t.params, t.seed).changes;
      return added;
    });
  }

  beginRun(sweepId: number, info: RunInfo): number {
    return this.write(() => Number(this.s.insertRun.run(sweepId, info.pid, info.host, info.workers, info.backend).lastInsertRowid));
  }

  heartbeat(runId: number): void {
    this.write(() => this.s.heartbeat.run(now(), runId));
  }

  endRun(runId: number, status: 'finished' | 'interrupted' | 'failed'): void {
    const t = now();
    this.write(() => this.s.endRun.run(status, t, t, runId));
  }

  recoverTrials(sweepId: number, isRunAlive: (run: { pid: number; host: string; heartbeat_at: string }) => boolean): number {
    return this.write(() => {
      let n = 0;
      for (const run of this.s.openRuns.all(sweepId) as { id: number; pid: number; host: string; heartbeat_at: string }[]) {
        if (isRunAlive(run)) continue;
        this.s.markRunDead.run(now(), run.id);
        n += this.s.requeueDead.run(run.id).changes;
      }
      return n + this.s.requeueStopped.run(sweepId).changes;
    });
  }

  claimTrials(sweepId: number, runId: number, limit: number): TrialRecord[] {
    return this.write(() => this.s.claim.all(runId, now(), sweepId, limit) as TrialRecord[]);
  }

  completeTrial(trialId: number, runId: number, result: TrialResult): void {
    if (this.recordOutcomes(runId, [{ trialId, state: 'complete', result }]).length > 0) {
      throw new Error(`trial ${trialId} is not running in run ${runId}: its result was not recorded`);
    }
  }

  stopTrial(trialId: number, runId: number, state: 'failed' | 'interrupted', error: string, durationMs: number | null): void {
    this.recordOutcomes(runId, [{ trialId, state, error, durationMs }]);
  }

  recordOutcomes(runId: number, outcomes: Outcome[]): number[] {
    const t = now();
    return this.write(() => {
      const missed: number[] = [];
      for (const o of outcomes) {
        if (o.state !== 'complete') {
          if (this.s.stop.run(o.state, o.error, t, o.durationMs, o.trialId, runId).changes !== 1) missed.push(o.trialId);
          continue;
        }
        const r = o.result;
        if (this.s.complete.run(num(r.objective), r.note ?? null, t, r.duration_ms, o.trialId, runId).changes !== 1) {
          missed.push(o.trialId);
          continue;
        }
        for (const e of r.epochs) this.s.insertEpoch.run(o.trialId, e.epoch, num(e.train_loss), num(e.val_loss), num(e.val_accuracy), e.lr);
      }
      return missed;
    });
  }

  releaseRun(runId: number): number {
    return this.write(() => this.s.release.run(now(), runId).changes);
  }

  counts(sweepId: number): StateCounts {
    const counts = Object.fromEntries(TRIAL_STATES.map((s) => [s, 0])) as StateCounts;
    for (const row of this.s.counts.all(sweepId) as { state: TrialState; n: number }[]) counts[row.state] = row.n;
    return counts;
  }

  trials(sweepId: number, state?: TrialState): TrialRecord[] {
    return (state ? this.s.trialsIn.all(sweepId, state) : this.s.trials.all(sweepId)) as TrialRecord[];
  }

  trial(sweepId: number, trialId: number): TrialRecord | null {
    return (this.s.trial.get(sweepId, trialId) as TrialRecord | undefined) ?? null;
  }

  epochs(trialId: number): EpochMetrics[] {
    return this.s.epochs.all(trialId) as EpochMetrics[];
  }

  bestConfigs(sweepId: number, top: number): RankedConfig[] {
    const sweep = this.db.prepare('SELECT name FROM sweeps WHERE id = ?').get(sweepId) as { name: string } | undefined;
    if (!sweep) return [];
    const rows = this.s.best.all(sweep.name, top) as Omit<RankedConfig, 'std'>[];
    return rows.map((r) => {
      const xs = (this.s.objectives.all(sweepId, r.config_hash) as { objective: number }[]).map((o) => o.objective);
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const std = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : null;
      return { ...r, std };
    });
  }
}
