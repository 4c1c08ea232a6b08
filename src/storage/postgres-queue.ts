// The trial queue on PostgreSQL (the TrialQueue of types.ts; PostgresStorage.openQueue opens it):
// pg-boss 10.4 (the last line that runs on Node 20), in the same schema as lrsweep's tables. The
// trials table stays the truth; the queue is transport. A job is a unit of work: one trial, or a
// cohort of trials that share a seed, named by their ids. A worker claims a job's trials from
// storage (claimTrialIds), so a job delivered twice, or a job whose trials another worker already
// ran, runs nothing twice.
//
// pg-boss 10.4 facts this is built around:
// - Each sweep has its own queue (`sweep-<id>`). singletonKey (config hash and repeat) does not
//   deduplicate under policy 'standard', and 'short' only against jobs in state created, not
//   against a job a worker has taken or one waiting to be retried; 'stately' and 'singleton' gate
//   taken jobs too, but their fetch fails when a retried job meets a taken one with its key. So
//   enqueue() deduplicates itself: under an advisory lock per sweep, it adds only units whose key
//   has no job that is not yet over (created, retry, active), so a sweep enqueued again, or by two
//   `lrsweep run` at once, has one job per unit. The queues use 'short' as well, as a second guard.
// - No job heartbeat: liveness is the worker's own (its run's heartbeat is the lease on every trial
//   it holds; sweep/serve/heartbeat.ts). Job expiry is only a backstop, set explicitly (pg-boss's default is
//   15 minutes): an expired job that still runs somewhere is harmless, its retry claims nothing.
// - Retry limit and delay are set explicitly (the default is not what the docs say): a stopped
//   worker fails its jobs so that another worker takes them at once.
// - work() sleeps between polls: workers call fetch() themselves, in batches.
// - complete() could share the transaction of the trial's result; it need not: a job is completed
//   after its trials' results commit, and a job completed late, twice, or never (it expires and is
//   retried) changes nothing, since claims decide what runs.
// - A dead worker's taken jobs stay active until expiry; idle workers complete those no live run
//   works on (sweep/serve/upkeep.ts), so the queue's depth stays true.
// - fetch() picks `WHERE name = $1 AND state < 'active' AND start_after < now() ORDER BY priority
//   desc, created_on, id LIMIT n` (plans.js fetchNextJob), but pg-boss's only index for it (job_i5,
//   on each queue's partition) is (name, start_after): every fetch read and sorted all of the
//   queue's waiting jobs, so a sweep of 10^5 waiting trials ran at a tenth of SQLite's rate.
//
// pg-boss's API does the rest: createQueue, insert (in enqueue's transaction), fetch, complete,
// fail (retry), cancel (by job ids, in cancelWaiting's transaction) and getQueueSize (depth: two
// calls, jobs before 'active' and before 'completed'). SQL we run against pg-boss's tables (it
// owns them; this is all we add or touch besides its API), each for want of a call that does it:
// - FETCH_INDEX, on its `job` table, in order of fetch's ORDER BY, created when a writer opens the
//   queue (ensureFetchIndex): pg-boss's own index does not serve that order. `job` is partitioned
//   by queue name: an index made on the parent is made on every partition, and create_queue's
//   ATTACH PARTITION makes it on each new queue's table, so one statement covers every sweep.
// - ANALYZE of a queue's table after enqueue adds ANALYZE_ABOVE jobs or more: a table just filled
//   has no statistics yet (autovacuum gets to it within a minute or so), and the planner then
//   guesses a few rows and sorts them all instead of walking FETCH_INDEX.
// - enqueue's read of the keys whose jobs are not over: no call lists a queue's jobs (and
//   singletonKey does not deduplicate, see above).
// - cancelWaiting's read of the waiting jobs' ids, locked (FOR UPDATE) so that no fetch takes one
//   before cancel: pg-boss's cancel takes ids, and cancels taken jobs too.
// - taken(): no call lists a queue's taken jobs by age.
// - deleteQueue: without starting pg-boss (which would create its tables in a store that never
//   had a queue); the jobs and archived jobs go first (delete_queue drops the queue's row before
//   the partition that refers to it), and their count is what `delete` reports.
// Errors: connection failures become StorageError naming the store, as the storage's own do.

