// Schema version 4 (indexes on waiting and complete trials, sweeps.last_number) on a store that
// schema version 3 wrote: it opens as before, gains the indexes, and numbers new trials after
// its old ones. (The v1 fixture's upgrade through every version is in sqlite.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import type { Storage } from '../../src/storage/types.js';
import { sql, withPostgres } from './pg-server.js';
import { postgresStoreAt, sqliteStoreAt, upgradePostgres, upgradeSqlite } from './old-stores.js';

const V3_ROWS = [
  "INSERT INTO sweeps (name, definition, metric, goal, steps) VALUES ('old', '{}', 'val_loss', 'minimize', 10)",
  "INSERT INTO trials (sweep_id, number, config_hash, repeat, params, seed, state, objective) VALUES (1, 1, 'a', 0, '{}', 1, 'complete', 0.5)",
  "INSERT INTO trials (sweep_id, number, config_hash, repeat, params, seed) VALUES (1, 2, 'b', 0, '{}', 2)",
];

/** What a version-3 store holds and does after the upgrade, the same on both backends. */
async function checkUpgraded(s: Storage): Promise<void> {
  const sweep = (await s.getSweep('old'))!;
  assert.deepEqual((await s.trials(sweep.id)).map((t) => [t.number, t.state, t.objective]), [[1, 'complete', 0.5], [2, 'waiting', null]]);
  assert.equal(await s.bestTrialObjective(sweep.id), 0.5);
  const run = await s.beginRun(sweep.id, { pid: 1, host: 'h', workers: 1, backend: 'wasm' });
  assert.deepEqual((await s.claimTrials(sweep.id, run, 5)).map((t) => t.number), [2]);
  assert.equal(await s.addTrials(sweep.id, [{ configHash: 'c', repeat: 0, params: {}, seed: 3 }]), 1);
  assert.deepEqual((await s.trials(sweep.id, { offset: 2 })).map((t) => [t.number, t.configHash]), [[3, 'c']]);
}

test('sqlite: a version 3 file opens as version 4, with the claim indexes and its sweeps\' last numbers', async () => {
  const path = sqliteStoreAt(3, V3_ROWS);

  await upgradeSqlite(path, checkUpgraded);
  const after = new Database(path, { readonly: true });
  const indexes = (after.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'trials_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
  assert.deepEqual(indexes, ['trials_by_state', 'trials_complete', 'trials_waiting', 'trials_waiting_seed']);
  assert.deepEqual(after.prepare('SELECT last_number FROM sweeps').all(), [{ last_number: 3 }]);
  after.close();
});

withPostgres(() => {
  test('postgres: a version 3 schema opens as version 4, with the claim indexes and its sweeps\' last numbers', async () => {
    const schema = await postgresStoreAt(3, V3_ROWS);
    await upgradePostgres(schema, checkUpgraded);
    const indexes = await sql<{ name: string }>("SELECT indexname AS name FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE 'trials\\_%' ORDER BY 1", [schema]);
    assert.deepEqual(indexes.map((r) => r.name), ['trials_by_state', 'trials_complete', 'trials_held', 'trials_pkey',
      'trials_sweep_id_config_hash_repeat_key', 'trials_sweep_id_number_key', 'trials_waiting', 'trials_waiting_seed']);
    assert.deepEqual(await sql('SELECT last_number FROM sweeps', [], schema), [{ last_number: 3 }]);
  });
});
