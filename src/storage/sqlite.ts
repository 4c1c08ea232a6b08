// The SQLite storage (better-sqlite3 12.x; 13.x crashes on Node 20). WAL mode so readers never
// block the run; every write is a BEGIN IMMEDIATE transaction (a deferred read-then-write
// transaction can fail with SQLITE_BUSY under concurrency even with a busy timeout).
// better-sqlite3 is synchronous: the async methods do their work at once and resolve. One machine
// uses the file, and it has no trial queue (a run claims waiting trials itself).

import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { CLI } from '../core/cli-name.js';
import { UsageError } from '../core/errors.js';
import { isSqliteFile } from '../io/output.js';
import { emptyCounts, FINAL_STATES, type MetricPoint, type StateCounts, type TrialState } from '../core/trial.js';
import {
  checkImportable, groupPoints, HISTORY_COLUMNS, jsonText as json, latestPoints, numberingConflict, rankedOf, real, runOf, staleOf, sweepOf, TRIAL_COLUMNS as COLUMNS,
  trialOf, trialsByNumber, type MetricRow, type RankedConfigRow, type RunRow, type SweepRow, type TrialRow,
} from './rows.js';
import { foreignTables, migrate, schemaVersion, SCHEMA_VERSION } from './schema.js';
import {
  EmptyStoreError, SchemaError, SQLITE_CAPABILITIES, StorageError,
  type AttemptPoint, type ImportedTrial, type NewSweep, type NewTrial, type ProcessRecord, type RankedConfig, type RunInfo, type RecoverOptions, type Recovered,
  type RunRecord, type Storage, type SweepDeletion, type SweepRecord, type TrialBatch, type TrialFilter, type TrialQueue, type TrialRecord,
} from './types.js';
import { checkPage } from './page.js';

const now = () => new Date().toISOString();

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Errors of the file or the disk underneath, as one line naming the database and the cause. */
const IO_CODES = /^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|CORRUPT|NOTADB|PERM|AUTH)/;

function storageError(where: string, e: unknown): unknown {
  const code = (e as { code?: string }).code;
  if (typeof code === 'string' && IO_CODES.test(code)) return new StorageError(`${where}: ${(e as Error).message} (${code})`);
  return e;
}

export interface OpenOptions {
  /** read: status, best, ...: the file must exist; nothing is created. write: run, created when missing. */
  mode: 'read' | 'write';
}

/** Opens (or, for writing, creates) an lrsweep SQLite database. User mistakes are UsageErrors naming the file. */
export function openSqlite(path: string, options: OpenOptions): SqliteStorage {
  const where = path;
  const exists = existsSync(path);
  if (options.mode === 'read' && !exists) {
    throw new UsageError(`--db: no database at ${JSON.stringify(path)}: run \`${CLI} run SWEEP_FILE\` first, or pass --db PATH`);
  }
  if (exists && statSync(path).isDirectory()) throw new UsageError(`--db: ${JSON.stringify(path)} is a directory, not a database file`);
  if (exists && statSync(path).size > 0 && !isSqliteFile(path)) {
    throw new UsageError(`--db: ${JSON.stringify(path)} is not a SQLite database (its first bytes are not SQLite's header)`);
  }
  if (options.mode === 'write') {
    const dir = dirname(resolve(path));
    if (!existsSync(dir)) throw new UsageError(`--db: the directory ${JSON.stringify(dir)} does not exist`);
    // Checked before opening: SQLite would create -wal and -shm files and then fail on the first write.
    if (exists && !writable(path)) throw new UsageError(`--db: ${JSON.stringify(path)} is read-only; a run needs to write it (copy it, or pass another --db)`);
    if (!writable(dir)) throw new UsageError(`--db: the directory ${JSON.stringify(dir)} is read-only; a run needs to write the database and its journal there`);
  }
  // Readers: a file we may write is opened as usual but with query_only set (SQLite refuses any
  // write), so closing it removes the -wal and -shm files as a writer's close does; a file we may
  // not write (a read-only file, or a read-only file system) is read from a copy in memory, which
  // needs no side files at all (a read-only SQLite connection would leave -wal and -shm behind,
  // or fail on a read-only file system).
  const canWrite = exists && writable(path) && writable(dirname(resolve(path)));
  let db: Database.Database;
  try {
    db = options.mode === 'write' || canWrite ? openForWriting(path, options.mode === 'write') : inMemoryCopy(path);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`--db: cannot open ${JSON.stringify(path)} as a SQLite database: ${(e as Error).message}`);
  }
  try {
    const foreign = foreignTables(db);
    if (foreign.length > 0) {
      throw new SchemaError(`--db: ${JSON.stringify(path)} is a SQLite database but not an lrsweep one (it has ${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', ...' : ''}); pass another --db`);
    }
    const version = schemaVersion(db);
    if (options.mode === 'read' && version === 0) throw new EmptyStoreError(path);
    if (version > SCHEMA_VERSION) throw new SchemaError(`--db: ${path} has schema version ${version}, newer than this lrsweep's ${SCHEMA_VERSION}: upgrade lrsweep`);
    // An older file is brought up to date once (what any newer lrsweep does), or, when we may not
    // write it, its copy in memory is.
    if (version < SCHEMA_VERSION) migrate(db, where);
    if (options.mode === 'read') db.pragma('query_only = ON');
  } catch (e) {
    if (db.open) db.close();
    throw storageError(where, e);
  }
  return new SqliteStorage(db, where);
}

