// Schema version 7, its 'anchor' origin of the predict sampler's anchor runs (its claim order: migrate-v7-claims.test.ts) on a store that
// schema version 6 wrote: SQLite rebuilds the trials table for its origin CHECK, PostgreSQL alters
// it. Every trial keeps its number, state, result, origin and points; a pruned trial stays out of
// the ranking; an anchor trial can be added after; an origin outside the four is still refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import type { Storage } from '../../src/storage/types.js';
import { sql, withPostgres } from './pg-server.js';
import { postgresStoreAt, sqliteStoreAt, upgradePostgres, upgradeSqlite } from './old-stores.js';

const V6_ROWS = [
  "INSERT INTO sweeps (name, definition, metric, goal, steps, last_number) VALUES ('old', '{}', 'val_loss', 'minimize', 10, 3)",
  "INSERT INTO trials (sweep_id, number, config_hash, repeat, params, seed, state, objective, attempts, origin) VALUES (1, 1, 'a', 0, '{\"max_lr\": 0.1}', 1, 'complete', 0.5, 1, 'startup')",
  "INSERT INTO trials (sweep_id, number, config_hash, repeat, params, seed, state, objective, attempts, error, lost) VALUES (1, 2, 'b', 0, '{\"max_lr\": 0.2}', 2, 'pruned', 0.1, 1, 'pruned at step 3', 2)",
  "INSERT INTO trials (sweep_id, number, config_hash, repeat, params, seed, origin) VALUES (1, 3, 'c', 0, '{\"max_lr\": 0.3}', 3, 'model')",
  "INSERT INTO metrics (trial_id, attempt, seq, epoch, step, name, value) VALUES (1, 1, 0, 1, NULL, 'val_loss', 0.5)",
];

async function checkUpgraded(s: Storage): Promise<void> {
  const sweep = (await s.getSweep('old'))!;
  assert.deepEqual((await s.trials(sweep.id)).map((t) => [t.number, t.state, t.objective, t.error, t.origin, t.params.max_lr]),
    [[1, 'complete', 0.5, null, 'startup', 0.1], [2, 'pruned', 0.1, 'pruned at step 3', 'plan', 0.2], [3, 'waiting', null, null, 'model', 0.3]]);
  assert.deepEqual([...(await s.points([1])).values()], [[{ epoch: 1, step: null, values: { val_loss: 0.5 } }]]);
  assert.deepEqual((await s.bestConfigs(sweep.id, 10)).map((c) => c.configHash), ['a']);
  await s.addTrials(sweep.id, [{ configHash: 'd', repeat: 0, params: { max_lr: 0.4 }, seed: 4, origin: 'anchor' }]);
  assert.deepEqual((await s.trials(sweep.id)).map((t) => [t.number, t.origin]), [[1, 'startup'], [2, 'plan'], [3, 'model'], [4, 'anchor']]);
}

test('sqlite: a version 6 file opens as version 7 (trials table rebuilt for the anchor origin), its trials and points as they were', async () => {
  const path = sqliteStoreAt(6, V6_ROWS, (db: Database.Database) => {
    assert.throws(() => db.exec("UPDATE trials SET origin = 'anchor' WHERE number = 3"), /CHECK constraint failed/, 'version 6 had no anchor origin');
  });
  await upgradeSqlite(path, checkUpgraded);
  const after = new Database(path);
  assert.throws(() => after.exec("UPDATE trials SET origin = 'guess' WHERE number = 1"), /CHECK constraint failed/);
  assert.throws(() => after.exec("UPDATE trials SET state = 'guess' WHERE number = 1"), /CHECK constraint failed/);
  assert.deepEqual(after.prepare('SELECT number, max_lr, lost FROM trials ORDER BY number').all().map((r) => Object.values(r as object)),
    [[1, 0.1, 0], [2, 0.2, 2], [3, 0.3, 0], [4, 0.4, 0]], 'generated parameter columns and lost survive the rebuild');
  const indexes = (after.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'trials' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
  assert.deepEqual(indexes, ['trials_by_state', 'trials_complete', 'trials_waiting', 'trials_waiting_seed']);
  assert.deepEqual(after.pragma('foreign_key_check'), []);
  after.close();
});

withPostgres(() => {
  test('postgres: a version 6 schema opens as version 7, its trials as they were', async () => {
    const schema = await postgresStoreAt(6, V6_ROWS);
    await upgradePostgres(schema, checkUpgraded);
    await assert.rejects(sql("UPDATE trials SET origin = 'guess' WHERE number = 1", [], schema), /check constraint/);
  });
});
