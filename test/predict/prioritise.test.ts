// `lrsweep predict NAME --prioritise` through the CLI on SQLite (the storage primitive itself, and
// the queue's jobs on PostgreSQL, are in the storage contract suite and postgres-queue.test.ts): on
// a grid sweep the shortlist's waiting trials are claimed first, best predicted first, then the
// rest in number order; on a sobol sweep it only advises and changes nothing; on a sweep without
// training-loss curves it says what it needs and moves nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { openSqlite } from '../../src/storage/sqlite.js';
import { runSweep } from '../../src/sweep/run.js';
import { runCli } from '../helpers/cli.js';
import { queryDb } from '../helpers/sweep-db.js';

const LAW_TRAINER = fileURLToPath(new URL('./law-trainer.ts', import.meta.url));
const PLAIN_TRAINER = fileURLToPath(new URL('../fixtures/trainers/plain.mjs', import.meta.url));

/** A sweep of 12 trials run in full, then its trials after the 5th put back to waiting as if never trained (a sweep part-way). */
async function partly(name: string, trainer: string, method: string, metric = 'train_loss'): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-prioritise-'));
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `
name: ${name}
schedule: { kind: cawr, max_lr: 0.01, min_lr: 0.0001 }
method: ${method}
parameters:
  first_cycle_steps: { values: [100, 150, 300, 600] }
  warmup_steps: { values: [0, 30, 60] }
objective: { metric: ${metric}, goal: minimize }
trainer: { kind: module, path: ${JSON.stringify(trainer)} }
${method === 'grid' ? '' : 'trials: 12'}
`);
  const db = join(dir, 'lrsweep.db');
  await runSweep({ file, db, workers: 1 });
  const d = new Database(db);
  d.exec(`DELETE FROM metrics WHERE trial_id IN (SELECT id FROM trials WHERE number > 5);
    UPDATE trials SET state = 'waiting', objective = NULL, attempts = 0, run_id = NULL, started_at = NULL, finished_at = NULL, duration_ms = NULL, provenance = NULL WHERE number > 5`);
  d.close();
  return db;
}

const claimOrders = (db: string) => queryDb<{ number: number; claim_order: number }>(db, 'SELECT number, claim_order FROM trials ORDER BY number');

/** The numbers of the sweep's waiting trials in the order claims take them. */
async function claimSequence(db: string, name: string): Promise<number[]> {
  const s = openSqlite(db, { mode: 'write' });
  try {
    const sweep = (await s.getSweep(name))!;
    const run = await s.beginRun(sweep.id, { pid: 1, host: 'h', workers: 1, backend: 'wasm' });
    const out: number[] = [];
    for (;;) {
      const [t] = await s.claimTrials(sweep.id, run, 1);
      if (!t) return out;
      out.push(t.number);
    }
  } finally {
    await s.close();
  }
}

test('predict --prioritise on a grid: the shortlist\'s waiting trials are claimed first, best predicted first, then the rest in number order', async () => {
  const db = await partly('grid', LAW_TRAINER, 'grid');
  const waiting = queryDb<{ number: number; config_hash: string }>(db, "SELECT number, config_hash FROM trials WHERE state = 'waiting' ORDER BY number");
  assert.equal(waiting.length, 7, 'the grid planned 12 trials; 5 trained');
  const r = runCli(['predict', 'grid', '--db', db, '--top', '3', '--prioritise', '--format', 'json']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const shortlist = (out.top as { config: string }[]).map((c) => waiting.find((w) => w.config_hash === c.config)!.number);
  assert.deepEqual(out.prioritised, { trials: shortlist, jobs: null });
  assert.equal(out.advice, null);
  const rest = waiting.map((w) => w.number).filter((n) => !shortlist.includes(n));
  assert.notDeepEqual(shortlist, waiting.slice(0, 3).map((w) => w.number), 'the shortlist is not the first waiting trials anyway');
  assert.deepEqual(await claimSequence(db, 'grid'), [...shortlist, ...rest]);

  const table = runCli(['predict', 'grid', '--db', db, '--top', '1', '--prioritise']);
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /\nprioritised: none of these configs has a waiting trial; nothing moved\n$/, 'all claimed above: nothing waits');
});

test('predict --prioritise on a sobol sweep only advises: nothing changes', async () => {
  const db = await partly('sobol', LAW_TRAINER, '{ kind: sobol, scramble: true }');
  const before = claimOrders(db);
  const r = runCli(['predict', 'sobol', '--db', db, '--top', '2', '--prioritise']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /\n--prioritise: sweep sobol samples with sobol, not a grid: its waiting trials are not these configs, so nothing was changed; to train the shortlist, add its configs as a values grid in a sweep file, or use method: \{kind: predict\}\n$/);
  assert.deepEqual(claimOrders(db), before);
  assert.ok(before.every((t) => t.claim_order === 0));
});

test('predict --prioritise on a sweep without training-loss curves says what it needs and moves nothing', async () => {
  const db = await partly('plain', PLAIN_TRAINER, 'grid', 'val_loss');
  const r = runCli(['predict', 'plain', '--db', db, '--prioritise']);
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^lrsweep: --metric: predict needs training-loss curves, and no complete trial of plain reported "train_loss" \(5 complete trials; they report: [^)]*\); train some trials that report the training loss many times a run \(per step or per window\), or pass --metric\n$/);
  assert.ok(claimOrders(db).every((t) => t.claim_order === 0));
});