function openForWriting(path: string, setWal: boolean): Database.Database {
  const db = new Database(path);
  db.pragma('busy_timeout = 10000');
  if (setWal) db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  return db;
}

/** The database file read into memory (header set to rollback-journal mode, which memory needs). */
function inMemoryCopy(path: string): Database.Database {
  const bytes = readFileSync(path);
  bytes[18] = 1; // file format write version: 1 = legacy journal (2 = WAL)
  bytes[19] = 1; // read version
  return new Database(bytes);
}

const TRIAL_COLUMNS = COLUMNS.join(', ');

const HELD = "state IN ('queued', 'running')";
const FINAL = new Set<TrialState>(FINAL_STATES);
const CLAIM_SET = "state = 'queued', run_id = @run, attempts = attempts + 1, error = NULL, started_at = NULL, finished_at = NULL, duration_ms = NULL";

/**
 * The statements the run loop runs per trial, as the code runs them (test/storage/plans.test.ts
 * checks their query plans). Each starts at the rows it returns: the partial indexes on waiting
 * trials (schema version 4), so that its cost does not grow with the sweep's finished trials.
 */
export const SQLITE_CLAIMS = {
  // The first waiting trials, in claim order (index trials_waiting).
  claim: `UPDATE trials SET ${CLAIM_SET}
          WHERE id IN (SELECT id FROM trials WHERE sweep_id = @sweep AND state = 'waiting' ORDER BY claim_order, number LIMIT @limit)
          RETURNING ${TRIAL_COLUMNS}`,
  // A cohort: waiting trials with the seed of the first waiting one (common random numbers). The
  // first one's seed comes from trials_waiting, then trials_waiting_seed walks that seed's waiting
  // trials only (with a seed per config, filtering the waiting index visited every waiting trial).
  claimSameSeed: `UPDATE trials SET ${CLAIM_SET}
          WHERE id IN (SELECT id FROM trials WHERE sweep_id = @sweep AND state = 'waiting'
                         AND seed = (SELECT seed FROM trials WHERE sweep_id = @sweep AND state = 'waiting' ORDER BY claim_order, number LIMIT 1)
                       ORDER BY claim_order, number LIMIT @limit)
          RETURNING ${TRIAL_COLUMNS}`,
  // The best complete trial's objective: one probe of trials_complete at either end.
  bestMin: "SELECT MIN(objective) AS v FROM trials WHERE sweep_id = @sweep AND state = 'complete'",
  bestMax: "SELECT MAX(objective) AS v FROM trials WHERE sweep_id = @sweep AND state = 'complete'",
} as const;

export class SqliteStorage implements Storage {
  readonly capabilities = SQLITE_CAPABILITIES;
  private readonly s;