import pg from 'pg';
import PgBoss from 'pg-boss';
import { UsageError } from '../core/errors.js';
import { parsePgUrl, type PgTarget } from './postgres-url.js';
import { inTransaction } from './postgres-transaction.js';
import { StorageError, type Job, type QueueDepth, type QueuedUnit, type TrialQueue } from './types.js';

/** Retries of a job (a worker stopped or lost with it). Trials themselves are bounded by their lost count. */
const RETRY_LIMIT = 20;
/** The backstop expiry of a taken job; pg-boss refuses 24 hours or more. */
const EXPIRE_SECONDS = 23 * 3600;
/** How long pg-boss keeps jobs no one takes. */
const RETENTION_MINUTES = 14 * 24 * 60;
/** pg-boss's own maintenance (expiry, archiving), done by whichever process holds its lock. */
const MAINTENANCE_SECONDS = 60;
const DEADLOCK_RETRIES = 5;
/** The advisory lock key of enqueue (with the sweep's id as the second key): 'lrsq'. */
const ENQUEUE_LOCK = 0x6c727371;
/** Jobs per insert statement when enqueueing a big sweep. */
const INSERT_SLICE = 2_000;
/** The advisory lock key of creating FETCH_INDEX (with the schema's hash as the second key): 'lrsi'. */
const INDEX_LOCK = 0x6c727369;
/** Jobs added at once past which enqueue refreshes the queue table's statistics (see above). */
const ANALYZE_ABOVE = 1_000;
/** Our index on pg-boss's job table that its fetch walks in order (see above). */
export const FETCH_INDEX = 'lrsweep_job_fetch';

/** The options of every fetch (test/storage/plans.test.ts explains the statement pg-boss builds from them). */
export function fetchOptions(max: number): { batchSize: number; includeMetadata: true } {
  return { batchSize: max, includeMetadata: true };
}

export function queueName(sweepId: number): string {
  return `sweep-${sweepId}`;
}

/** pg-boss's calls (insert, cancel) on our connection, inside our transaction. */
function bossDb(client: pg.PoolClient): { executeSql: (text: string, values: unknown[]) => Promise<pg.QueryResult> } {
  return { executeSql: async (text, values) => client.query(text, values) };
}

/** A failure of the queue as one line naming the store, the password scrubbed should a driver message carry it. */
function queueFailure(target: PgTarget, e: unknown): Error {
  if (e instanceof StorageError || e instanceof UsageError) return e;
  let cause = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  if (target.password.length >= 4) cause = cause.split(target.password).join('***');
  return new StorageError(`${target.where}: the trial queue: ${cause}`);
}

export class PgBossQueue implements TrialQueue {
  private readonly created = new Set<number>();

  /** One connection of our own, for enqueue's transaction (pg-boss's insert runs on it). */
  private readonly own: pg.Pool;

  private constructor(private readonly boss: PgBoss, private readonly target: PgTarget) {
    this.own = new pg.Pool({ connectionString: target.connectionString({}), max: 1, connectionTimeoutMillis: 10_000 });
    this.own.on('error', () => {}); // a broken idle connection: the next call fails, and says so
  }

