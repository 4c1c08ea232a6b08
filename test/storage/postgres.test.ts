import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import pg from 'pg';
import { openPostgres, type PostgresStorage } from '../../src/storage/postgres.js';
import { PG_SCHEMA_VERSION } from '../../src/storage/postgres-schema.js';
import { redactUrl } from '../../src/storage/postgres-url.js';
import { openStorage } from '../../src/storage/open.js';
import { SCHEMA_VERSION } from '../../src/storage/schema.js';
import type { NewSweep, NewTrial } from '../../src/storage/types.js';
import { storageContract } from './contract.js';
import { freshSchema, schemaUrl, sql, withPostgres } from './pg-server.js';
import { madeUpPasswordRefused } from '../helpers/postgres-auth.js';
import { skipOrFail } from '../helpers/skip.js';

const sweepInput = (name: string): NewSweep => ({ name, definition: {}, file: null, metric: 'val_loss', goal: 'minimize', steps: 10, trainerHash: null });
const trialsOf = (n: number, from = 0): NewTrial[] => Array.from({ length: n }, (_, i) => ({ configHash: `h${from + i}`, repeat: 0, params: { gamma: i }, seed: 1 }));
const runInfo = { pid: 1, host: 'h', workers: 1, backend: 'wasm' };

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

withPostgres((base) => {
  storageContract('postgres', () => openPostgres(schemaUrl(), { mode: 'write' }));

  test('postgres: a new schema gets the version SQLite has, and the documented tables and views', async () => {
    assert.equal(PG_SCHEMA_VERSION, SCHEMA_VERSION, 'one version number means the same tables on both backends');
    const schema = freshSchema();
    await (await openPostgres(schemaUrl(schema), { mode: 'write' })).close();
    assert.deepEqual(await sql("SELECT value FROM lrsweep_meta WHERE key = 'schema_version'", [], schema), [{ value: String(SCHEMA_VERSION) }]);
    const names = await sql<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1", [schema]);
    assert.deepEqual(names.map((r) => r.name), ['epochs', 'lrsweep_meta', 'metrics', 'ranked_configs', 'ranked_trials', 'runs', 'sweeps', 'trials']);
  });

  test('postgres: the schedule parameters are plain columns of trials, for plain SQL', async () => {
    const schema = freshSchema();
    const s = await openPostgres(schemaUrl(schema), { mode: 'write' });
    const sw = await s.createSweep(sweepInput('p'));
    await s.addTrials(sw.id, [{ configHash: 'h', repeat: 0, params: { cycle_mult: 1.5, gamma: 0.9, warmup_steps: 5, max_cycles: null }, seed: 1 }]);
    await s.close();
    assert.deepEqual(await sql('SELECT number, cycle_mult, gamma, warmup_steps, max_cycles, t_0 FROM trials', [], schema),
      [{ number: 1, cycle_mult: 1.5, gamma: 0.9, warmup_steps: 5, max_cycles: null, t_0: null }]);
  });

  test('postgres: NaN and infinite metric values are stored as such and read back as such', async () => {
    const schema = freshSchema();
    const s = await openPostgres(schemaUrl(schema), { mode: 'write' });
    const sw = await s.createSweep(sweepInput('nan'));
    await s.addTrials(sw.id, trialsOf(1));
    const r = await s.beginRun(sw.id, runInfo);
    const [t] = await s.claimTrials(sw.id, r, 1);
    await s.commit(r, { points: [{ trialId: t.id, attempt: 1, seq: 0, point: { epoch: 1, step: null, values: { a: Number.NaN, b: Infinity, c: -Infinity, d: 0.1 } } }] });
    const values = (await s.points([t.id])).get(t.id)![0].values;
    assert.ok(Number.isNaN(values.a));
    assert.deepEqual([values.b, values.c, values.d], [Infinity, -Infinity, 0.1]);
    await s.close();
    const stored = await sql<{ name: string; value: number; text: string }>('SELECT name, value, value::text AS text FROM metrics ORDER BY name', [], schema);
    assert.deepEqual(stored.map((x) => x.text), ['NaN', 'Infinity', '-Infinity', '0.1'], 'kept natively, not as NULL');
  });

  test('postgres: two storages claiming from one sweep at once never get the same trial, and together get every one', async () => {
    const url = schemaUrl();
    const [a, b] = [await openPostgres(url, { mode: 'write' }), await openPostgres(url, { mode: 'write' })];
    const sw = await a.createSweep(sweepInput('claims'));
    await a.addTrials(sw.id, trialsOf(200));
    const claimAll = async (s: PostgresStorage, size: number) => {
      const run = await s.beginRun(sw.id, runInfo);
      const got: number[] = [];
      for (;;) {
        const claimed = await s.claimTrials(sw.id, run, size);
        if (claimed.length === 0) return got;
        got.push(...claimed.map((t) => t.number));
      }
    };
    const [fromA, fromB] = await Promise.all([claimAll(a, 3), claimAll(b, 2)]);
    assert.ok(fromA.length > 0 && fromB.length > 0, `both claimed (${fromA.length}, ${fromB.length})`);
    const all = [...fromA, ...fromB].sort((x, y) => x - y);
    assert.deepEqual(all, Array.from({ length: 200 }, (_, i) => i + 1), 'each trial claimed exactly once');
    assert.equal((await a.counts(sw.id)).queued, 200);
    await Promise.all([a.close(), b.close()]);
  });

  test('postgres: two runs registering one sweep at once number its trials 1..n, without gaps or duplicates', async () => {
    const url = schemaUrl();
    const [a, b] = [await openPostgres(url, { mode: 'write' }), await openPostgres(url, { mode: 'write' })];
    const sw = await a.createSweep(sweepInput('register'));
    // Overlapping lists, in batches, as two runs of a sweep and of its extension would register them.
    const register = async (s: PostgresStorage, trials: NewTrial[]) => {
      let added = 0;
      for (let i = 0; i < trials.length; i += 50) added += await s.addTrials(sw.id, trials.slice(i, i + 50));
      return added;
    };
    const [addedA, addedB] = await Promise.all([register(a, trialsOf(300)), register(b, trialsOf(300, 150))]);
    assert.equal(addedA + addedB, 450);
    const trials = await a.trials(sw.id);
    assert.deepEqual(trials.map((t) => t.number), Array.from({ length: 450 }, (_, i) => i + 1));
    assert.equal(new Set(trials.map((t) => t.configHash)).size, 450);
    await Promise.all([a.close(), b.close()]);
  });

  test('postgres: opening migrates once, also when several processes open a new schema at once; a newer schema is refused', async () => {
    const schema = freshSchema();
    const url = schemaUrl(schema);
    const opened = await Promise.all([1, 2, 3].map(() => openPostgres(url, { mode: 'write' })));
    await Promise.all(opened.map((s) => s.close()));
    const s = await openPostgres(url, { mode: 'write' });
    await s.createSweep(sweepInput('kept'));
    await s.close();
    assert.deepEqual((await sql<{ n: number }>('SELECT COUNT(*)::int AS n FROM lrsweep_meta', [], schema))[0].n, 1);
    const again = await openPostgres(url, { mode: 'read' });
    assert.deepEqual((await again.listSweeps()).map((x) => x.name), ['kept']);
    await again.close();
    await sql("UPDATE lrsweep_meta SET value = '99' WHERE key = 'schema_version'", [], schema);
    await assert.rejects(openPostgres(url, { mode: 'read' }),
      { name: 'SchemaError', message: `--db: ${url} has schema version 99, newer than this lrsweep's ${SCHEMA_VERSION}: upgrade lrsweep` });
  });

  test('postgres: a schema holding other tables is refused untouched; an empty or missing one is refused for reading', async () => {
    const schema = freshSchema();
    await sql(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.customers (id int)`);
    const url = schemaUrl(schema);
    const message = `--db: ${JSON.stringify(url)} is a PostgreSQL schema but not an lrsweep one (it has customers); pass another --db, or another ?schema=NAME`;
    await assert.rejects(openPostgres(url, { mode: 'write' }), { name: 'SchemaError', message });
    await assert.rejects(openPostgres(url, { mode: 'read' }), { name: 'SchemaError', message });
    assert.deepEqual((await sql<{ name: string }>('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1', [schema])).map((r) => r.name), ['customers']);
    const missing = schemaUrl();
    await assert.rejects(openPostgres(missing, { mode: 'read' }), { name: 'EmptyStoreError', message: `--db: ${JSON.stringify(missing)} is empty: it has no sweeps yet` });
    assert.deepEqual(await sql('SELECT 1 FROM pg_namespace WHERE nspname = $1', [new URL(missing).searchParams.get('schema')]), [], 'a reader creates nothing');
  });

  test('postgres: a reader cannot write, even by mistake', async () => {
    const url = schemaUrl();
    await (await openPostgres(url, { mode: 'write' })).close();
    const r = await openPostgres(url, { mode: 'read' });
    await assert.rejects(r.createSweep(sweepInput('nope')), /read-only transaction/);
    await r.close();
  });

  test('postgres: open.ts takes postgres:// and postgresql:// URLs and refuses other schemes; ?schema= must be a lowercase SQL name', async () => {
    const schema = freshSchema();
    const s = await openStorage(schemaUrl(schema).replace(/^postgres:/, 'postgresql:'), 'write');
    assert.equal(s.where, schemaUrl(schema).replace(/^postgres:/, 'postgresql:'));
    await s.close();
    await assert.rejects(openStorage('mysql://root:hunter2@db/x', 'read'),
      { name: 'UsageError', message: '--db: "mysql://root:***@db/x" is a URL lrsweep cannot open: give a SQLite file (PATH or sqlite:PATH) or a postgres:// URL' });
    await assert.rejects(openStorage(schemaUrl('Team-A'), 'write'),
      { name: 'UsageError', message: '--db: ?schema= must be a lowercase SQL name (a letter or _, then letters, digits or _; at most 63), got "Team-A"' });
  });

  test('postgres: a connection the server ends is a StorageError naming the store and the cause; the next operation reconnects', async () => {
    const schema = freshSchema();
    const url = `${schemaUrl(schema)}&application_name=${schema}`;
    const s = await openPostgres(url, { mode: 'write' });
    const sw = await s.createSweep(sweepInput('lost'));
    // Another session holds the sweep's row, so registering trials waits on the server: end that connection then.
    const holder = new pg.Client({ connectionString: base, options: `-c search_path=${schema}` });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM sweeps WHERE id = $1 FOR UPDATE', [sw.id]);
    const waiting = s.addTrials(sw.id, trialsOf(3)).then(() => null, (e: Error) => e);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const ended = await sql<{ ok: boolean }>("SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", [schema]);
    assert.equal(ended.length, 1);
    const error = await waiting;
    assert.deepEqual([error?.name, error?.message], ['StorageError', `${url}: terminating connection due to administrator command`]);
    await holder.query('ROLLBACK');
    await holder.end();
    assert.equal(await s.addTrials(sw.id, trialsOf(3)), 3);
    await s.close();
  });

  test('postgres: the password never shows, in where, in connection errors or in the runs table', async (t) => {
    if (skipOrFail(t, await madeUpPasswordRefused(schemaUrl()))) return;
    const password = 'pa55:w/rd@secret';
    const withPassword = (u: string) => {
      const url = new URL(u);
      url.username = url.username || 'postgres';
      url.password = encodeURIComponent(password);
      return url.href;
    };
    // The test server trusts local users, so it ignores the password and lets us in.
    const url = withPassword(schemaUrl());
    const s = await openPostgres(url, { mode: 'write' });
    assert.ok(s.where.includes(':***@') && !s.where.includes('secret'), s.where);
    const sw = await s.createSweep(sweepInput('pw'));
    await s.beginRun(sw.id, runInfo);
    const rows = JSON.stringify(await s.runs(sw.id));
    assert.ok(!rows.includes('secret'));
    await s.close();
    const port = await closedPort();
    const refused = withPassword(`postgres://postgres@127.0.0.1:${port}/test`);
    await assert.rejects(openPostgres(refused, { mode: 'read' }),
      { name: 'StorageError', message: `--db postgres://postgres:***@127.0.0.1:${port}/test: connection refused` });
    const noDb = new URL(withPassword(base));
    noDb.pathname = '/lrsweep_no_such_database';
    await assert.rejects(openPostgres(noDb.href, { mode: 'read' }), (e: Error) =>
      e.name === 'UsageError' && e.message === `--db ${redactUrl(noDb.href)}: database "lrsweep_no_such_database" does not exist` && !e.message.includes('secret'));
    assert.equal(redactUrl('postgres://u:p@ss/word@host:5/db?schema=x'), 'postgres://u:***@host:5/db?schema=x', 'an unencoded password is hidden too');
    assert.equal(redactUrl('postgresql://u@host/db?sslmode=require&password=hunter2'), 'postgresql://u@host/db?sslmode=require&password=***');
    assert.equal(redactUrl('postgres://u@host:5432/db'), 'postgres://u@host:5432/db');
  });
});
