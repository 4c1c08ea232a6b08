// Schema version 7, its claim order (its anchor origin: migrate-v7.test.ts) on a store that schema version 6 wrote: every trial gets
// claim order 0, so its waiting trials are claimed in number order as before; prioritiseTrials then
// moves them; the waiting indexes lead with the claim order. SQLite and PostgreSQL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import type { Storage } from '../../src/storage/types.js';
import { sql, withPostgres } from './pg-server.js';
import { postgresStoreAt, sqliteStoreAt, upgradePostgres, upgradeSqlite } from './old-stores.js';

const V6_ROWS = [
  "INSERT INTO sweeps (name, definition, metric, goal, steps, last_number) VALUES ('old', '{}', 'val_loss', 'minimize', 10, 5)",
  "INSERT INTO trials (sweep_id, number, config_hash, repeat, params, seed, state, objective, attempts) VALUES (1, 1, 'a', 0, '{}', 1, 'complete', 0.5, 1)",
  "INSERT INTO trials (sweep_id, number, config_hash, repeat, params, seed, state, objective, attempts, error) VALUES (1, 2, 'b', 0, '{}', 1, 'pruned', 0.9, 1, 'pruned')",
  "INSERT INTO trials (sweep_id, number, config_hash, repeat, params, seed) VALUES (1, 3, 'c', 0, '{}', 1)",
  "INSERT INTO trials (sweep_id, number, config_hash, repeat, params, seed) VALUES (1, 4, 'd', 0, '{}', 1)",
  "INSERT INTO trials (sweep_id, number, config_hash, repeat, params, seed) VALUES (1, 5, 'e', 0, '{}', 1)",
];

async function checkUpgraded(s: Storage): Promise<void> {
  const sweep = (await s.getSweep('old'))!;
  const trials = await s.trials(sweep.id);
  assert.deepEqual(trials.map((t) => [t.number, t.state, t.claimOrder]), [[1, 'complete', 0], [2, 'pruned', 0], [3, 'waiting', 0], [4, 'waiting', 0], [5, 'waiting', 0]]);
  const run = await s.beginRun(sweep.id, { pid: 1, host: 'h', workers: 1, backend: 'wasm' });
  assert.deepEqual((await s.claimTrials(sweep.id, run, 1)).map((t) => t.number), [3], 'number order, as before');
  assert.equal(await s.prioritiseTrials(sweep.id, [trials[4].id]), 1);
  assert.deepEqual((await s.claimTrials(sweep.id, run, 1)).map((t) => t.number), [5]);
  assert.deepEqual((await s.claimTrials(sweep.id, run, 1)).map((t) => t.number), [4]);
}

test('sqlite: a version 6 file opens as version 7: claim order 0 everywhere, claims in number order until trials are prioritised', async () => {
  const path = sqliteStoreAt(6, V6_ROWS);
  await upgradeSqlite(path, checkUpgraded);
  const after = new Database(path, { readonly: true });
  const sqlOf = (name: string) => (after.prepare('SELECT sql FROM sqlite_master WHERE name = ?').get(name) as { sql: string }).sql;
  assert.match(sqlOf('trials_waiting'), /\(sweep_id, claim_order, number\) WHERE state = 'waiting'/);
  assert.match(sqlOf('trials_waiting_seed'), /\(sweep_id, seed, claim_order, number\) WHERE state = 'waiting'/);
  after.close();
});

withPostgres(() => {
  test('postgres: a version 6 schema opens as version 7: claim order 0 everywhere, claims in number order until trials are prioritised', async () => {
    const schema = await postgresStoreAt(6, V6_ROWS);
    await upgradePostgres(schema, checkUpgraded);
    const defs = await sql<{ indexname: string; indexdef: string }>("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE 'trials_waiting%' ORDER BY indexname", [schema]);
    assert.deepEqual(defs.map((d) => d.indexname), ['trials_waiting', 'trials_waiting_seed']);
    assert.match(defs[0].indexdef, /\(sweep_id, claim_order, number\) WHERE \(state = 'waiting'::text\)/);
    assert.match(defs[1].indexdef, /\(sweep_id, seed, claim_order, number\) WHERE \(state = 'waiting'::text\)/);
  });
});
