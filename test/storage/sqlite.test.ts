import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqlite } from '../../src/storage/sqlite.js';
import { SCHEMA_VERSION } from '../../src/storage/schema.js';
import { storageContract } from './contract.js';

const dir = mkdtempSync(join(tmpdir(), 'lrsweep-sqlite-'));
let n = 0;
const fresh = () => join(dir, `db-${n++}.db`);

storageContract('sqlite', () => openSqlite(fresh()));

test('sqlite: a new file gets the schema, its version, WAL mode and the documented tables and views', () => {
  const path = fresh();
  openSqlite(path).close();
  const db = new Database(path);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal((db.prepare("SELECT value FROM lrsweep_meta WHERE key = 'schema_version'").get() as { value: string }).value, String(SCHEMA_VERSION));
  const names = (db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name").all() as { name: string }[]).map((r) => r.name);
  assert.deepEqual(names, ['epochs', 'lrsweep_meta', 'ranked_configs', 'ranked_trials', 'runs', 'sweeps', 'trials']);
  db.close();
});

test('sqlite: the schedule parameters are plain columns of trials, for plain SQL', () => {
  const path = fresh();
  const s = openSqlite(path);
  const sw = s.createSweep({ name: 'p', definition: '{}', file: null, metric: 'val_loss', goal: 'minimize' });
  s.addTrials(sw.id, [{ config_hash: 'h', repeat: 0, params: JSON.stringify({ cycle_mult: 1.5, gamma: 0.9, warmup_steps: 5 }), seed: 1 }]);
  s.close();
  const db = new Database(path, { readonly: true });
  assert.deepEqual(db.prepare('SELECT cycle_mult, gamma, warmup_steps FROM trials').get(), { cycle_mult: 1.5, gamma: 0.9, warmup_steps: 5 });
  db.close();
});

test('sqlite: the database enforces one trial per sweep, config hash and repeat', () => {
  const path = fresh();
  openSqlite(path).close();
  const db = new Database(path);
  db.prepare("INSERT INTO sweeps (name, definition, metric, goal) VALUES ('x', '{}', 'val_loss', 'minimize')").run();
  const insert = db.prepare("INSERT INTO trials (sweep_id, config_hash, repeat, params, seed) VALUES (1, 'h', 0, '{}', 1)");
  insert.run();
  assert.throws(() => insert.run(), /UNIQUE constraint failed/);
  db.close();
});

test('sqlite: reopening migrates nothing twice; a newer schema or a foreign file is refused clearly', () => {
  const path = fresh();
  openSqlite(path).close();
  openSqlite(path).close();
  const db = new Database(path);
  db.prepare("UPDATE lrsweep_meta SET value = '99' WHERE key = 'schema_version'").run();
  db.close();
  assert.throws(() => openSqlite(path), { name: 'SchemaError', message: `${path} has schema version 99, newer than this lrsweep's ${SCHEMA_VERSION}: upgrade lrsweep` });
  const junk = join(dir, 'junk.db');
  writeFileSync(junk, 'not a database at all, just text that is long enough to be read as a header'.repeat(20));
  assert.throws(() => openSqlite(junk), { name: 'UsageError', message: /^--db: cannot open ".*junk\.db" as a SQLite database: / });
  assert.throws(() => openSqlite(join(dir, 'missing.db'), { mustExist: true }), {
    message: `--db: no database at ${JSON.stringify(join(dir, 'missing.db'))}: run \`lrsweep run SWEEP_FILE\` first, or pass --db PATH`,
  });
});

test('sqlite: a reader holding a read transaction never makes the writer fail', () => {
  const path = fresh();
  const s = openSqlite(path);
  const sw = s.createSweep({ name: 'r', definition: '{}', file: null, metric: 'val_loss', goal: 'minimize' });
  s.addTrials(sw.id, Array.from({ length: 50 }, (_, i) => ({ config_hash: `h${i}`, repeat: 0, params: '{}', seed: i })));
  const reader = new Database(path, { readonly: true });
  reader.exec('BEGIN');
  reader.prepare('SELECT COUNT(*) FROM trials').get(); // holds a WAL snapshot
  const r = s.beginRun(sw.id, { pid: 1, host: 'h', workers: 1, backend: 'wasm' });
  for (const t of s.claimTrials(sw.id, r, 50)) s.completeTrial(t.id, r, { objective: 1, epochs: [], duration_ms: 1 });
  assert.equal(s.counts(sw.id).complete, 50);
  assert.deepEqual(reader.prepare("SELECT COUNT(*) AS n FROM trials WHERE state = 'complete'").get(), { n: 0 }, 'the reader sees its snapshot');
  reader.exec('COMMIT');
  reader.close();
  s.close();
});
