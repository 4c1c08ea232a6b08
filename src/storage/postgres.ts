// The PostgreSQL storage (pg 8.x): the contract of types.ts on a server that several runs on
// several machines share. Concurrency is row-level: a claim is one UPDATE over
// `FOR UPDATE SKIP LOCKED` rows, so claimers never wait for each other nor take the same trial;
// addTrials, askTrials and importTrials lock the sweep's row, so two runs registering one sweep
// number its trials 1..n once, and two workers asking an adaptive sampler at once take turns; a
// commit is one statement that locks the trials the run holds and writes only for those, so a
// write for a trial the run no longer holds is dropped and reported.
// Batches go as arrays (unnest): one round trip per commit whatever its size. A statement or
// transaction that deadlocks (PostgreSQL aborts one side) is retried.
//
// Connections come from a small pg.Pool, plus one connection for claims and heartbeats whose
// commits do not wait for the disk (see fastWrite); each starts with search_path set to the URL's
// schema (and, for readers, default_transaction_read_only). Numbers: bigint columns read as JS
// numbers (ids and counts stay far below 2^53); double precision keeps NaN and infinities. Rows
// come in the shape rows.ts maps for both backends: json columns as their text, times as ISO text.
// Shared by machines, with a trial queue (postgres-queue.ts: pg-boss, loaded when the queue is opened).

import pg from 'pg';
import type { PoolClient, QueryResultRow } from 'pg';
import { UsageError } from '../core/errors.js';
import { emptyCounts, FINAL_STATES, type MetricPoint, type StateCounts, type TrialState } from '../core/trial.js';
import {
  checkImportable, groupPoints, HISTORY_COLUMNS, jsonText as json, latestPoints, numberingConflict, parseJson, rankedOf, real, runOf, staleOf, sweepOf, TRIAL_COLUMNS,
  trialOf, trialsByNumber, type MetricRow, type RankedConfigRow, type RunRow, type SweepRow, type TrialRow,
} from './rows.js';
import { foreignSchema, migratePg, needsMigration, newerSchema, pgSchemaVersion, PG_SCHEMA_VERSION, tablesIn } from './postgres-schema.js';
import { missingPasswordMessage, parsePgUrl, type PgTarget } from './postgres-url.js';
import { inTransaction } from './postgres-transaction.js';
import {
  EmptyStoreError, POSTGRES_CAPABILITIES, StorageError,
  type AttemptPoint, type ImportedTrial, type NewSweep, type NewTrial, type ProcessRecord, type RankedConfig, type RunInfo,
  type RecoverOptions, type Recovered, type RunRecord, type Storage, type SweepDeletion, type SweepRecord, type TrialBatch,
  type TrialFilter, type TrialQueue, type TrialRecord,
} from './types.js';
import { checkPage } from './page.js';

/**
 * int8 (bigint: ids, counts, seeds, steps) as numbers rather than pg's default strings; json as
 * its text and timestamptz as ISO text (rows.ts decodes both backends' rows alike).
 */
const parseTime = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ);
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === pg.types.builtins.INT8) return (v: string) => Number(v);
    if (oid === pg.types.builtins.JSON) return (v: string) => v;
    if (oid === pg.types.builtins.TIMESTAMPTZ) return (v: string) => (parseTime(v) as Date).toISOString();
    return pg.types.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

/** Pool size: the run loop's claims, commits and heartbeats overlap; more buys nothing. */
const POOL_MAX = 4;
const CONNECT_TIMEOUT_MS = 10_000;
/** Deadlock and serialization failures: PostgreSQL aborted this side, the transaction can simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const RETRIES = 5;
/** Points per INSERT when importing (a big copy goes in slices). */
const IMPORT_SLICE = 5_000;


// ---- errors -------------------------------------------------------------------------------------

const NETWORK_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused', ECONNRESET: 'connection reset', ETIMEDOUT: 'connection timed out', EPIPE: 'connection closed',
  EHOSTUNREACH: 'host unreachable', ENETUNREACH: 'network unreachable', ENOTFOUND: 'host not found', EAI_AGAIN: 'host not found (DNS)',
};

/** SQLSTATE classes of the server or the connection failing underneath us: connection, resources, operator, system. */
const STORAGE_CLASSES = /^(08|53|57|58|XX)/;

function codeOf(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' ? code : '';
}

/** What went wrong, in one line, with the password scrubbed should a driver message ever carry it. */
function causeOf(t: PgTarget, e: unknown): string {
  const code = codeOf(e);
  let cause = NETWORK_CAUSES[code] ?? (e instanceof Error ? e.message : String(e));
  cause = cause.split('\n')[0];
  if (t.password.length >= 4) cause = cause.split(t.password).join('***');
  return cause;
}

function isStorageFailure(e: unknown): boolean {
  const code = codeOf(e);
  if (code in NETWORK_CAUSES || STORAGE_CLASSES.test(code)) return true;
  // pg's own errors for a connection that broke carry no code.
  return !code && /connection|terminated|timeout|not queryable/i.test(e instanceof Error ? e.message : '');
}

/** A failure while opening: a bad login, host or database name is the user's to fix; a server that fails is a StorageError. */
function openError(t: PgTarget, e: unknown): unknown {
  if (e instanceof UsageError) return e;
  const noPassword = missingPasswordMessage(t.where, e);
  if (noPassword) return new UsageError(noPassword);
  const code = codeOf(e);
  const message = `--db ${t.where}: ${causeOf(t, e)}`;
  if (code.startsWith('28') || code === '3D000' || code === 'ENOTFOUND' || code === '42501') return new UsageError(message);
  return isStorageFailure(e) ? new StorageError(message) : e;
}

