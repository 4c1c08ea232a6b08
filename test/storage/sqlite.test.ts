import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { openSqlite } from '../../src/storage/sqlite.js';
import { SCHEMA_VERSION } from '../../src/storage/schema.js';
import type { NewSweep } from '../../src/storage/types.js';
import { storageContract } from './contract.js';
import { skipOrFail } from '../helpers/skip.js';

const dir = mkdtempSync(join(tmpdir(), 'lrsweep-sqlite-'));
let n = 0;
const fresh = () => join(dir, `db-${n++}.db`);
const V1 = new URL('../fixtures/v1/old.db', import.meta.url);
const sweepInput = (name: string): NewSweep => ({ name, definition: {}, file: null, metric: 'val_loss', goal: 'minimize', steps: 10, trainerHash: null });

storageContract('sqlite', async () => openSqlite(fresh(), { mode: 'write' }));

test('sqlite: a new file gets the schema, its version, WAL mode and the documented tables and views', async () => {
  const path = fresh();
  await openSqlite(path, { mode: 'write' }).close();
  const db = new Database(path);
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal((db.prepare("SELECT value FROM lrsweep_meta WHERE key = 'schema_version'").get() as { value: string }).value, String(SCHEMA_VERSION));
  const names = (db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name").all() as { name: string }[]).map((r) => r.name);
  assert.deepEqual(names, ['epochs', 'lrsweep_meta', 'metrics', 'ranked_configs', 'ranked_trials', 'runs', 'sweeps', 'trials']);
  db.close();
});

test('sqlite: the schedule parameters are plain columns of trials, for plain SQL', async () => {
  const path = fresh();
  const s = openSqlite(path, { mode: 'write' });
  const sw = await s.createSweep(sweepInput('p'));
  await s.addTrials(sw.id, [{ configHash: 'h', repeat: 0, params: { cycle_mult: 1.5, gamma: 0.9, warmup_steps: 5, max_cycles: 3 }, seed: 1 }]);
  await s.close();
  const db = new Database(path, { readonly: true });
  assert.deepEqual(db.prepare('SELECT number, cycle_mult, gamma, warmup_steps, max_cycles FROM trials').get(), { number: 1, cycle_mult: 1.5, gamma: 0.9, warmup_steps: 5, max_cycles: 3 });
  db.close();
});

test('sqlite: the database enforces one trial per sweep, config hash and repeat, and one per number', async () => {
  const path = fresh();
  await openSqlite(path, { mode: 'write' }).close();
  const db = new Database(path);
  db.prepare("INSERT INTO sweeps (name, definition, metric, goal) VALUES ('x', '{}', 'val_loss', 'minimize')").run();
  const insert = db.prepare("INSERT INTO trials (sweep_id, number, config_hash, repeat, params, seed) VALUES (1, ?, ?, 0, '{}', 1)");
  insert.run(1, 'h');
  assert.throws(() => insert.run(2, 'h'), /UNIQUE constraint failed/);
  assert.throws(() => insert.run(1, 'other'), /UNIQUE constraint failed/);
  db.close();
});

test('sqlite: reopening migrates nothing twice; a newer schema, a foreign file or a missing one is refused clearly', async () => {
  const path = fresh();
  await openSqlite(path, { mode: 'write' }).close();
  await openSqlite(path, { mode: 'write' }).close();
  const db = new Database(path);
  db.prepare("UPDATE lrsweep_meta SET value = '99' WHERE key = 'schema_version'").run();
  db.close();
  assert.throws(() => openSqlite(path, { mode: 'write' }), { name: 'SchemaError', message: `--db: ${path} has schema version 99, newer than this lrsweep's ${SCHEMA_VERSION}: upgrade lrsweep` });
  const junk = join(dir, 'junk.db');
  writeFileSync(junk, 'not a database at all, just text that is long enough to be read as a header'.repeat(20));
  assert.throws(() => openSqlite(junk, { mode: 'write' }), { name: 'UsageError', message: `--db: ${JSON.stringify(junk)} is not a SQLite database (its first bytes are not SQLite's header)` });
  assert.throws(() => openSqlite(join(dir, 'missing.db'), { mode: 'read' }), {
    message: `--db: no database at ${JSON.stringify(join(dir, 'missing.db'))}: run \`npx lrsweep run SWEEP_FILE\` first, or pass --db PATH`,
  });
  assert.throws(() => openSqlite(join(dir, 'no-such-dir', 'x.db'), { mode: 'write' }), { message: `--db: the directory ${JSON.stringify(join(dir, 'no-such-dir'))} does not exist` });
});

test('sqlite: an unrelated SQLite file is refused, untouched, for writing and for reading', async () => {
  const path = fresh();
  const other = new Database(path);
  other.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('ada')");
  other.close();
  const message = `--db: ${JSON.stringify(path)} is a SQLite database but not an lrsweep one (it has customers); pass another --db`;
  assert.throws(() => openSqlite(path, { mode: 'write' }), { name: 'SchemaError', message });
  assert.throws(() => openSqlite(path, { mode: 'read' }), { name: 'SchemaError', message });
  const db = new Database(path, { readonly: true });
  assert.deepEqual((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name), ['customers']);
  db.close();
});

/**
 * How to start a process that file modes bind, wherever the checkout lives: as is for a normal
 * user; for root (whom modes do not bind), as the checkout's owner without the power to override
 * them: root without CAP_DAC_OVERRIDE when root owns the checkout (it may sit in a 0700 directory
 * no other user can enter), else that user. Null with the reason when this machine cannot.
 */
function boundByFileModes(): { prefix: string[]; owner: number } | { missing: string } {
  if (process.getuid?.() !== 0) return { prefix: [], owner: process.getuid?.() ?? -1 };
  const { uid, gid } = statSync(fileURLToPath(new URL('../..', import.meta.url)));
  const prefix = uid === 0 ? ['setpriv', '--bounding-set=-dac_override'] : ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups'];
  const probe = spawnSync(prefix[0], [...prefix.slice(1), 'true'], { encoding: 'utf8' });
  if (probe.status !== 0) return { missing: `root cannot drop the power to override file modes here (${prefix.join(' ')}: ${(probe.stderr || probe.error?.message || '').trim()})` };
  return { prefix, owner: uid };
}

test('sqlite: a read-only database file is refused for writing with its name, and leaves no -wal or -shm behind', async (t) => {
  const bound = boundByFileModes();
  if ('missing' in bound) {
    skipOrFail(t, bound.missing);
    return;
  }
  const sub = mkdtempSync(join(dir, 'ro-'));
  const path = join(sub, 'ro.db');
  const s = openSqlite(path, { mode: 'write' });
  await s.createSweep(sweepInput('ro'));
  await s.close();
  chmodSync(path, 0o444);
  if (bound.owner !== process.getuid?.()) {
    chmodSync(dir, 0o755); // mkdtemp makes 0700 directories: let the checkout's owner in
    chmodSync(sub, 0o777);
  }
  const script = `import('${new URL('../../src/storage/sqlite.ts', import.meta.url).href}').then(async (m) => {
    try { m.openSqlite(${JSON.stringify(path)}, { mode: 'write' }); console.log('opened'); } catch (e) { console.log(e.message); }
    const r = m.openSqlite(${JSON.stringify(path)}, { mode: 'read' }); console.log((await r.listSweeps()).map((x) => x.name).join()); await r.close();
  })`;
  const cmd = [...bound.prefix, process.execPath];
  const r = spawnSync(cmd[0], [...cmd.slice(1), '--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), [`--db: ${JSON.stringify(path)} is read-only; a run needs to write it (copy it, or pass another --db)`, 'ro']);
  assert.deepEqual(readdirSync(sub), ['ro.db']);
});

test('sqlite: on a read-only file system, readers still read (an older file too, upgraded in memory)', async (t) => {
  if (skipOrFail(t, process.getuid?.() !== 0 && 'needs root to mount a read-only file system')) return;
  const mnt = mkdtempSync(join(dir, 'mnt-'));
  if (skipOrFail(t, spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]).status !== 0 && 'cannot mount a tmpfs here')) return;
  try {
    const path = join(mnt, 'lrsweep.db');
    const s = openSqlite(path, { mode: 'write' });
    await s.createSweep(sweepInput('on-ro'));
    await s.close();
    copyFileSync(V1, join(mnt, 'old.db'));
    assert.equal(spawnSync('mount', ['-o', 'remount,ro', mnt]).status, 0);
    const r = openSqlite(path, { mode: 'read' });
    assert.deepEqual((await r.listSweeps()).map((x) => x.name), ['on-ro']);
    await r.close();
    const old = openSqlite(join(mnt, 'old.db'), { mode: 'read' });
    const sweep = (await old.getSweep('old-sweep'))!;
    assert.equal((await old.bestConfigs(sweep.id, 10)).length, 4);
    await old.close();
    assert.throws(() => openSqlite(path, { mode: 'write' }), { message: /is read-only; a run needs to write it/ });
    assert.deepEqual(readdirSync(mnt).sort(), ['lrsweep.db', 'old.db']);
  } finally {
    spawnSync('umount', [mnt]);
  }
});

test('sqlite: a full disk is a StorageError naming the database and the cause, and what was committed stays', async (t) => {
  if (skipOrFail(t, process.getuid?.() !== 0 && 'needs root to mount a small tmpfs')) return;
  const mnt = mkdtempSync(join(dir, 'full-'));
  if (skipOrFail(t, spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=600k', 'tmpfs', mnt]).status !== 0 && 'cannot mount a tmpfs here')) return;
  try {
    const path = join(mnt, 'full.db');
    const s = openSqlite(path, { mode: 'write' });
    const sw = await s.createSweep(sweepInput('full'));
    await s.addTrials(sw.id, [{ configHash: 'first', repeat: 0, params: {}, seed: 1 }]);
    const big = 'x'.repeat(20_000);
    await assert.rejects(async () => {
      for (let i = 0; i < 1000; i++) await s.addTrials(sw.id, [{ configHash: `h${i}`, repeat: 0, params: { big }, seed: i }]);
    }, (e: Error) => e.name === 'StorageError' && e.message.startsWith(`${path}: database or disk is full (SQLITE_FULL`));
    await s.close();
    writeFileSync(join(mnt, 'filler'), ''); // nothing to free: reading must still work
    const r = openSqlite(path, { mode: 'read' });
    assert.equal((await r.trials(sw.id))[0].configHash, 'first');
    await r.close();
  } finally {
    spawnSync('umount', [mnt]);
  }
});

test('sqlite: a database written by lrsweep 0.1 (schema 1) opens with its trials numbered, its NaN trials diverged, and the same ranking', async () => {
  const path = fresh();
  copyFileSync(V1, path);
  const s = openSqlite(path, { mode: 'read' });
  const sweep = (await s.getSweep('old-sweep'))!;
  assert.equal(sweep.steps, 30, 'steps computed from the v1 definition');
  const best = await s.bestConfigs(sweep.id, 10);
  const v1 = JSON.parse(readFileSync(new URL('../fixtures/v1/best.json', import.meta.url), 'utf8')) as
    { rank: number; val_loss: number; best_trial: number; config: string }[];
  assert.deepEqual(best.map((b) => [b.rank, b.objective, b.configHash]), v1.map((r) => [r.rank, r.val_loss, r.config]));
  const counts = await s.counts(sweep.id);
  assert.deepEqual([counts.complete, counts.diverged], [8, 4]);
  const trials = await s.trials(sweep.id);
  assert.deepEqual(trials.map((t) => t.number), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  const points = (await s.points([trials[0].id])).get(trials[0].id)!;
  assert.deepEqual(points.map((p) => p.epoch), [1, 2, 3]);
  assert.deepEqual(Object.keys(points[0].values).sort(), ['lr', 'train_loss', 'val_loss']);
  await s.close();
  const db = new Database(path, { readonly: true });
  assert.deepEqual(db.prepare('SELECT COUNT(*) AS n FROM epochs').get(), { n: 36 }, 'the epochs view still answers old queries');
  db.close();
});

test('sqlite: a reader holding a read transaction never makes the writer fail', async () => {
  const path = fresh();
  const s = openSqlite(path, { mode: 'write' });
  const sw = await s.createSweep(sweepInput('r'));
  await s.addTrials(sw.id, Array.from({ length: 50 }, (_, i) => ({ configHash: `h${i}`, repeat: 0, params: {}, seed: i })));
  const reader = new Database(path, { readonly: true });
  reader.exec('BEGIN');
  reader.prepare('SELECT COUNT(*) FROM trials').get(); // holds a WAL snapshot
  const r = await s.beginRun(sw.id, { pid: 1, host: 'h', workers: 1, backend: 'wasm' });
  const claimed = await s.claimTrials(sw.id, r, 50);
  await s.commit(r, { started: claimed.map((t) => ({ trialId: t.id })), outcomes: claimed.map((t) => ({ trialId: t.id, state: 'complete' as const, objective: 1, durationMs: 1 })) });
  assert.equal((await s.counts(sw.id)).complete, 50);
  assert.deepEqual(reader.prepare("SELECT COUNT(*) AS n FROM trials WHERE state = 'complete'").get(), { n: 0 }, 'the reader sees its snapshot');
  reader.exec('COMMIT');
  reader.close();
  await s.close();
});
