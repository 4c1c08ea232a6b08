// Schema version 6 (the pruned state) on a store that schema version 5 wrote: SQLite rebuilds
// the trials table for its state CHECK, PostgreSQL alters it. Every trial keeps its number,
// state, result, origin, lost count and points; the views rank as before; a pruned outcome
// commits and stays out of the ranking; a state outside the eight is still refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import type { Storage } from '../../src/storage/types.js';
import { sql, withPostgres } from './pg-server.js';
import { postgresStoreAt, sqliteStoreAt, upgradePostgres, upgradeSqlite } from './old-stores.js';

const V5_ROWS = [
  "INSERT INTO sweeps (name, definition, metric, goal, steps, last_number) VALUES ('old', '{}', 'val_loss', 'minimize', 10, 4)",
  "INSERT INTO trials (sweep_id, number, config_hash, repeat, params, seed, state, objective, attempts, origin) VALUES (1, 1, 'a', 0, '{\"max_lr\": 0.1}', 1, 'complete', 0.5, 1, 'startup')",
  "INSERT INTO trials (sweep_id, number, config_hash, repeat, params, seed, state, attempts, error, lost) VALUES (1, 2, 'b', 0, '{\"max_lr\": 0.2}', 2, 'failed', 1, 'boom', 2)",
  "INSERT INTO trials (sweep_id, number, config_hash, repeat, params, seed, state, attempts, error) VALUES (1, 3, 'c', 0, '{\"max_lr\": 0.3}', 3, 'diverged', 1, 'diverged at epoch 1')",
  "INSERT INTO trials (sweep_id, number, config_hash, repeat, params, seed) VALUES (1, 4, 'd', 0, '{\"max_lr\": 0.4}', 4)",
  "INSERT INTO metrics (trial_id, attempt, seq, epoch, step, name, value) VALUES (1, 1, 0, 1, NULL, 'val_loss', 0.5)",
];

async function checkUpgraded(s: Storage): Promise<void> {
  const sweep = (await s.getSweep('old'))!;
  assert.deepEqual((await s.trials(sweep.id)).map((t) => [t.number, t.state, t.objective, t.error, t.origin, t.params.max_lr]),
    [[1, 'complete', 0.5, null, 'startup', 0.1], [2, 'failed', null, 'boom', 'plan', 0.2], [3, 'diverged', null, 'diverged at epoch 1', 'plan', 0.3], [4, 'waiting', null, null, 'plan', 0.4]]);
  assert.deepEqual([...(await s.points([1])).values()], [[{ epoch: 1, step: null, values: { val_loss: 0.5 } }]]);
  // The pruned state commits, is final (not claimed again) and is not ranked.
  const run = await s.beginRun(sweep.id, { pid: 1, host: 'h', workers: 1, backend: 'wasm' });
  const [claimed] = await s.claimTrials(sweep.id, run, 1);
  assert.equal(claimed.number, 4);
  await s.commit(run, { started: [{ trialId: claimed.id }], outcomes: [{ trialId: claimed.id, state: 'pruned', objective: 0.25, durationMs: 1, note: 'pruned at step 9' }] });
  await s.releaseRun(run);
  await s.endRun(run, 'finished');
  const pruned = (await s.trial(sweep.id, 4))!;
  assert.deepEqual([pruned.state, pruned.objective, pruned.error], ['pruned', 0.25, 'pruned at step 9']);
  assert.equal((await s.counts(sweep.id)).pruned, 1);
  assert.deepEqual((await s.bestConfigs(sweep.id, 10)).map((c) => c.configHash), ['a']);
  assert.equal(await s.bestTrialObjective(sweep.id), 0.5);
}

test('sqlite: a version 5 file opens as version 6 (trials table rebuilt), its trials and points as they were', async () => {
  const path = sqliteStoreAt(5, V5_ROWS, (db: Database.Database) => {
    assert.throws(() => db.exec("UPDATE trials SET state = 'pruned' WHERE number = 4"), /CHECK constraint failed/, 'version 5 had no pruned state');
  });

  await upgradeSqlite(path, checkUpgraded);
  const after = new Database(path);
  assert.throws(() => after.exec("UPDATE trials SET state = 'guess' WHERE number = 1"), /CHECK constraint failed/);
  assert.deepEqual(after.prepare('SELECT number, max_lr, lost FROM trials ORDER BY number').all().map((r) => Object.values(r as object)),
    [[1, 0.1, 0], [2, 0.2, 2], [3, 0.3, 0], [4, 0.4, 0]], 'generated parameter columns and lost survive the rebuild');
  const indexes = (after.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'trials' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
  assert.deepEqual(indexes, ['trials_by_state', 'trials_complete', 'trials_waiting', 'trials_waiting_seed']);
  assert.deepEqual(after.pragma('foreign_key_check'), []);
  assert.match((after.prepare("SELECT sql FROM sqlite_master WHERE name = 'metrics'").get() as { sql: string }).sql, /REFERENCES "?trials"?\(id\)|REFERENCES "trials"/);
  after.close();
});

withPostgres(() => {
  test('postgres: a version 5 schema opens as version 6, its trials as they were', async () => {
    const schema = await postgresStoreAt(5, V5_ROWS);
    await upgradePostgres(schema, checkUpgraded);
    await assert.rejects(sql("UPDATE trials SET state = 'guess' WHERE number = 1", [], schema), /check constraint/);
  });
});