const trialColumns = (alias = '') => TRIAL_COLUMNS.map((c) => `${alias}${c}`).join(', ');

// ---- statements ---------------------------------------------------------------------------------

const HELD = "state IN ('queued', 'running')";
/** A run's heartbeat age by the server's clock (hosts' clocks may differ). */
const RUN_AGE = '(EXTRACT(EPOCH FROM (now() - heartbeat_at)) * 1000)::float8 AS heartbeat_age_ms';
const FINAL = new Set<TrialState>(FINAL_STATES);
const CLAIM_SET = "state = 'queued', run_id = $2, attempts = t.attempts + 1, error = NULL, started_at = NULL, finished_at = NULL, duration_ms = NULL";
/** Metric rows as arrays, one element a row. */
const METRIC_ARRAYS = 'unnest($1::bigint[], $2::int[], $3::int[], $4::bigint[], $5::bigint[], $6::text[], $7::float8[]) AS u(trial_id, attempt, seq, epoch, step, name, value)';

/**
 * The statements the run loop runs per trial, as the code runs them (test/storage/plans.test.ts
 * checks their plans): each starts at the rows it returns, so that its cost does not grow with the
 * sweep's finished trials. Claims skip rows another claimer has locked this instant.
 */
export const PG_CLAIMS = {
  // The first waiting trials in claim order (index trials_waiting).
  claim: `UPDATE trials t SET ${CLAIM_SET}
          FROM (SELECT id FROM trials WHERE sweep_id = $1 AND state = 'waiting' ORDER BY claim_order, number LIMIT $3 FOR UPDATE SKIP LOCKED) c
          WHERE t.id = c.id RETURNING ${trialColumns('t.')}`,
  // A cohort: waiting trials with the seed of the first waiting one (common random numbers): that
  // seed from trials_waiting, then that seed's waiting trials from trials_waiting_seed (filtering
  // trials_waiting by seed visited every waiting trial when each config has its own seed).
  claimSameSeed: `UPDATE trials t SET ${CLAIM_SET}
          FROM (SELECT id FROM trials WHERE sweep_id = $1 AND state = 'waiting'
                AND seed = (SELECT seed FROM trials WHERE sweep_id = $1 AND state = 'waiting' ORDER BY claim_order, number LIMIT 1 FOR UPDATE SKIP LOCKED)
                ORDER BY claim_order, number LIMIT $3 FOR UPDATE SKIP LOCKED) c
          WHERE t.id = c.id RETURNING ${trialColumns('t.')}`,
  // The best complete trial's objective by the sweep's goal: one probe of trials_complete at either end.
  bestTrial: `SELECT CASE WHEN s.goal = 'maximize'
                  THEN (SELECT MAX(objective) FROM trials WHERE sweep_id = $1 AND state = 'complete')
                  ELSE (SELECT MIN(objective) FROM trials WHERE sweep_id = $1 AND state = 'complete') END AS v
          FROM sweeps s WHERE s.id = $1`,
} as const;