  constructor(readonly db: Database.Database, readonly where: string) {
    const p = (sql: string) => db.prepare(sql);
    this.s = {
      sweep: p('SELECT * FROM sweeps WHERE name = ?'),
      sweeps: p('SELECT * FROM sweeps ORDER BY id'),
      goal: p('SELECT goal FROM sweeps WHERE id = ?'),
      insertSweep: p(`INSERT INTO sweeps (name, definition, file, metric, goal, steps, trainer_hash)
                      VALUES (@name, @definition, @file, @metric, @goal, @steps, @trainerHash) RETURNING *`),
      updateSweep: p("UPDATE sweeps SET definition = ?, file = ?, steps = ?, trainer_hash = ?, status = 'active', updated_at = ? WHERE id = ?"),
      sweepStatus: p('UPDATE sweeps SET status = ?, updated_at = ? WHERE id = ?'),
      sweepStatusOf: p('SELECT status FROM sweeps WHERE id = ?'),
      history: p(`SELECT ${HISTORY_COLUMNS} FROM trials WHERE sweep_id = ? ORDER BY number`),
      trialsAfter: p(`SELECT ${TRIAL_COLUMNS} FROM trials WHERE sweep_id = ? AND number > ? ORDER BY number`),
      // Numbers go on from the highest the sweep has given (a removed trial's number included).
      lastNumber: p('SELECT MAX(last_number, (SELECT COALESCE(MAX(number), 0) FROM trials WHERE sweep_id = @sweep)) AS n FROM sweeps WHERE id = @sweep'),
      setLastNumber: p('UPDATE sweeps SET last_number = MAX(last_number, ?) WHERE id = ?'),
      // A trial removeTrials may remove: not final, and not held by a running run.
      removable: p(`SELECT id FROM trials WHERE sweep_id = @sweep AND id IN (SELECT value FROM json_each(@ids))
                      AND state NOT IN ('complete', 'diverged', 'pruned')
                      AND NOT (${HELD} AND run_id IN (SELECT id FROM runs WHERE status = 'running'))`),
      dropTrialMetrics: p('DELETE FROM metrics WHERE trial_id IN (SELECT value FROM json_each(?))'),
      dropTrials: p('DELETE FROM trials WHERE id IN (SELECT value FROM json_each(?))'),
      deleteSweepMetrics: p('DELETE FROM metrics WHERE trial_id IN (SELECT id FROM trials WHERE sweep_id = ?)'),
      deleteSweepTrials: p('DELETE FROM trials WHERE sweep_id = ?'),
      deleteSweepRuns: p('DELETE FROM runs WHERE sweep_id = ?'),
      deleteSweep: p('DELETE FROM sweeps WHERE id = ?'),
      insertTrial: p(`INSERT INTO trials (sweep_id, number, config_hash, repeat, params, seed, origin) VALUES (?, ?, ?, ?, ?, ?, ?)
                      ON CONFLICT (sweep_id, config_hash, repeat) DO NOTHING`),
      insertRun: p('INSERT INTO runs (sweep_id, pid, host, workers, backend) VALUES (?, ?, ?, ?, ?)'),
      heartbeat: p("UPDATE runs SET heartbeat_at = ? WHERE id = ? AND status = 'running'"),
      endRun: p("UPDATE runs SET status = ?, ended_at = ?, heartbeat_at = ? WHERE id = ? AND status = 'running'"),
      runs: p('SELECT * FROM runs WHERE sweep_id = ? ORDER BY id'),
      openRuns: p("SELECT * FROM runs WHERE sweep_id = ? AND status = 'running'"),
      markRunDead: p("UPDATE runs SET status = 'failed', ended_at = ? WHERE id = ?"),
      // Trials still held by a run that has ended (it died, or could not record their end).
      heldProcesses: p(`SELECT run_id, process FROM trials WHERE sweep_id = ? AND ${HELD} AND process IS NOT NULL`),
      staleProcesses: p(`SELECT t.process FROM trials t JOIN runs r ON r.id = t.run_id
                         WHERE t.sweep_id = ? AND t.${HELD} AND r.status <> 'running' AND t.process IS NOT NULL`),
      requeueStale: p(`UPDATE trials SET state = 'waiting', run_id = NULL, process = NULL, lost = 0
                       WHERE sweep_id = ? AND ${HELD} AND run_id IN (SELECT id FROM runs WHERE status <> 'running')`),
      requeueStopped: p("UPDATE trials SET state = 'waiting', run_id = NULL, lost = 0 WHERE sweep_id = ? AND state IN ('failed', 'interrupted')"),
      // Workers: a stale trial counts a lost attempt, and after @max of them fails with the reason.
      giveUpStale: p(`UPDATE trials SET state = 'failed', run_id = NULL, process = NULL, lost = lost + 1, finished_at = @now,
                       error = 'gave up: its worker was lost ' || (lost + 1) || ' times (no heartbeat, or its process died); running the sweep again retries it'
                      WHERE sweep_id = @sweep AND state = 'running' AND run_id IN (SELECT id FROM runs WHERE status <> 'running') AND lost + 1 >= @max`),
      requeueLost: p(`UPDATE trials SET state = 'waiting', run_id = NULL, process = NULL, lost = lost + (state = 'running')
                       WHERE sweep_id = ? AND ${HELD} AND run_id IN (SELECT id FROM runs WHERE status <> 'running')`),
      claimIds: p(`UPDATE trials SET state = 'queued', run_id = @run, attempts = attempts + 1, error = NULL, started_at = NULL, finished_at = NULL, duration_ms = NULL
                WHERE sweep_id = @sweep AND id IN (SELECT value FROM json_each(@ids)) AND state IN ('waiting', 'interrupted')
                  AND EXISTS (SELECT 1 FROM runs WHERE id = @run AND status = 'running')
                RETURNING ${TRIAL_COLUMNS}`),
      // prioritiseTrials: the lowest claim order a waiting trial has (one probe of trials_waiting), then each trial moved.
      lowestWaiting: p("SELECT MIN(claim_order) AS v FROM trials WHERE sweep_id = @sweep AND state = 'waiting'"),
      prioritise: p("UPDATE trials SET claim_order = @order WHERE id = @id AND sweep_id = @sweep AND state = 'waiting'"),
      claim: p(SQLITE_CLAIMS.claim),
      claimSameSeed: p(SQLITE_CLAIMS.claimSameSeed),
      bestMin: p(SQLITE_CLAIMS.bestMin),
      bestMax: p(SQLITE_CLAIMS.bestMax),
      start: p(`UPDATE trials SET state = 'running', started_at = ?, provenance = ?, process = ? WHERE id = ? AND run_id = ? AND state = 'queued'`),
      held: p(`SELECT attempts FROM trials WHERE id = ? AND run_id = ? AND ${HELD}`),
      insertMetric: p('INSERT OR REPLACE INTO metrics (trial_id, attempt, seq, epoch, step, name, value) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      finish: p(`UPDATE trials SET state = ?, objective = ?, error = ?, finished_at = ?, duration_ms = ?, process = NULL
                 WHERE id = ? AND run_id = ? AND ${HELD}`),
      unqueue: p("UPDATE trials SET state = 'waiting', run_id = NULL, attempts = attempts - 1 WHERE run_id = ? AND state = 'queued'"),
      release: p("UPDATE trials SET state = 'interrupted', error = 'interrupted: the run was stopped', finished_at = ?, process = NULL WHERE run_id = ? AND state = 'running'"),
      counts: p('SELECT state, COUNT(*) AS n FROM trials WHERE sweep_id = ? GROUP BY state'),
      trial: p(`SELECT ${TRIAL_COLUMNS} FROM trials WHERE sweep_id = ? AND number = ?`),
      points: p(`SELECT m.trial_id, m.attempt, m.seq, m.epoch, m.step, m.name, m.value FROM metrics m
                 JOIN trials t ON t.id = m.trial_id AND m.attempt = t.attempts
                 WHERE m.trial_id IN (SELECT value FROM json_each(?)) ORDER BY m.trial_id, m.seq`),
      best: p(`SELECT rank, config_hash, params, mean_objective, repeats, best_trial_id, best_trial
               FROM ranked_configs WHERE sweep_id = ? ORDER BY rank, config_hash LIMIT ?`),
      objectives: p("SELECT objective FROM trials WHERE sweep_id = ? AND config_hash = ? AND state = 'complete' AND objective IS NOT NULL"),
      // Import (copy only).
      importSweep: p(`INSERT INTO sweeps (name, definition, file, metric, goal, steps, trainer_hash, status, created_at, updated_at)
                      VALUES (@name, @definition, @file, @metric, @goal, @steps, @trainerHash, @status, @createdAt, @updatedAt) RETURNING *`),
      trialByKey: p('SELECT id, number, state FROM trials WHERE sweep_id = ? AND config_hash = ? AND repeat = ?'),
      trialByNumber: p('SELECT config_hash, repeat FROM trials WHERE sweep_id = ? AND number = ?'),
      importTrial: p(`INSERT INTO trials (sweep_id, number, config_hash, repeat, params, seed, state, objective, attempts, error,
                                          created_at, started_at, finished_at, duration_ms, provenance, origin)
                      VALUES (@sweepId, @number, @configHash, @repeat, @params, @seed, @state, @objective, @attempts, @error,
                              @createdAt, @startedAt, @finishedAt, @durationMs, @provenance, @origin)`),
      replaceTrial: p(`UPDATE trials SET state = @state, objective = @objective, attempts = @attempts, error = @error, created_at = @createdAt,
                              started_at = @startedAt, finished_at = @finishedAt, duration_ms = @durationMs, provenance = @provenance,
                              run_id = NULL, process = NULL
                       WHERE id = @id AND state IN ('waiting', 'failed', 'interrupted')`),
      dropMetrics: p('DELETE FROM metrics WHERE trial_id = ?'),
      attemptPoints: p(`SELECT trial_id, attempt, seq, epoch, step, name, value FROM metrics
                        WHERE trial_id IN (SELECT value FROM json_each(?)) ORDER BY trial_id, attempt, seq, name`),
    };
  }

  async close(): Promise<void> {
    this.db.close();
  }

  async openQueue(): Promise<TrialQueue> {
    throw new UsageError(`--db: ${JSON.stringify(this.where)} is a SQLite file, which has no trial queue: a run there claims its trials itself`);
  }

  async dropQueue(): Promise<null> {
    return null;
  }

  /**
   * A write transaction that takes the lock up front; disk and file errors become StorageErrors.
   * On a full disk the write-ahead log is folded into the database and truncated first, once: that
   * frees the log's space, often enough to record that trials were interrupted.
   */
  private write<T>(fn: () => T): T {
    try {
      return this.db.transaction(fn).immediate();
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_FULL') {
        try {
          this.db.pragma('wal_checkpoint(TRUNCATE)');
          return this.db.transaction(fn).immediate();
        } catch {
          // still full: report the first error
        }
      }
      throw storageError(this.where, e);
    }
  }

  private read<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw storageError(this.where, e);
    }
  }

  async getSweep(name: string): Promise<SweepRecord | null> {
    const row = this.read(() => this.s.sweep.get(name) as SweepRow | undefined);
    return row ? sweepOf(row) : null;
  }

  async listSweeps(): Promise<SweepRecord[]> {
    return this.read(() => (this.s.sweeps.all() as SweepRow[]).map(sweepOf));
  }

  async createSweep(s: NewSweep): Promise<SweepRecord> {
    return sweepOf(this.write(() => this.s.insertSweep.get({ ...s, definition: JSON.stringify(s.definition) }) as SweepRow));
  }

  async updateSweep(sweepId: number, s: Pick<NewSweep, 'definition' | 'file' | 'steps' | 'trainerHash'>): Promise<void> {
    this.write(() => this.s.updateSweep.run(JSON.stringify(s.definition), s.file, s.steps, s.trainerHash, now(), sweepId));
  }

  async setSweepStatus(sweepId: number, status: SweepRecord['status']): Promise<void> {
    this.write(() => this.s.sweepStatus.run(status, now(), sweepId));
  }

  async addTrials(sweepId: number, trials: NewTrial[]): Promise<number> {
    return this.write(() => this.insertTrials(sweepId, trials).added);
  }

  /** Inside a write: inserts the trials the sweep lacks, numbered after its highest number; returns how many and the number before them. */
  private insertTrials(sweepId: number, trials: NewTrial[]): { added: number; after: number } {
    const after = (this.s.lastNumber.get({ sweep: sweepId }) as { n: number }).n;
    let number = after;
    for (const t of trials) {
      if (this.s.insertTrial.run(sweepId, number + 1, t.configHash, t.repeat, JSON.stringify(t.params), t.seed, t.origin ?? 'plan').changes === 1) number++;
    }
    if (number > after) this.s.setLastNumber.run(number, sweepId);
    return { added: number - after, after };
  }

  async askTrials(sweepId: number, suggest: (trials: TrialRecord[]) => NewTrial[]): Promise<TrialRecord[]> {
    // The write lock (BEGIN IMMEDIATE) is the sweep's lock: one ask at a time, over the history as it is.
    return this.write(() => {
      const status = this.s.sweepStatusOf.get(sweepId) as { status: string } | undefined;
      if (!status || status.status === 'cancelled') return [];
      const history = (this.s.history.all(sweepId) as TrialRow[]).map(trialOf);
      const { added, after } = this.insertTrials(sweepId, suggest(history));
      return added === 0 ? [] : (this.s.trialsAfter.all(sweepId, after) as TrialRow[]).map(trialOf);
    });
  }

  async removeTrials(sweepId: number, trialIds: number[]): Promise<number> {
    if (trialIds.length === 0) return 0;
    return this.write(() => {
      const ids = JSON.stringify((this.s.removable.all({ sweep: sweepId, ids: JSON.stringify(trialIds) }) as { id: number }[]).map((r) => r.id));
      this.s.setLastNumber.run((this.s.lastNumber.get({ sweep: sweepId }) as { n: number }).n, sweepId);
      this.s.dropTrialMetrics.run(ids);
      return this.s.dropTrials.run(ids).changes;
    });
  }

  async deleteSweep(sweepId: number, isRunAlive: (run: RunRecord) => boolean): Promise<SweepDeletion> {
    return this.write(() => {
      const live = (this.s.openRuns.all(sweepId) as RunRow[]).map(runOf).filter(isRunAlive);
      if (live.length > 0) return { deleted: false, live };
      this.s.deleteSweepMetrics.run(sweepId);
      const trials = this.s.deleteSweepTrials.run(sweepId).changes;
      this.s.deleteSweepRuns.run(sweepId);
      this.s.deleteSweep.run(sweepId);
      return { deleted: true, trials };
    });
  }

  async beginRun(sweepId: number, info: RunInfo): Promise<number> {
    return this.write(() => Number(this.s.insertRun.run(sweepId, info.pid, info.host, info.workers, info.backend).lastInsertRowid));
  }

  async heartbeat(runId: number): Promise<boolean> {
    return this.write(() => this.s.heartbeat.run(now(), runId).changes === 1);
  }

  async endRun(runId: number, status: 'finished' | 'interrupted' | 'failed'): Promise<void> {
    const t = now();
    this.write(() => this.s.endRun.run(status, t, t, runId));
  }

  async runs(sweepId: number): Promise<RunRecord[]> {
    return this.read(() => (this.s.runs.all(sweepId) as RunRow[]).map(runOf));
  }

  async staleProcesses(sweepId: number, isRunAlive: (run: RunRecord) => boolean): Promise<ProcessRecord[]> {
    const held = this.read(() => this.s.heldProcesses.all(sweepId) as { run_id: number; process: string }[]);
    return held.length === 0 ? [] : staleOf(held, await this.runs(sweepId), isRunAlive);
  }

  async recoverTrials(sweepId: number, isRunAlive: (run: RunRecord) => boolean, options: RecoverOptions = {}): Promise<Recovered> {
    return this.write(() => {
      for (const run of (this.s.openRuns.all(sweepId) as RunRow[]).map(runOf)) {
        if (!isRunAlive(run)) this.s.markRunDead.run(now(), run.id);
      }
      const processes = (this.s.staleProcesses.all(sweepId) as { process: string }[]).map((r) => JSON.parse(r.process) as ProcessRecord);
      if (options.staleOnly) {
        const gaveUp = options.maxLost ? this.s.giveUpStale.run({ sweep: sweepId, max: options.maxLost, now: now() }).changes : 0;
        return { requeued: this.s.requeueLost.run(sweepId).changes, gaveUp, processes };
      }
      const requeued = this.s.requeueStale.run(sweepId).changes;
      return { requeued: requeued + this.s.requeueStopped.run(sweepId).changes, gaveUp: 0, processes };
    });
  }

  async claimTrialIds(sweepId: number, runId: number, trialIds: number[]): Promise<TrialRecord[]> {
    if (trialIds.length === 0) return [];
    return trialsByNumber(this.write(() => this.s.claimIds.all({ run: runId, sweep: sweepId, ids: JSON.stringify(trialIds) }) as TrialRow[]));
  }

  async claimTrials(sweepId: number, runId: number, limit: number, options: { sameSeed?: boolean } = {}): Promise<TrialRecord[]> {
    const rows = this.write(() => (options.sameSeed ? this.s.claimSameSeed : this.s.claim).all({ run: runId, sweep: sweepId, limit }) as TrialRow[]);
    return trialsByNumber(rows);
  }

  async prioritiseTrials(sweepId: number, trialIds: number[]): Promise<number> {
    if (trialIds.length === 0) return 0;
    return this.write(() => {
      const ids = [...new Set(trialIds)];
      const lowest = (this.s.lowestWaiting.get({ sweep: sweepId }) as { v: number | null }).v ?? 0;
      const from = Math.min(lowest, 0) - ids.length;
      let moved = 0;
      ids.forEach((id, i) => { moved += this.s.prioritise.run({ order: from + i, id, sweep: sweepId }).changes; });
      return moved;
    });
  }

  async commit(runId: number, batch: TrialBatch): Promise<number[]> {
    const t = now();
    return this.write(() => {
      const missed = new Set<number>();
      for (const s of batch.started ?? []) {
        if (this.s.start.run(t, json(s.provenance), json(s.process), s.trialId, runId).changes !== 1) missed.add(s.trialId);
      }
      const held = new Map<number, boolean>();
      for (const { trialId, attempt, seq, point } of batch.points ?? []) {
        let ok = held.get(trialId);
        if (ok === undefined) {
          const row = this.s.held.get(trialId, runId) as { attempts: number } | undefined;
          held.set(trialId, (ok = row !== undefined && row.attempts === attempt));
        }
        if (!ok) {
          missed.add(trialId);
          continue;
        }
        for (const [name, value] of Object.entries(point.values)) {
          this.s.insertMetric.run(trialId, attempt, seq, point.epoch, point.step, name, real(value));
        }
      }
      for (const o of batch.outcomes ?? []) {
        const [objective, text] = 'objective' in o ? [real(o.objective), o.note ?? null] : [null, o.error];
        if (this.s.finish.run(o.state, objective, text, t, o.durationMs, o.trialId, runId).changes !== 1) missed.add(o.trialId);
      }
      return [...missed];
    });
  }

  async releaseRun(runId: number): Promise<number> {
    return this.write(() => this.s.unqueue.run(runId).changes + this.s.release.run(now(), runId).changes);
  }

  async counts(sweepId: number): Promise<StateCounts> {
    const counts = emptyCounts();
    for (const row of this.read(() => this.s.counts.all(sweepId) as { state: TrialState; n: number }[])) counts[row.state] = row.n;
    return counts;
  }

  async trials(sweepId: number, filter: TrialFilter = {}): Promise<TrialRecord[]> {
    const { limit, offset } = checkPage(filter);
    const where = ['sweep_id = ?'];
    const values: unknown[] = [sweepId];
    if (filter.state) {
      where.push('state = ?');
      values.push(filter.state);
    }
    if (filter.numbers) {
      where.push('number IN (SELECT value FROM json_each(?))');
      values.push(JSON.stringify(filter.numbers));
    }
    // SQLite's OFFSET needs a LIMIT; -1 is none.
    const page = limit !== null || offset > 0 ? ' LIMIT ? OFFSET ?' : '';
    if (page) values.push(limit ?? -1, offset);
    const sql = `SELECT ${TRIAL_COLUMNS} FROM trials WHERE ${where.join(' AND ')} ORDER BY number${page}`;
    return this.read(() => (this.statement(sql).all(...values) as TrialRow[]).map(trialOf));
  }

  /** A prepared statement for SQL built from a filter's shape (a few shapes, each prepared once). */
  private statement(sql: string): Database.Statement {
    let st = this.shaped.get(sql);
    if (!st) this.shaped.set(sql, (st = this.db.prepare(sql)));
    return st;
  }

  private readonly shaped = new Map<string, Database.Statement>();

  async bestTrialObjective(sweepId: number): Promise<number | null> {
    return this.read(() => {
      const sweep = this.s.goal.get(sweepId) as { goal: string } | undefined;
      const st = sweep?.goal === 'maximize' ? this.s.bestMax : this.s.bestMin;
      return (st.get({ sweep: sweepId }) as { v: number | null }).v;
    });
  }

  async trial(sweepId: number, number: number): Promise<TrialRecord | null> {
    const row = this.read(() => this.s.trial.get(sweepId, number) as TrialRow | undefined);
    return row ? trialOf(row) : null;
  }

  async points(trialIds: number[]): Promise<Map<number, MetricPoint[]>> {
    return latestPoints(trialIds, this.read(() => this.s.points.all(JSON.stringify(trialIds)) as MetricRow[]));
  }

  async bestConfigs(sweepId: number, top: number): Promise<RankedConfig[]> {
    return this.read(() => {
      const rows = this.s.best.all(sweepId, top) as RankedConfigRow[];
      return rows.map((r) => rankedOf(r, (this.s.objectives.all(sweepId, r.config_hash) as { objective: number }[]).map((o) => o.objective)));
    });
  }

  async importSweep(s: Omit<SweepRecord, 'id'>): Promise<SweepRecord> {
    return sweepOf(this.write(() => this.s.importSweep.get({ ...s, definition: JSON.stringify(s.definition) }) as SweepRow));
  }

  async importTrials(sweepId: number, trials: ImportedTrial[]): Promise<{ added: number; replaced: number }> {
    return this.write(() => {
      let added = 0;
      let replaced = 0;
      checkImportable(trials);
      for (const t of trials) {
        const row = {
          sweepId, number: t.number, configHash: t.configHash, repeat: t.repeat, params: JSON.stringify(t.params), seed: t.seed, state: t.state,
          objective: real(t.objective), attempts: t.attempts, error: t.error, createdAt: t.createdAt, startedAt: t.startedAt,
          finishedAt: t.finishedAt, durationMs: t.durationMs, provenance: json(t.provenance), origin: t.origin ?? 'plan',
        };
        const here = this.s.trialByKey.get(sweepId, t.configHash, t.repeat) as { id: number; number: number; state: TrialState } | undefined;
        let id: number;
        if (!here) {
          const other = this.s.trialByNumber.get(sweepId, t.number) as { config_hash: string; repeat: number } | undefined;
          if (other) throw numberingConflict(this.where, t, other.config_hash, other.repeat);
          id = Number(this.s.importTrial.run(row).lastInsertRowid);
          added++;
        } else {
          if (here.number !== t.number) throw numberingConflict(this.where, t, t.configHash, t.repeat, here.number);
          if (!FINAL.has(t.state) || this.s.replaceTrial.run({ ...row, id: here.id }).changes !== 1) continue;
          this.s.dropMetrics.run(here.id);
          id = here.id;
          replaced++;
        }
        for (const p of t.points) {
          for (const [name, value] of Object.entries(p.point.values)) {
            this.s.insertMetric.run(id, p.attempt, p.seq, p.point.epoch, p.point.step, name, real(value));
          }
        }
      }
      if (added > 0) this.s.setLastNumber.run((this.s.lastNumber.get({ sweep: sweepId }) as { n: number }).n, sweepId);
      return { added, replaced };
    });
  }

  async attemptPoints(trialIds: number[]): Promise<Map<number, AttemptPoint[]>> {
    const rows = this.read(() => this.s.attemptPoints.all(JSON.stringify(trialIds)) as MetricRow[]);
    return groupPoints(trialIds, rows);
  }
}
