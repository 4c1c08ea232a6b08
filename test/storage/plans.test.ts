// The run loop's per-trial statements start at the rows they return, on both backends: their
// query plans (SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN) use the indexes on waiting
// trials, never a walk over the sweep's finished trials nor a sort. Plans, not timings: a plan
// says what a statement visits whatever the machine's speed. The statements are the code's own
// (SQLITE_CLAIMS, PG_CLAIMS), explained on a sweep whose trials are 90% complete, each config
// with its own seed (the cohort claim's worst case). On PostgreSQL the queue's fetch too: pg-boss's
// own statement, built by pg-boss, on a queue of many waiting jobs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { openSqlite, SQLITE_CLAIMS } from '../../src/storage/sqlite.js';
import { FETCH_INDEX, fetchOptions, queueName, PgBossQueue } from '../../src/storage/postgres-queue.js';
import { ANALYZE_AFTER_TRIALS, openPostgres, PG_CLAIMS } from '../../src/storage/postgres.js';
import type { NewTrial, Storage } from '../../src/storage/types.js';
import { PG_URL, schemaUrl, withPostgres } from './pg-server.js';

const TRIALS = 20_000;
const FINISHED = 18_000;

/** A sweep of TRIALS trials, a seed each, the first FINISHED of them complete; its id. */
async function bigSweep(s: Storage, finish: (sweepId: number) => Promise<void>): Promise<number> {
  const sw = await s.createSweep({ name: 'big', definition: {}, file: null, metric: 'val_loss', goal: 'minimize', steps: 1, trainerHash: null });
  const trials: NewTrial[] = Array.from({ length: TRIALS }, (_, i) => ({ configHash: `h${i}`, repeat: 0, params: { gamma: i }, seed: i }));
  for (let i = 0; i < TRIALS; i += 5_000) await s.addTrials(sw.id, trials.slice(i, i + 5_000));
  await finish(sw.id);
  return sw.id;
}

test('sqlite: claims, cohort claims and the best trial search the indexes that start at their rows: no walk over finished trials, no sort', async () => {
  const s = openSqlite(join(mkdtempSync(join(tmpdir(), 'lrsweep-plans-')), 'plans.db'), { mode: 'write' });
  try {
    const sweep = await bigSweep(s, async (id) => {
      s.db.prepare("UPDATE trials SET state = 'complete', objective = number WHERE sweep_id = ? AND number <= ?").run(id, FINISHED);
    });
    const plan = (sql: string) => (s.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ sweep, run: 1, limit: 16 }) as { detail: string }[]).map((r) => r.detail);
    const onTrials = (lines: string[]) => lines.filter((l) => / trials /.test(`${l} `));
    const noSortNoScan = (lines: string[]) => {
      assert.ok(!lines.some((l) => /TEMP B-TREE/.test(l)), `no sort:\n${lines.join('\n')}`);
      assert.ok(!lines.some((l) => /^SCAN trials/.test(l)), `no scan of trials:\n${lines.join('\n')}`);
    };

    const claim = plan(SQLITE_CLAIMS.claim);
    noSortNoScan(claim);
    assert.deepEqual(onTrials(claim), [
      'SEARCH trials USING INTEGER PRIMARY KEY (rowid=?)',
      'SEARCH trials USING COVERING INDEX trials_waiting (sweep_id=?)',
    ]);

    const cohort = plan(SQLITE_CLAIMS.claimSameSeed);
    noSortNoScan(cohort);
    assert.deepEqual(onTrials(cohort), [
      'SEARCH trials USING INTEGER PRIMARY KEY (rowid=?)',
      'SEARCH trials USING COVERING INDEX trials_waiting_seed (sweep_id=? AND seed=?)',
      'SEARCH trials USING INDEX trials_waiting (sweep_id=?)',
    ]);

    for (const best of [SQLITE_CLAIMS.bestMin, SQLITE_CLAIMS.bestMax]) {
      assert.deepEqual(onTrials(plan(best)), ['SEARCH trials USING COVERING INDEX trials_complete (sweep_id=?)']);
    }
    // What the plans promise: the claims take the first waiting trials, and one seed's.
    const run = await s.beginRun(sweep, { pid: 1, host: 'h', workers: 1, backend: 'wasm' });
    assert.deepEqual((await s.claimTrials(sweep, run, 3)).map((t) => t.number), [FINISHED + 1, FINISHED + 2, FINISHED + 3]);
    assert.deepEqual((await s.claimTrials(sweep, run, 3, { sameSeed: true })).map((t) => [t.number, t.seed]), [[FINISHED + 4, FINISHED + 3]]);
    assert.equal(await s.bestTrialObjective(sweep), 1);
  } finally {
    await s.close();
  }
});