const SQL = {
  // Each trial at its place in the list given, below the lowest claim order a waiting trial has (and 0).
  prioritise: `UPDATE trials t SET claim_order = u.o + (SELECT LEAST(COALESCE(MIN(claim_order), 0), 0) FROM trials WHERE sweep_id = $1 AND state = 'waiting')
          FROM unnest($2::bigint[], $3::int[]) AS u(id, o)
          WHERE t.id = u.id AND t.sweep_id = $1 AND t.state = 'waiting'`,
  ...PG_CLAIMS,
  // Numbered after the highest number the sweep has given, in the order given, only the trials not
  // there yet (the caller holds the sweep's row lock).
  addTrials: `WITH ins AS (
            INSERT INTO trials (sweep_id, number, config_hash, repeat, params, seed, origin)
            SELECT $1, last.n + ROW_NUMBER() OVER (ORDER BY u.ord), u.config_hash, u.repeat, u.params::json, u.seed, u.origin
            FROM unnest($2::text[], $3::int[], $4::text[], $5::bigint[], $6::text[]) WITH ORDINALITY AS u(config_hash, repeat, params, seed, origin, ord)
            CROSS JOIN (SELECT GREATEST(s.last_number, (SELECT COALESCE(MAX(number), 0) FROM trials WHERE sweep_id = $1)) AS n
                        FROM sweeps s WHERE s.id = $1) last
            WHERE NOT EXISTS (SELECT 1 FROM trials x WHERE x.sweep_id = $1 AND x.config_hash = u.config_hash AND x.repeat = u.repeat)
            ORDER BY u.ord
            RETURNING number),
          mark AS (UPDATE sweeps SET last_number = GREATEST(last_number, (SELECT MAX(number) FROM ins)) WHERE id = $1 AND EXISTS (SELECT 1 FROM ins))
          SELECT COUNT(*)::int AS added FROM ins`,
  // Trials removeTrials may remove (not final, not held by a running run); the sweep keeps its
  // highest number; their metrics go with them (ON DELETE CASCADE).
  removeTrials: `WITH doomed AS (SELECT t.id FROM trials t WHERE t.sweep_id = $1 AND t.id = ANY($2::bigint[])
                                AND t.state NOT IN ('complete', 'diverged', 'pruned')
                                AND NOT (t.${HELD} AND t.run_id IN (SELECT id FROM runs WHERE status = 'running')) FOR UPDATE),
          mark AS (UPDATE sweeps SET last_number = GREATEST(last_number, (SELECT COALESCE(MAX(number), 0) FROM trials WHERE sweep_id = $1)) WHERE id = $1)
          DELETE FROM trials WHERE id IN (SELECT id FROM doomed)`,
  // A whole batch in one statement (one round trip, atomic without BEGIN/COMMIT). It locks the
  // trials the run holds (held: their state before the batch), inserts the points of the attempts
  // held, and moves each trial once: started (only from queued) and ended (from queued or
  // running) in one UPDATE, as applying them one after another would. The held rows come back,
  // and commit() works out from them which writes were dropped, by the same rules.
  commit: `WITH held AS (SELECT id, attempts, state FROM trials WHERE id = ANY($1::bigint[]) AND run_id = $2 AND ${HELD} FOR UPDATE),
          s AS (SELECT * FROM unnest($3::bigint[], $4::text[], $5::text[]) AS s(id, provenance, process)),
          o AS (SELECT * FROM unnest($6::bigint[], $7::text[], $8::float8[], $9::text[], $10::float8[]) AS o(id, state, objective, error, duration_ms)),
          ins AS (INSERT INTO metrics (trial_id, attempt, seq, epoch, step, name, value)
                  SELECT u.trial_id, u.attempt, u.seq, u.epoch, u.step, u.name, u.value
                  FROM unnest($11::bigint[], $12::int[], $13::int[], $14::bigint[], $15::bigint[], $16::text[], $17::float8[])
                    AS u(trial_id, attempt, seq, epoch, step, name, value)
                  JOIN held h ON h.id = u.trial_id AND h.attempts = u.attempt
                  ON CONFLICT (trial_id, attempt, seq, name) DO UPDATE SET epoch = excluded.epoch, step = excluded.step, value = excluded.value),
          moves AS (SELECT h.id, s.id IS NOT NULL AND h.state = 'queued' AS starts, o.id IS NOT NULL AS ends, s.provenance, s.process,
                           o.state, o.objective, o.error, o.duration_ms
                    FROM held h LEFT JOIN s ON s.id = h.id LEFT JOIN o ON o.id = h.id),
          upd AS (UPDATE trials t SET
                    state = CASE WHEN m.ends THEN m.state ELSE 'running' END,
                    started_at = CASE WHEN m.starts THEN now() ELSE t.started_at END,
                    provenance = CASE WHEN m.starts THEN m.provenance::json ELSE t.provenance END,
                    process = CASE WHEN m.ends THEN NULL WHEN m.starts THEN m.process::json ELSE t.process END,
                    objective = CASE WHEN m.ends THEN m.objective ELSE t.objective END,
                    error = CASE WHEN m.ends THEN m.error ELSE t.error END,
                    finished_at = CASE WHEN m.ends THEN now() ELSE t.finished_at END,
                    duration_ms = CASE WHEN m.ends THEN m.duration_ms ELSE t.duration_ms END
                  FROM moves m WHERE t.id = m.id AND (m.starts OR m.ends))
          SELECT id, attempts, state FROM held`,
  // Stale: held by a run that has ended (it died, or could not record their end); their processes
  // come back. A run clears their lost counts; workers ($2) count one more lost attempt each, and
  // fail a trial lost $3 times (0: never) rather than requeue it.
  requeueStale: `WITH stale AS (SELECT t.id, t.process, t.lost + (t.state = 'running')::int AS lost, t.state = 'running' AS ran
                                FROM trials t JOIN runs r ON r.id = t.run_id
                                WHERE t.sweep_id = $1 AND t.${HELD} AND r.status <> 'running' FOR UPDATE OF t)
          UPDATE trials t SET run_id = NULL, process = NULL,
                 lost = CASE WHEN $2 THEN stale.lost ELSE 0 END,
                 state = CASE WHEN $2 AND $3 > 0 AND stale.ran AND stale.lost >= $3 THEN 'failed' ELSE 'waiting' END,
                 finished_at = CASE WHEN $2 AND $3 > 0 AND stale.ran AND stale.lost >= $3 THEN now() ELSE t.finished_at END,
                 error = CASE WHEN $2 AND $3 > 0 AND stale.ran AND stale.lost >= $3
                              THEN 'gave up: its worker was lost ' || stale.lost || ' times (no heartbeat, or its process died); running the sweep again retries it'
                              ELSE t.error END
          FROM stale WHERE t.id = stale.id RETURNING stale.process, t.state`,
  // Trials a queue job names, when they are waiting or interrupted (anything else is held or decided),
  // for a run that is still running (one found dead claims nothing).
  claimIds: `UPDATE trials t SET ${CLAIM_SET}
          FROM (SELECT id FROM trials WHERE sweep_id = $1 AND id = ANY($3::bigint[]) AND state IN ('waiting', 'interrupted')
                  AND EXISTS (SELECT 1 FROM runs WHERE id = $2 AND status = 'running') FOR UPDATE SKIP LOCKED) c
          WHERE t.id = c.id RETURNING ${trialColumns('t.')}`,
  best: `SELECT rc.rank, rc.config_hash, rc.params, rc.mean_objective, rc.repeats, rc.best_trial_id, rc.best_trial,
                (SELECT array_agg(t.objective ORDER BY t.repeat) FROM trials t WHERE t.sweep_id = rc.sweep_id AND t.config_hash = rc.config_hash
                 AND t.state = 'complete' AND t.objective IS NOT NULL) AS objectives
          FROM ranked_configs rc WHERE rc.sweep_id = $1 ORDER BY rc.rank, rc.config_hash COLLATE "C" LIMIT $2`,
  importTrials: `INSERT INTO trials (sweep_id, number, config_hash, repeat, params, seed, state, objective, attempts, error,
                                     created_at, started_at, finished_at, duration_ms, provenance, origin)
          SELECT $1, u.number, u.config_hash, u.repeat, u.params::json, u.seed, u.state, u.objective, u.attempts, u.error,
                 u.created_at, u.started_at, u.finished_at, u.duration_ms, u.provenance::json, u.origin
          FROM unnest($2::int[], $3::text[], $4::int[], $5::text[], $6::bigint[], $7::text[], $8::float8[], $9::int[], $10::text[],
                                     $11::timestamptz[], $12::timestamptz[], $13::timestamptz[], $14::float8[], $15::text[], $16::text[])
            AS u(number, config_hash, repeat, params, seed, state, objective, attempts, error, created_at, started_at, finished_at, duration_ms, provenance, origin)
          RETURNING id, number`,
  replaceTrials: `UPDATE trials t SET state = u.state, objective = u.objective, attempts = u.attempts, error = u.error, created_at = u.created_at,
                 started_at = u.started_at, finished_at = u.finished_at, duration_ms = u.duration_ms, provenance = u.provenance::json,
                 run_id = NULL, process = NULL
          FROM unnest($1::bigint[], $2::text[], $3::float8[], $4::int[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::timestamptz[],
                      $9::float8[], $10::text[])
            AS u(id, state, objective, attempts, error, created_at, started_at, finished_at, duration_ms, provenance)
          WHERE t.id = u.id AND t.state IN ('waiting', 'failed', 'interrupted') RETURNING t.id`,
  insertMetrics: `INSERT INTO metrics (trial_id, attempt, seq, epoch, step, name, value) SELECT * FROM ${METRIC_ARRAYS}`,
};

