// `lrsweep predict` through the CLI: on a small recorded sweep (a module trainer whose training
// loss is the law itself plus seeded noise) it fits, checks itself by leave-one-out and ranks the
// grid's untried configs; on a sweep without training-loss curves it says what it needs (exit 2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSweep } from '../../src/sweep/run.js';
import { runCli } from '../helpers/cli.js';
import { queryDb } from '../helpers/sweep-db.js';

const LAW_TRAINER = fileURLToPath(new URL('./law-trainer.ts', import.meta.url));
const PLAIN_TRAINER = fileURLToPath(new URL('../fixtures/trainers/plain.mjs', import.meta.url));

async function recorded(trainer: string, name: string, extra = ''): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-predict-'));
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `
name: ${name}
schedule: { kind: cawr, max_lr: 0.01, min_lr: 0.0001 }
parameters:
  first_cycle_steps: { values: [150, 300, 600] }
  warmup_steps: { values: [0, 30] }
objective: { metric: ${name === 'law' ? 'train_loss' : 'val_loss'}, goal: minimize }
trainer: { kind: module, path: ${JSON.stringify(trainer)} }
${extra}
`);
  const db = join(dir, 'lrsweep.db');
  await runSweep({ file, db, workers: 1 });
  return db;
}

test('predict on a recorded sweep: leave-one-out on the trained configs, the untried ones in predicted order', async () => {
  const db = await recorded(LAW_TRAINER, 'law', 'budget: { max_trials: 4 }');
  const trained = queryDb<{ config_hash: string }>(db, "SELECT config_hash FROM trials WHERE state = 'complete'").map((r) => r.config_hash);
  assert.equal(trained.length, 4);
  const json = runCli(['predict', 'law', '--db', db, '--format', 'json']);
  assert.equal(json.status, 0, json.stderr);
  const r = JSON.parse(json.stdout);
  assert.equal(r.trained.configs, 4);
  assert.equal(r.candidates.source, 'grid');
  assert.equal(r.candidates.count, 2);
  assert.equal(r.leave_one_out.configs.length, 4);
  // The data is the law plus noise of sd 0.001: held out, each config is predicted closely, in order.
  assert.ok(r.leave_one_out.spearman >= 0.8, `leave-one-out Spearman ${r.leave_one_out.spearman}`);
  assert.ok(r.leave_one_out.mean_abs_error < 0.01, `mean |error| ${r.leave_one_out.mean_abs_error}`);
  assert.deepEqual(r.top.map((c: { rank: number }) => c.rank), [1, 2]);
  assert.ok(r.top[0].predicted <= r.top[1].predicted);
  for (const c of r.top) assert.ok(!trained.includes(c.config), `${c.config} was trained`);
  assert.equal(r.fit.params, undefined, 'the fitted parameters are never shown');

  const table = runCli(['predict', 'law', '--db', db, '--top', '1']);
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /^law: the law fitted to train_loss of 4 complete trials \(4 configs, \d+ windows; typical \|log residual\| [\d.e-]+\)\n/);
  assert.match(table.stdout, new RegExp(`leave-one-out over the 4 trained configs: Spearman ${r.leave_one_out.spearman.toFixed(2)} \\(predicted final train_loss against train_loss\\)`));
  // The same seed, the same prediction (the table rounds to 4 places).
  assert.ok(table.stdout.includes(`│ 1    │ ${Number(r.top[0].predicted.toFixed(4))}`), table.stdout);
});

test('predict on a sweep without training-loss curves says what it needs: exit 2, one line', async () => {
  const db = await recorded(PLAIN_TRAINER, 'plain');
  const r = runCli(['predict', 'plain', '--db', db]);
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, 'lrsweep: --metric: predict needs training-loss curves, and no complete trial of plain reported "train_loss" (6 complete trials; they report: curve_sum, seed, val_loss); train some trials that report the training loss many times a run (per step or per window), or pass --metric\n');
});