  /**
   * Connects to the queue of the PostgreSQL store `db` names, creating pg-boss's tables when they
   * are missing. A reader (`status`) neither creates nor maintains anything, and fails when the
   * store has no queue yet.
   */
  static async open(db: string, o: { reader?: boolean } = {}): Promise<PgBossQueue> {
    const target = parsePgUrl(db);
    const boss = new PgBoss({
      connectionString: target.connectionString({ readOnly: o.reader ?? false }),
      schema: target.schema,
      max: o.reader ? 1 : 2,
      application_name: 'lrsweep-queue',
      schedule: false,
      supervise: !o.reader,
      migrate: !o.reader,
      maintenanceIntervalSeconds: MAINTENANCE_SECONDS,
    });
    // pg-boss reports a broken connection on its pool as an 'error' event; unhandled, it would
    // crash the process. The next call fails with it, and that failure is handled where it is made.
    boss.on('error', () => {});
    const queue = new PgBossQueue(boss, target);
    try {
      await boss.start();
      if (!o.reader) await queue.ensureFetchIndex();
    } catch (e) {
      await boss.stop({ graceful: false, wait: true }).catch(() => {});
      throw queue.failure(e);
    }
    return queue;
  }

  /**
   * Creates FETCH_INDEX when the store lacks it: once per store (a store with many jobs builds it
   * on its next writer's open, holding off other writers meanwhile). Under a lock per schema, so
   * two processes opening a store at once do not both create it.
   */
  private async ensureFetchIndex(): Promise<void> {
    const schema = `"${this.target.schema}"`;
    const has = await this.own.query("SELECT to_regclass($1) IS NOT NULL AS has", [`${schema}.${FETCH_INDEX}`]);
    if (has.rows[0].has) return;
    await inTransaction(this.own, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [INDEX_LOCK, this.target.schema]);
      await client.query(`CREATE INDEX IF NOT EXISTS ${FETCH_INDEX} ON ${schema}.job (name, priority DESC, created_on, id) WHERE state < 'active'`);
    });
  }

  private failure(e: unknown): Error {
    return queueFailure(this.target, e);
  }

  /** One pg-boss call, retried when PostgreSQL aborted it to break a deadlock (two runs enqueueing one sweep at once). */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if ((e as { code?: string }).code === '40P01' && attempt < DEADLOCK_RETRIES) continue;
        throw this.failure(e);
      }
    }
  }

  private async ensure(sweepId: number): Promise<string> {
    const name = queueName(sweepId);
    if (!this.created.has(sweepId)) {
      await this.call(() => this.boss.createQueue(name, {
        name, policy: 'short', retryLimit: RETRY_LIMIT, retryDelay: 0, retryBackoff: false, expireInSeconds: EXPIRE_SECONDS, retentionMinutes: RETENTION_MINUTES,
      }));
      this.created.add(sweepId);
    }
    return name;
  }

  /** Adds the units whose key has no job that is not over yet (see above); returns how many trials they hold. Idempotent. */
  async enqueue(sweepId: number, units: QueuedUnit[]): Promise<number> {
    const name = await this.ensure(sweepId);
    if (units.length === 0) return 0;
    const added = await this.underLock(sweepId, async (client) => {
      // Under the lock cancelWaiting takes too: a sweep cancelled meanwhile gets no new job.
      const status = await client.query<{ status: string }>(`SELECT status FROM "${this.target.schema}".sweeps WHERE id = $1`, [sweepId]);
      if (status.rows[0]?.status === 'cancelled') return { jobs: 0, trials: 0 };
      const { rows } = await client.query<{ key: string }>(
        `SELECT DISTINCT singleton_key AS key FROM "${this.target.schema}".job WHERE name = $1 AND state < 'completed' AND singleton_key IS NOT NULL`, [name]);
      const have = new Set(rows.map((r) => r.key));
      const fresh = units.filter((u) => !have.has(u.key) && have.add(u.key));
      const db = bossDb(client);
      for (let i = 0; i < fresh.length; i += INSERT_SLICE) {
        const jobs = fresh.slice(i, i + INSERT_SLICE).map((u) => ({
          // pg-boss hands out the highest priority first, then the oldest: lowest order first.
          name, data: { trials: u.trialIds }, singletonKey: u.key, priority: -u.order,
          retryLimit: RETRY_LIMIT, retryDelay: 0, retryBackoff: false, expireInSeconds: EXPIRE_SECONDS,
        }));
        await this.boss.insert(jobs, { db });
      }
      return { jobs: fresh.length, trials: fresh.reduce((n, u) => n + u.trialIds.length, 0) };
    });
    if (added.jobs >= ANALYZE_ABOVE) await this.analyze(name);
    return added.trials;
  }

  /**
   * After prioritiseTrials (see types.ts): each job no worker has taken whose priority is not
   * that of the lowest rank among its trials is cancelled and inserted again, same key and
   * trials, at that priority; in one transaction under enqueue's lock, its jobs locked (FOR
   * UPDATE) so that no fetch takes one meanwhile (fetch skips locked jobs). pg-boss has no call
   * that changes a job's priority: cancel and insert are its own.
   */
  async reorder(sweepId: number, ranks: ReadonlyMap<number, number>): Promise<number> {
    const name = await this.ensure(sweepId);
    return this.underLock(sweepId, async (client) => {
      const { rows } = await client.query<{ id: string; data: { trials: number[] }; key: string | null; priority: number }>(
        `SELECT id, data, singleton_key AS key, priority FROM "${this.target.schema}".job WHERE name = $1 AND state < 'active' FOR UPDATE`, [name]);
      const moved = rows.flatMap((r) => {
        const known = r.data.trials.map((id) => ranks.get(id)).filter((x): x is number => x !== undefined);
        if (known.length === 0) return [];
        const priority = -Math.min(...known);
        return priority === r.priority ? [] : [{ ...r, priority }];
      });
      if (moved.length === 0) return 0;
      const db = bossDb(client);
      await this.boss.cancel(name, moved.map((r) => r.id), { db });
      for (let i = 0; i < moved.length; i += INSERT_SLICE) {
        await this.boss.insert(moved.slice(i, i + INSERT_SLICE).map((r) => ({
          name, data: r.data, singletonKey: r.key ?? undefined, priority: r.priority,
          retryLimit: RETRY_LIMIT, retryDelay: 0, retryBackoff: false, expireInSeconds: EXPIRE_SECONDS,
        })), { db });
      }
      return moved.length;
    });
  }

  /** Statistics of the queue's table (pg-boss's partition of job), so that fetch's plan walks FETCH_INDEX. */
  private async analyze(name: string): Promise<void> {
    const schema = `"${this.target.schema}"`;
    await this.call(async () => {
      const { rows } = await this.own.query<{ partition: string }>(`SELECT partition_name AS partition FROM ${schema}.queue WHERE name = $1`, [name]);
      if (rows[0]) await this.own.query(`ANALYZE ${schema}."${rows[0].partition}"`);
    });
  }

  /** One transaction on our own connection, holding the sweep's enqueue lock (enqueue and cancelWaiting). */
  private async underLock<T>(sweepId: number, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.call(() => inTransaction(this.own, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', [ENQUEUE_LOCK, sweepId]);
      return fn(client);
    }));
  }

  /** Takes up to `max` jobs of the sweep (they become active); [] when none waits. */
  async fetch(sweepId: number, max: number): Promise<Job[]> {
    const name = await this.ensure(sweepId);
    const jobs = await this.call(() => this.boss.fetch<{ trials: number[] }>(name, fetchOptions(max)));
    // pg-boss picks the right jobs but returns them in UPDATE ... RETURNING order, which is none:
    // put them back in its pick order (highest priority, then oldest) so trials run in order.
    jobs.sort((a, b) => b.priority - a.priority || a.createdOn.getTime() - b.createdOn.getTime() || (a.id < b.id ? -1 : 1));
    return jobs.map((j) => ({ id: j.id, trialIds: j.data.trials }));
  }

  /** The jobs are done: their trials reached a final state (or another worker holds them). */
  async complete(sweepId: number, ids: string[]): Promise<void> {
    if (ids.length > 0) await this.call(() => this.boss.complete(queueName(sweepId), ids));
  }

  /** The jobs' trials were stopped before they ended: another worker takes them again at once. */
  async retry(sweepId: number, ids: string[]): Promise<void> {
    if (ids.length > 0) await this.call(() => this.boss.fail(queueName(sweepId), ids));
  }

  /**
   * `lrsweep cancel` (after it marked the sweep cancelled): jobs no worker has taken are cancelled;
   * taken ones end as their workers stop. Under enqueue's lock, so no enqueue slips in between.
   */
  async cancelWaiting(sweepId: number): Promise<void> {
    const name = await this.ensure(sweepId);
    await this.underLock(sweepId, async (client) => {
      // Locked: a fetch skips them (SKIP LOCKED) until cancel has run in this transaction.
      const { rows } = await client.query<{ id: string }>(`SELECT id FROM "${this.target.schema}".job WHERE name = $1 AND state < 'active' FOR UPDATE`, [name]);
      if (rows.length > 0) await this.boss.cancel(name, rows.map((r) => r.id), { db: bossDb(client) });
    });
  }

  /** The jobs of the sweep that a worker took at least `minAgeMs` ago and has not completed. */
  async taken(sweepId: number, minAgeMs: number): Promise<Job[]> {
    const { rows } = await this.call(() => this.boss.getDb().executeSql(
      `SELECT id, data FROM "${this.target.schema}".job WHERE name = $1 AND state = 'active' AND started_on < now() - $2 * interval '1 millisecond'`,
      [queueName(sweepId), minAgeMs]));
    return (rows as { id: string; data: { trials: number[] } }[]).map((r) => ({ id: r.id, trialIds: r.data.trials }));
  }

  /**
   * `lrsweep delete` (after the sweep's rows are gone): the sweep's queue with every job in it,
   * and its archived jobs. Without pg-boss (it creates its tables on first open): nothing is
   * started, and a store that never had a queue is left as it is. Returns how many jobs were dropped.
   */
  static async deleteQueue(db: string, sweepId: number): Promise<number> {
    const target = parsePgUrl(db);
    const client = new pg.Client({ connectionString: target.connectionString({}), connectionTimeoutMillis: 10_000 });
    const schema = `"${target.schema}"`;
    try {
      await client.connect();
      const has = await client.query("SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = 'queue' AND c.relkind = 'r'", [target.schema]);
      if (has.rowCount === 0) return 0;
      const name = queueName(sweepId);
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', [ENQUEUE_LOCK, sweepId]);
      // The jobs first: delete_queue removes the queue's row before it drops its jobs' table, which refers to that row.
      const jobs = await client.query(`DELETE FROM ${schema}.job WHERE name = $1`, [name]);
      if ((await client.query(`SELECT 1 FROM ${schema}.queue WHERE name = $1`, [name])).rowCount) await client.query(`SELECT ${schema}.delete_queue($1)`, [name]);
      await client.query(`DELETE FROM ${schema}.archive WHERE name = $1`, [name]);
      await client.query('COMMIT');
      return jobs.rowCount ?? 0;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw queueFailure(target, e);
    } finally {
      await client.end().catch(() => {});
    }
  }

  async depth(sweepId: number): Promise<QueueDepth> {
    const name = queueName(sweepId);
    // Jobs not over (created, retry, active), then those not taken: taken ones are the difference
    // (a job taken between the two calls counts as taken, as it is by then).
    const notOver = await this.call(() => this.boss.getQueueSize(name, { before: 'completed' }));
    const waiting = await this.call(() => this.boss.getQueueSize(name, { before: 'active' }));
    return { waiting, active: Math.max(0, notOver - waiting) };
  }

  async close(): Promise<void> {
    await this.boss.stop({ graceful: false, wait: true, close: true }).catch(() => {});
    await this.own.end().catch(() => {});
  }
}