withPostgres(() => {
  test('postgres: claims, cohort claims and the best trial use the indexes that start at their rows: no scan of trials, no sort', async () => {
    const url = schemaUrl();
    const schema = new URL(url).searchParams.get('schema')!;
    const s = await openPostgres(url, { mode: 'write' });
    const client = new pg.Client({ connectionString: PG_URL!, options: `-c search_path=${schema}` });
    await client.connect();
    try {
      const sweep = await bigSweep(s, async (id) => {
        await client.query("UPDATE trials SET state = 'complete', objective = number WHERE sweep_id = $1 AND number <= $2", [id, FINISHED]);
        await client.query('ANALYZE trials');
      });
      // The statement as the code sends it, parameters bound as the code binds them (sweep, run, limit).
      const plan = async (name: string, sql: string, values: unknown[]) => {
        await client.query(`PREPARE ${name} AS ${sql}`);
        const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE ${name}(${values.map((v) => Number(v)).join(', ')})`);
        return rows.map((r) => r['QUERY PLAN']);
      };
      const check = (lines: string[], indexes: string[]) => {
        const text = lines.join('\n');
        assert.ok(!/Seq Scan on trials/.test(text), `no sequential scan of trials:\n${text}`);
        assert.ok(!/\bSort\b/.test(text), `no sort:\n${text}`);
        for (const index of indexes) assert.match(text, new RegExp(`Index (Only )?Scan using ${index} on trials`), `${index}:\n${text}`);
      };
      check(await plan('claim_plan', PG_CLAIMS.claim, [sweep, 1, 16]), ['trials_waiting']);
      const cohort = await plan('cohort_plan', PG_CLAIMS.claimSameSeed, [sweep, 1, 16]);
      check(cohort, ['trials_waiting', 'trials_waiting_seed']);
      assert.ok(!cohort.some((l) => /Filter: .*seed/.test(l)), `the seed is an index condition, not a filter over waiting trials:\n${cohort.join('\n')}`);
      check(await plan('best_plan', PG_CLAIMS.bestTrial, [sweep]), ['trials_complete']);

      const run = await s.beginRun(sweep, { pid: 1, host: 'h', workers: 1, backend: 'wasm' });
      assert.deepEqual((await s.claimTrials(sweep, run, 3)).map((t) => t.number), [FINISHED + 1, FINISHED + 2, FINISHED + 3]);
      assert.deepEqual((await s.claimTrials(sweep, run, 3, { sameSeed: true })).map((t) => [t.number, t.seed]), [[FINISHED + 4, FINISHED + 3]]);
      assert.equal(await s.bestTrialObjective(sweep), 1);
    } finally {
      await client.end();
      await s.close();
    }
  });

  test('postgres: the queue\'s fetch (pg-boss\'s statement) walks our index on waiting jobs in its order: no sort of the waiting jobs', async () => {
    const url = schemaUrl();
    const schema = new URL(url).searchParams.get('schema')!;
    const s = await openPostgres(url, { mode: 'write' });
    const queue = await PgBossQueue.open(url);
    const client = new pg.Client({ connectionString: PG_URL! });
    await client.connect();
    try {
      const sweep = await bigSweep(s, async () => {});
      const ids = (await client.query<{ id: number }>(`SELECT id FROM ${schema}.trials WHERE sweep_id = $1 ORDER BY number`, [sweep])).rows.map((r) => Number(r.id));
      assert.equal(await queue.enqueue(sweep, ids.map((id, i) => ({ key: `k${i}`, trialIds: [id], order: i + 1 }))), TRIALS);
      // No ANALYZE here: the plan straight after an enqueue is the one the run's first fetches get.
      // pg-boss builds the statement and binds its parameters; our db explains it instead of running it.
      const explained: string[] = [];
      let failed: unknown = null;
      const explainer = {
        executeSql: async (text: string, values: unknown[]) => {
          try {
            const r = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, values);
            explained.push(...r.rows.map((row) => row['QUERY PLAN']));
            return { rows: [] };
          } catch (e) {
            failed = e; // pg-boss's fetch swallows errors of its statement
            throw e;
          }
        },
      };
      const boss = new PgBoss({ db: explainer, schema });
      await boss.fetch(queueName(sweep), fetchOptions(16));
      assert.equal(failed, null);
      const text = explained.join('\n');
      // The CTE that picks the jobs (`next`: the rows up to its LIMIT) has no sort; the only sort
      // left is pg-boss's window over the batch it picked (16 rows).
      const cte = explained.findIndex((l) => /^\s*CTE next$/.test(l));
      assert.ok(cte >= 0, `the plan has pg-boss's CTE next:\n${text}`);
      const depth = (l: string) => l.length - l.trimStart().length;
      const end = explained.findIndex((l, i) => i > cte && depth(l) <= depth(explained[cte]));
      const picking = explained.slice(cte, end < 0 ? undefined : end).join('\n');
      assert.ok(!/\bSort\b/.test(picking), `no sort of the waiting jobs:\n${text}`);
      assert.ok(!/Sort Key: .*priority/.test(text), `no sort by priority:\n${text}`);
      const partitionIndexes = (await client.query<{ name: string }>(
        'SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass', [`${schema}.${FETCH_INDEX}`])).rows.map((r) => r.name);
      assert.equal(partitionIndexes.length, 1, `${FETCH_INDEX} is on the sweep's queue's partition`);
      assert.match(text, new RegExp(`Index Scan using ${partitionIndexes[0]} on `), `the fetch walks ${FETCH_INDEX}:\n${text}`);
      assert.ok(!/Seq Scan/.test(text), `no sequential scan:\n${text}`);
      // What the plan promises: the lowest orders first.
      assert.deepEqual((await queue.fetch(sweep, 3)).map((j) => j.trialIds), [[ids[0]], [ids[1]], [ids[2]]]);
    } finally {
      await client.end();
      await queue.close();
      await s.close();
    }
  });

  test('postgres: a bulk registration leaves the planner statistics on trials (ANALYZE once ANALYZE_AFTER_TRIALS were added), so claims plan for the rows there are', async () => {
    const url = schemaUrl();
    const schema = new URL(url).searchParams.get('schema')!;
    const s = await openPostgres(url, { mode: 'write' });
    const client = new pg.Client({ connectionString: PG_URL! });
    await client.connect();
    const reltuples = async () => Number((await client.query<{ n: number }>(
      'SELECT c.reltuples AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2', [schema, 'trials'])).rows[0].n);
    try {
      const sw = await s.createSweep({ name: 'bulk', definition: {}, file: null, metric: 'val_loss', goal: 'minimize', steps: 1, trainerHash: null });
      const trials: NewTrial[] = Array.from({ length: ANALYZE_AFTER_TRIALS }, (_, i) => ({ configHash: `h${i}`, repeat: 0, params: {}, seed: i }));
      await s.addTrials(sw.id, trials.slice(0, ANALYZE_AFTER_TRIALS - 1));
      assert.notEqual(await reltuples(), ANALYZE_AFTER_TRIALS - 1, 'not analyzed below the threshold');
      await s.addTrials(sw.id, trials.slice(ANALYZE_AFTER_TRIALS - 1));
      assert.equal(await reltuples(), ANALYZE_AFTER_TRIALS, 'analyzed once the threshold was reached: the planner knows the rows');
    } finally {
      await client.end();
      await s.close();
    }
  });
});
