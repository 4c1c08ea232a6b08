// Schema version 5 (trials.origin: where a trial came from) on a store that schema version 4
// wrote: its trials read as 'plan' (every trial before was planned from its sweep file), new
// trials keep the origin they are added with, and an origin outside the three is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import type { Storage } from '../../src/storage/types.js';
import { sql, withPostgres } from './pg-server.js';
import { postgresStoreAt, sqliteStoreAt, upgradePostgres, upgradeSqlite } from './old-stores.js';

const V4_ROWS = [
  "INSERT INTO sweeps (name, definition, metric, goal, steps, last_number) VALUES ('old', '{}', 'val_loss', 'minimize', 10, 2)",
  "INSERT INTO trials (sweep_id, number, config_hash, repeat, params, seed, state, objective) VALUES (1, 1, 'a', 0, '{}', 1, 'complete', 0.5)",
  "INSERT INTO trials (sweep_id, number, config_hash, repeat, params, seed) VALUES (1, 2, 'b', 0, '{}', 2)",
];

async function checkUpgraded(s: Storage): Promise<void> {
  const sweep = (await s.getSweep('old'))!;
  assert.deepEqual((await s.trials(sweep.id)).map((t) => [t.number, t.state, t.origin]), [[1, 'complete', 'plan'], [2, 'waiting', 'plan']]);
  assert.equal(await s.addTrials(sweep.id, [{ configHash: 'c', repeat: 0, params: {}, seed: 3, origin: 'model' }]), 1);
  assert.deepEqual((await s.trials(sweep.id, { offset: 2 })).map((t) => [t.number, t.origin]), [[3, 'model']]);
}

test('sqlite: a version 4 file opens as version 5, its trials of origin plan', async () => {
  const path = sqliteStoreAt(4, V4_ROWS);

  await upgradeSqlite(path, checkUpgraded);
  const after = new Database(path);
  assert.throws(() => after.exec("UPDATE trials SET origin = 'guess' WHERE number = 1"), /CHECK constraint failed/);
  after.close();
});

withPostgres(() => {
  test('postgres: a version 4 schema opens as version 5, its trials of origin plan', async () => {
    const schema = await postgresStoreAt(4, V4_ROWS);
    await upgradePostgres(schema, checkUpgraded);
    await assert.rejects(sql("UPDATE trials SET origin = 'guess' WHERE number = 1", [], schema), /check constraint/);
  });
});
