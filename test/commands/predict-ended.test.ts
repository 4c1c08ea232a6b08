// A predict sweep stopped by a failed fit (on_fit_failure: stop; here every anchor diverges) is
// done: its unmade shortlist is not counted as to be created by run's progress, by a run that
// resumes it, or by status, which says why nothing more is created. One that falls back is not
// ended by its failure: it trains the file's candidates. On PostgreSQL, where workers ask, a
// run --enqueue-only after the failure counts nothing more to be suggested.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.js';
import { runSweep } from '../../src/sweep/run.js';
import { totalOf } from '../../src/core/trial.js';
import { freshSchema, schemaUrl, withPostgres } from '../storage/pg-server.js';

const DIVERGES = fileURLToPath(new URL('../fixtures/trainers/diverges.ts', import.meta.url));

function sweepFile(choice: 'stop' | 'fallback'): { dir: string; file: string; db: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-predict-ended-'));
  const file = join(dir, 'bad.yaml');
  // Every schedule peaks at 0.01, above the trainer's max_ok: every anchor diverges at epoch 2.
  writeFileSync(file, `name: bad
schedule: { kind: cawr, max_lr: 0.01, min_lr: 0.0001 }
parameters: { first_cycle_steps: { values: [5, 10, 20] }, gamma: { values: [1, 0.7] } }
method: { kind: predict, top_k: 2, on_fit_failure: ${choice} }
objective: { metric: val_loss, goal: minimize }
trainer: { kind: module, path: ${JSON.stringify(DIVERGES)}, options: { max_ok: 0.001 } }
lint: { ignore: [ends-mid-cycle] }
`);
  return { dir, file, db: join(dir, 'lrsweep.db') };
}

test('a predict sweep whose anchors diverge, on_fit_failure: stop, is done: nothing left to create in run\'s progress, on resume, and in status, which says why', async () => {
  const { dir, file, db } = sweepFile('stop');
  const totals: number[] = [];
  const first = await runSweep({ file, db, workers: 1, onProgress: (p) => totals.push(p.total) });
  assert.equal(first.counts.diverged, 3);
  assert.equal(totalOf(first.counts), 3, 'the anchors only');
  assert.equal(totals[0], 5, 'before any result: the anchors and top_k');
  assert.equal(totals[totals.length - 1], 3, 'once the fit failed: the anchors only');
  const again: number[] = [];
  const second = await runSweep({ file, db, workers: 1, onProgress: (p) => again.push(p.total) });
  assert.equal(second.ranThisRun, 0);
  assert.deepEqual([...new Set(again)], [3], 'a resumed run counts nothing to create');
  const why = 'no shortlist: anchor constant was diverged: the law needs every anchor\'s whole train_loss curve (on_fit_failure: stop)';
  const status = runCli(['status', 'bad', '--db', db], { cwd: dir });
  assert.equal(status.status, 0, status.stderr);
  assert.ok(status.stdout.includes(`trials by origin: 0 plan, 0 startup, 0 model, 3 anchor (done, nothing more is created: ${why})\n`), status.stdout);
  const json = JSON.parse(runCli(['status', 'bad', '--db', db, '--format', 'json'], { cwd: dir }).stdout);
  assert.equal(json.to_create, 0);
  assert.equal(json.ended, why);
});

test('the same sweep with on_fit_failure: fallback is not ended by the failure: it trains top_k of the file\'s candidates', async () => {
  const { dir, file, db } = sweepFile('fallback');
  const r = await runSweep({ file, db, workers: 1 });
  assert.equal(totalOf(r.counts), 5);
  const json = JSON.parse(runCli(['status', 'bad', '--db', db, '--format', 'json'], { cwd: dir }).stdout);
  assert.equal(json.to_create, 0);
  assert.equal(json.ended, undefined);
});

withPostgres(() => {
  test('postgres: once a worker\'s anchors diverged, run --enqueue-only counts nothing more to be suggested, and status says why', async () => {
    const { dir, file } = sweepFile('stop');
    const db = schemaUrl(freshSchema());
    const before = runCli(['run', file, '--db', db, '--enqueue-only'], { cwd: dir });
    assert.equal(before.status, 0, before.stderr);
    assert.match(before.stdout, /5 more to be suggested by the workers as results arrive/);
    const w = runCli(['worker', file, '--db', db, '--workers', '1'], { cwd: dir });
    assert.equal(w.status, 0, w.stderr);
    const after = runCli(['run', file, '--db', db, '--enqueue-only'], { cwd: dir });
    assert.equal(after.status, 0, after.stderr);
    assert.doesNotMatch(after.stdout, /more to be suggested/);
    assert.match(runCli(['status', 'bad', '--db', db], { cwd: dir }).stdout, /\(done, nothing more is created: no shortlist: anchor constant was diverged: /);
  });
});