/** Metric rows of points, as the seven arrays METRIC_ARRAYS reads; the last write of a (trial, attempt, seq, name) wins. */
function metricArrays(points: { trialId: number; attempt: number; seq: number; point: MetricPoint }[]): unknown[][] {
  const rows = new Map<string, [number, number, number, number | null, number | null, string, number]>();
  for (const { trialId, attempt, seq, point } of points) {
    for (const [name, value] of Object.entries(point.values)) rows.set(`${trialId}\0${attempt}\0${seq}\0${name}`, [trialId, attempt, seq, point.epoch, point.step, name, value]);
  }
  const columns: unknown[][] = [[], [], [], [], [], [], []];
  for (const row of rows.values()) for (let i = 0; i < 7; i++) columns[i].push(row[i]);
  return columns;
}

// ---- opening ------------------------------------------------------------------------------------

export interface OpenOptions {
  /** read: status, best, ...: the schema must hold lrsweep's tables; nothing is created. write: run, created when missing. */
  mode: 'read' | 'write';
}

/**
 * node-postgres leaves the socket of a login it gave up on itself (no password for a SCRAM
 * server) open, and the server keeps it until its authentication_timeout (60 s by default): the
 * process would wait that long to exit after saying why. This client closes it.
 */
class ClosingClient extends pg.Client {
  // pg-pool calls connect(callback); the signature is the base's overloads taken as one.
  override connect(...args: any[]): any {
    const close = () => (this as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    const callback = args[0] as ((err: Error | null) => void) | undefined;
    if (!callback) return super.connect().catch((e: unknown) => { close(); throw e; });
    return super.connect((err: Error | null) => {
      if (err) close();
      callback(err);
    });
  }
}

/** Opens (or, for writing, creates) an lrsweep schema on a PostgreSQL server. */
export async function openPostgres(db: string, options: OpenOptions): Promise<PostgresStorage> {
  const target = parsePgUrl(db);
  const readOnly = options.mode === 'read';
  const pool = new pg.Pool({ connectionString: target.connectionString({ readOnly }), max: POOL_MAX, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, types, Client: ClosingClient });
  // Claims and heartbeats: one connection (it connects on first use), commits that do not wait for the disk.
  const fast = new pg.Pool({ connectionString: target.connectionString({ readOnly, asyncCommit: true }), max: 1, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, types, Client: ClosingClient });
  // An idle connection that breaks (a server restart) is dropped from the pool; the next query reports it.
  pool.on('error', () => {});
  fast.on('error', () => {});
  let c: PoolClient;
  try {
    c = await pool.connect();
  } catch (e) {
    await Promise.all([pool.end(), fast.end()]).catch(() => {});
    throw openError(target, e);
  }
  try {
    const { where } = target;
    const version = await pgSchemaVersion(c);
    if (version > PG_SCHEMA_VERSION) throw newerSchema(where, version);
    if (version === 0) {
      const tables = await tablesIn(c);
      if (tables.length > 0) throw foreignSchema(where, tables);
      if (options.mode === 'read') throw new EmptyStoreError(where);
    }
    // An older schema is brought up to date once (what any newer lrsweep does), by readers too.
    if (version === 0 || (await needsMigration(c, version))) await migratePg(c, target.schema, where);
    c.release();
  } catch (e) {
    c.release(true);
    await Promise.all([pool.end(), fast.end()]).catch(() => {});
    throw openError(target, e);
  }
  return new PostgresStorage(pool, fast, target, db, readOnly);
}

// ---- the storage --------------------------------------------------------------------------------

/**
 * Trials added by this process since its last ANALYZE of `trials`: after a bulk registration the
 * planner has no statistics (autovacuum's analyze comes a minute later at best), guesses a few rows
 * and picks slow plans for the claims (measured at 3x10^4 waiting trials: 317 trials/s without,
 * 980 with). So addTrials analyzes once this many were added, the threshold doubling each time (a
 * 10^6-trial registration analyzes about 7 times).
 */
export const ANALYZE_AFTER_TRIALS = 10_000;

/** The first of each (config hash, repeat): a repeated one would take a number in SQL.addTrials and leave a gap. */
function firstOfEach(trials: NewTrial[]): NewTrial[] {
  const seen = new Set<string>();
  return trials.filter((t) => {
    const key = `${t.configHash}\0${t.repeat}`;
    return !seen.has(key) && seen.add(key);
  });
}

export class PostgresStorage implements Storage {
  readonly where: string;
  readonly capabilities = POSTGRES_CAPABILITIES;
  /** See ANALYZE_AFTER_TRIALS. */
  private addedSinceAnalyze = 0;
  private analyzeAfter = ANALYZE_AFTER_TRIALS;

  constructor(private readonly pool: pg.Pool, private readonly fast: pg.Pool, private readonly target: PgTarget, private readonly db: string,
    private readonly readOnly: boolean) {
    this.where = target.where;
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.end(), this.fast.end()]);
  }

  async openQueue(): Promise<TrialQueue> {
    const { PgBossQueue } = await import('./postgres-queue.js');
    return PgBossQueue.open(this.db, { reader: this.readOnly });
  }

  async dropQueue(sweepId: number): Promise<number> {
    const { PgBossQueue } = await import('./postgres-queue.js');
    return PgBossQueue.deleteQueue(this.db, sweepId);
  }

  /** A failure of the server or the connection becomes a StorageError naming the store; the rest stays as it is. */
  private failure(e: unknown): unknown {
    if (e instanceof StorageError || e instanceof UsageError) return e;
    return isStorageFailure(e) ? new StorageError(`${this.where}: ${causeOf(this.target, e)}`) : e;
  }

  private async q<R extends QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>(text, values)).rows;
    } catch (e) {
      throw this.failure(e);
    }
  }

  /**
   * A statement on the connection whose commits do not wait for the disk (synchronous_commit off),
   * as a prepared statement: claims and heartbeats, which come once per trial and every few
   * seconds. On a server that waits for its disk a claim took 3.3 ms with the wait and 0.7 ms
   * without. Safe: a server crash can lose only the last such commits, never one that a later
   * commit() (which waits) followed, since the log is written in order; a lost claim makes the
   * run's writes for that trial drop, as for any trial the run no longer holds, and it runs again.
   */
  private async fastWrite<R extends QueryResultRow>(name: string, text: string, values: unknown[]): Promise<R[]> {
    try {
      return (await this.fast.query<R>({ name, text, values })).rows;
    } catch (e) {
      throw this.failure(e);
    }
  }

  /** One statement, retried when PostgreSQL aborted it to break a deadlock. */
  private async retried<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (RETRYABLE.has(codeOf(e)) && attempt < RETRIES) continue;
        throw this.failure(e);
      }
    }
  }

  /** One transaction on one connection; retried when PostgreSQL aborted it to break a deadlock. */
  private async tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    return this.retried(() => inTransaction(this.pool, fn, isStorageFailure));
  }

  async getSweep(name: string): Promise<SweepRecord | null> {
    const [row] = await this.q<SweepRow>('SELECT * FROM sweeps WHERE name = $1', [name]);
    return row ? sweepOf(row) : null;
  }

  async listSweeps(): Promise<SweepRecord[]> {
    return (await this.q<SweepRow>('SELECT * FROM sweeps ORDER BY id')).map(sweepOf);
  }

  async createSweep(s: NewSweep): Promise<SweepRecord> {
    const [row] = await this.q<SweepRow>(`INSERT INTO sweeps (name, definition, file, metric, goal, steps, trainer_hash)
      VALUES ($1, $2::json, $3, $4, $5, $6, $7) RETURNING *`, [s.name, JSON.stringify(s.definition), s.file, s.metric, s.goal, s.steps, s.trainerHash]);
    return sweepOf(row);
  }

  async updateSweep(sweepId: number, s: Pick<NewSweep, 'definition' | 'file' | 'steps' | 'trainerHash'>): Promise<void> {
    await this.q("UPDATE sweeps SET definition = $1::json, file = $2, steps = $3, trainer_hash = $4, status = 'active', updated_at = now() WHERE id = $5",
      [JSON.stringify(s.definition), s.file, s.steps, s.trainerHash, sweepId]);
  }

  async setSweepStatus(sweepId: number, status: SweepRecord['status']): Promise<void> {
    await this.q('UPDATE sweeps SET status = $1, updated_at = now() WHERE id = $2', [status, sweepId]);
  }

  async addTrials(sweepId: number, trials: NewTrial[]): Promise<number> {
    const fresh = firstOfEach(trials);
    if (fresh.length === 0) return 0;
    return this.tx(async (c) => {
      await c.query('SELECT 1 FROM sweeps WHERE id = $1 FOR UPDATE', [sweepId]);
      const r = await c.query<{ added: number }>(SQL.addTrials, [sweepId, fresh.map((t) => t.configHash), fresh.map((t) => t.repeat),
        fresh.map((t) => JSON.stringify(t.params)), fresh.map((t) => t.seed), fresh.map((t) => t.origin ?? 'plan')]);
      return r.rows[0].added;
    }).then(async (added) => {
      this.addedSinceAnalyze += added;
      if (this.addedSinceAnalyze >= this.analyzeAfter) {
        this.analyzeAfter += this.addedSinceAnalyze;
        this.addedSinceAnalyze = 0;
        await this.q('ANALYZE trials');
      }
      return added;
    });
  }

  async askTrials(sweepId: number, suggest: (trials: TrialRecord[]) => NewTrial[]): Promise<TrialRecord[]> {
    // The sweep's row lock, as addTrials takes it: a second ask (on any machine) waits here, then reads the first's trials.
    return this.tx(async (c) => {
      // The lock first, in a statement of its own: what the statements after it read (each under a
      // snapshot of its own, READ COMMITTED) includes everything an ask before this one committed.
      await c.query('SELECT 1 FROM sweeps WHERE id = $1 FOR UPDATE', [sweepId]);
      const [sweep] = (await c.query<{ status: string; last: number }>(
        'SELECT status, GREATEST(last_number, (SELECT COALESCE(MAX(number), 0) FROM trials WHERE sweep_id = $1)) AS last FROM sweeps WHERE id = $1', [sweepId])).rows;
      if (!sweep || sweep.status === 'cancelled') return [];
      const history = (await c.query<TrialRow>(`SELECT ${HISTORY_COLUMNS} FROM trials WHERE sweep_id = $1 ORDER BY number`, [sweepId])).rows.map(trialOf);
      const fresh = firstOfEach(suggest(history));
      if (fresh.length === 0) return [];
      await c.query(SQL.addTrials, [sweepId, fresh.map((t) => t.configHash), fresh.map((t) => t.repeat),
        fresh.map((t) => JSON.stringify(t.params)), fresh.map((t) => t.seed), fresh.map((t) => t.origin ?? 'plan')]);
      return (await c.query<TrialRow>(`SELECT ${trialColumns()} FROM trials WHERE sweep_id = $1 AND number > $2 ORDER BY number`, [sweepId, sweep.last])).rows.map(trialOf);
    });
  }

  async removeTrials(sweepId: number, trialIds: number[]): Promise<number> {
    if (trialIds.length === 0) return 0;
    return this.tx(async (c) => {
      await c.query('SELECT 1 FROM sweeps WHERE id = $1 FOR UPDATE', [sweepId]);
      return (await c.query(SQL.removeTrials, [sweepId, trialIds])).rowCount ?? 0;
    });
  }

  async deleteSweep(sweepId: number, isRunAlive: (run: RunRecord) => boolean): Promise<SweepDeletion> {
    return this.tx(async (c) => {
      // The sweep's row lock: addTrials waits for it, and a run beginning meanwhile (its row refers to the sweep) too.
      await c.query('SELECT 1 FROM sweeps WHERE id = $1 FOR UPDATE', [sweepId]);
      const open = (await c.query<RunRow>(`SELECT *, ${RUN_AGE} FROM runs WHERE sweep_id = $1 AND status = 'running'`, [sweepId])).rows.map(runOf);
      const live = open.filter(isRunAlive);
      if (live.length > 0) return { deleted: false, live };
      await c.query('DELETE FROM metrics WHERE trial_id IN (SELECT id FROM trials WHERE sweep_id = $1)', [sweepId]);
      const trials = (await c.query('DELETE FROM trials WHERE sweep_id = $1', [sweepId])).rowCount ?? 0;
      await c.query('DELETE FROM runs WHERE sweep_id = $1', [sweepId]);
      await c.query('DELETE FROM sweeps WHERE id = $1', [sweepId]);
      return { deleted: true, trials };
    });
  }

  async beginRun(sweepId: number, info: RunInfo): Promise<number> {
    const [row] = await this.q<{ id: number }>('INSERT INTO runs (sweep_id, pid, host, workers, backend) VALUES ($1, $2, $3, $4, $5) RETURNING id',
      [sweepId, info.pid, info.host, info.workers, info.backend]);
    return row.id;
  }

  async heartbeat(runId: number): Promise<boolean> {
    return (await this.fastWrite('heartbeat', "UPDATE runs SET heartbeat_at = now() WHERE id = $1 AND status = 'running' RETURNING id", [runId])).length === 1;
  }

  async endRun(runId: number, status: 'finished' | 'interrupted' | 'failed'): Promise<void> {
    await this.q("UPDATE runs SET status = $1, ended_at = now(), heartbeat_at = now() WHERE id = $2 AND status = 'running'", [status, runId]);
  }

  async runs(sweepId: number): Promise<RunRecord[]> {
    return (await this.q<RunRow>(`SELECT *, ${RUN_AGE} FROM runs WHERE sweep_id = $1 ORDER BY id`, [sweepId])).map(runOf);
  }

  async staleProcesses(sweepId: number, isRunAlive: (run: RunRecord) => boolean): Promise<ProcessRecord[]> {
    const held = await this.q<{ run_id: number; process: string }>(`SELECT run_id, process FROM trials WHERE sweep_id = $1 AND ${HELD} AND process IS NOT NULL`, [sweepId]);
    return held.length === 0 ? [] : staleOf(held, await this.runs(sweepId), isRunAlive);
  }

  async recoverTrials(sweepId: number, isRunAlive: (run: RunRecord) => boolean, options: RecoverOptions = {}): Promise<Recovered> {
    return this.tx(async (c) => {
      const open = (await c.query<RunRow>(`SELECT *, ${RUN_AGE} FROM runs WHERE sweep_id = $1 AND status = 'running'`, [sweepId])).rows.map(runOf);
      const dead = open.filter((run) => !isRunAlive(run)).map((run) => run.id);
      if (dead.length > 0) await c.query("UPDATE runs SET status = 'failed', ended_at = now() WHERE id = ANY($1::bigint[]) AND status = 'running'", [dead]);
      const staleOnly = options.staleOnly ?? false;
      const stale = (await c.query<{ process: string | null; state: TrialState }>(SQL.requeueStale, [sweepId, staleOnly, staleOnly ? options.maxLost ?? 0 : 0])).rows;
      const processes = stale.flatMap((r) => (r.process === null ? [] : [parseJson<ProcessRecord>(r.process)!]));
      const gaveUp = stale.filter((r) => r.state === 'failed').length;
      if (staleOnly) return { requeued: stale.length - gaveUp, gaveUp, processes };
      const stopped = await c.query("UPDATE trials SET state = 'waiting', run_id = NULL, lost = 0 WHERE sweep_id = $1 AND state IN ('failed', 'interrupted')", [sweepId]);
      return { requeued: stale.length + (stopped.rowCount ?? 0), gaveUp: 0, processes };
    });
  }

  async claimTrialIds(sweepId: number, runId: number, trialIds: number[]): Promise<TrialRecord[]> {
    if (trialIds.length === 0) return [];
    return trialsByNumber(await this.fastWrite<TrialRow>('claim_ids', SQL.claimIds, [sweepId, runId, trialIds]));
  }

  async claimTrials(sweepId: number, runId: number, limit: number, options: { sameSeed?: boolean } = {}): Promise<TrialRecord[]> {
    const rows = options.sameSeed
      ? await this.fastWrite<TrialRow>('claim_same_seed', SQL.claimSameSeed, [sweepId, runId, limit])
      : await this.fastWrite<TrialRow>('claim', SQL.claim, [sweepId, runId, limit]);
    return trialsByNumber(rows);
  }

  async prioritiseTrials(sweepId: number, trialIds: number[]): Promise<number> {
    const ids = [...new Set(trialIds)];
    if (ids.length === 0) return 0;
    return this.tx(async (c) => {
      // The sweep's lock serializes two prioritisations (claims never take it). Then one statement:
      // claims skip the rows it holds for that instant only (SKIP LOCKED), and a row a claim holds
      // is waited for and then, no longer waiting, left alone.
      await c.query('SELECT 1 FROM sweeps WHERE id = $1 FOR UPDATE', [sweepId]);
      const r = await c.query(SQL.prioritise, [sweepId, ids, ids.map((_, i) => i - ids.length)]);
      return r.rowCount ?? 0;
    });
  }

  async commit(runId: number, batch: TrialBatch): Promise<number[]> {
    const missed = new Set<number>();
    // Each trial starts and ends once: a second start or end of it in the batch is dropped, as it would be one after another.
    const once = <T extends { trialId: number }>(items: T[]) => {
      const seen = new Set<number>();
      return items.filter((x) => (seen.has(x.trialId) ? (missed.add(x.trialId), false) : (seen.add(x.trialId), true)));
    };
    const started = once(batch.started ?? []);
    const outcomes = once(batch.outcomes ?? []);
    const points = batch.points ?? [];
    const ids = [...new Set([...started, ...points, ...outcomes].map((x) => x.trialId))];
    if (ids.length === 0) return [];
    const values = [ids, runId,
      started.map((x) => x.trialId), started.map((x) => json(x.provenance)), started.map((x) => json(x.process)),
      outcomes.map((o) => o.trialId), outcomes.map((o) => o.state), outcomes.map((o) => ('objective' in o ? real(o.objective) : null)),
      outcomes.map((o) => ('objective' in o ? (o.note ?? null) : o.error)), outcomes.map((o) => o.durationMs),
      ...metricArrays(points)];
    const rows = await this.retried(() => this.pool.query<{ id: number; attempts: number; state: TrialState }>({ name: 'commit', text: SQL.commit, values }));
    const held = new Map(rows.rows.map((r) => [r.id, r]));
    for (const x of started) if (held.get(x.trialId)?.state !== 'queued') missed.add(x.trialId);
    for (const p of points) if (held.get(p.trialId)?.attempts !== p.attempt) missed.add(p.trialId);
    for (const o of outcomes) if (!held.has(o.trialId)) missed.add(o.trialId);
    return [...missed];
  }

  async releaseRun(runId: number): Promise<number> {
    return this.tx(async (c) => {
      const unqueued = await c.query("UPDATE trials SET state = 'waiting', run_id = NULL, attempts = attempts - 1 WHERE run_id = $1 AND state = 'queued'", [runId]);
      const interrupted = await c.query(`UPDATE trials SET state = 'interrupted', error = 'interrupted: the run was stopped', finished_at = now(), process = NULL
        WHERE run_id = $1 AND state = 'running'`, [runId]);
      return (unqueued.rowCount ?? 0) + (interrupted.rowCount ?? 0);
    });
  }

  async counts(sweepId: number): Promise<StateCounts> {
    const counts = emptyCounts();
    for (const row of await this.q<{ state: TrialState; n: number }>('SELECT state, COUNT(*) AS n FROM trials WHERE sweep_id = $1 GROUP BY state', [sweepId])) {
      counts[row.state] = row.n;
    }
    return counts;
  }

  async trials(sweepId: number, filter: TrialFilter = {}): Promise<TrialRecord[]> {
    const { limit, offset } = checkPage(filter);
    const where = ['sweep_id = $1'];
    const values: unknown[] = [sweepId];
    if (filter.state) where.push(`state = $${values.push(filter.state)}`);
    if (filter.numbers) where.push(`number = ANY($${values.push(filter.numbers)}::int[])`);
    let page = '';
    if (limit !== null) page += ` LIMIT $${values.push(limit)}`;
    if (offset > 0) page += ` OFFSET $${values.push(offset)}`;
    return (await this.q<TrialRow>(`SELECT ${trialColumns()} FROM trials WHERE ${where.join(' AND ')} ORDER BY number${page}`, values)).map(trialOf);
  }

  async bestTrialObjective(sweepId: number): Promise<number | null> {
    const [row] = await this.q<{ v: number | null }>(SQL.bestTrial, [sweepId]);
    return row?.v ?? null;
  }

  async trial(sweepId: number, number: number): Promise<TrialRecord | null> {
    const [row] = await this.q<TrialRow>(`SELECT ${trialColumns()} FROM trials WHERE sweep_id = $1 AND number = $2`, [sweepId, number]);
    return row ? trialOf(row) : null;
  }

  async points(trialIds: number[]): Promise<Map<number, MetricPoint[]>> {
    const rows = await this.q<MetricRow>(`SELECT m.trial_id, m.attempt, m.seq, m.epoch, m.step, m.name, m.value FROM metrics m
      JOIN trials t ON t.id = m.trial_id AND m.attempt = t.attempts
      WHERE m.trial_id = ANY($1::bigint[]) ORDER BY m.trial_id, m.seq, m.name COLLATE "C"`, [trialIds]);
    return latestPoints(trialIds, rows);
  }

  async bestConfigs(sweepId: number, top: number): Promise<RankedConfig[]> {
    const rows = await this.q<RankedConfigRow & { objectives: number[] }>(SQL.best, [sweepId, top]);
    return rows.map((r) => rankedOf(r, r.objectives));
  }

  async importSweep(s: Omit<SweepRecord, 'id'>): Promise<SweepRecord> {
    const [row] = await this.q<SweepRow>(`INSERT INTO sweeps (name, definition, file, metric, goal, steps, trainer_hash, status, created_at, updated_at)
      VALUES ($1, $2::json, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
    [s.name, JSON.stringify(s.definition), s.file, s.metric, s.goal, s.steps, s.trainerHash, s.status, s.createdAt, s.updatedAt]);
    return sweepOf(row);
  }

  async importTrials(sweepId: number, trials: ImportedTrial[]): Promise<{ added: number; replaced: number }> {
    checkImportable(trials);
    if (trials.length === 0) return { added: 0, replaced: 0 };
    return this.tx(async (c) => {
      await c.query('SELECT 1 FROM sweeps WHERE id = $1 FOR UPDATE', [sweepId]);
      const here = (await c.query<{ id: number; number: number; config_hash: string; repeat: number; state: TrialState }>(
        `SELECT id, number, config_hash, repeat, state FROM trials WHERE sweep_id = $1 AND (number = ANY($2::int[])
           OR (config_hash, repeat) IN (SELECT * FROM unnest($3::text[], $4::int[])))`,
        [sweepId, trials.map((t) => t.number), trials.map((t) => t.configHash), trials.map((t) => t.repeat)])).rows;
      const byKey = new Map(here.map((r) => [`${r.config_hash}\0${r.repeat}`, r]));
      const byNumber = new Map(here.map((r) => [r.number, r]));
      const fresh: ImportedTrial[] = [];
      const replace: { id: number; t: ImportedTrial }[] = [];
      for (const t of trials) {
        const same = byKey.get(`${t.configHash}\0${t.repeat}`);
        if (!same) {
          const other = byNumber.get(t.number);
          if (other) throw numberingConflict(this.where, t, other.config_hash, other.repeat);
          fresh.push(t);
        } else if (same.number !== t.number) {
          throw numberingConflict(this.where, t, t.configHash, t.repeat, same.number);
        } else if (FINAL.has(t.state) && !FINAL.has(same.state) && !['queued', 'running'].includes(same.state)) {
          replace.push({ id: same.id, t });
        }
      }
      const ids = new Map<ImportedTrial, number>();
      if (fresh.length > 0) {
        const col = <K extends keyof ImportedTrial>(k: K) => fresh.map((t) => t[k]);
        const r = await c.query<{ id: number; number: number }>(SQL.importTrials, [sweepId, col('number'), col('configHash'), col('repeat'),
          fresh.map((t) => JSON.stringify(t.params)), col('seed'), col('state'), fresh.map((t) => real(t.objective)), col('attempts'), col('error'),
          col('createdAt'), col('startedAt'), col('finishedAt'), col('durationMs'), fresh.map((t) => json(t.provenance)), fresh.map((t) => t.origin ?? 'plan')]);
        const byNum = new Map(r.rows.map((x) => [x.number, x.id]));
        for (const t of fresh) ids.set(t, byNum.get(t.number)!);
      }
      let replaced = 0;
      if (replace.length > 0) {
        const ts = replace.map((x) => x.t);
        // The state is checked again on the row: a run here may have claimed the trial meanwhile.
        const r = await c.query<{ id: number }>(SQL.replaceTrials, [replace.map((x) => x.id), ts.map((t) => t.state), ts.map((t) => real(t.objective)),
          ts.map((t) => t.attempts), ts.map((t) => t.error), ts.map((t) => t.createdAt), ts.map((t) => t.startedAt), ts.map((t) => t.finishedAt),
          ts.map((t) => t.durationMs), ts.map((t) => json(t.provenance))]);
        const done = new Set(r.rows.map((x) => x.id));
        if (done.size > 0) await c.query('DELETE FROM metrics WHERE trial_id = ANY($1::bigint[])', [[...done]]);
        for (const x of replace) if (done.has(x.id)) ids.set(x.t, x.id);
        replaced = done.size;
      }
      const points = [...ids].flatMap(([t, id]) => t.points.map((p) => ({ trialId: id, ...p })));
      for (let i = 0; i < points.length; i += IMPORT_SLICE) await c.query(SQL.insertMetrics, metricArrays(points.slice(i, i + IMPORT_SLICE)));
      if (fresh.length > 0) {
        await c.query('UPDATE sweeps SET last_number = GREATEST(last_number, (SELECT MAX(number) FROM trials WHERE sweep_id = $1)) WHERE id = $1', [sweepId]);
      }
      return { added: fresh.length, replaced };
    });
  }

  async attemptPoints(trialIds: number[]): Promise<Map<number, AttemptPoint[]>> {
    const rows = await this.q<MetricRow>(`SELECT trial_id, attempt, seq, epoch, step, name, value FROM metrics
      WHERE trial_id = ANY($1::bigint[]) ORDER BY trial_id, attempt, seq, name COLLATE "C"`, [trialIds]);
    return groupPoints(trialIds, rows);
  }
}
