// The law pruner live through the CLI, checked against replay (as prune-live.test.ts does for
// successive halving): a sweep of law-following trials run with --pruner law on one worker stops
// exactly the trials replay finds on the same sweep run in full, with the same reasons. The live
// check hands the pruner each trial's schedule and every point (TrialView.schedule), as replay does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.js';
import { queryDb } from '../helpers/sweep-db.js';

const PRUNER = 'law:startup_trials=4';

test('a live law pruner on one worker stops the trials replay says it would, with the same reasons', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-prune-law-'));
  const trainer = fileURLToPath(new URL('../fixtures/trainers/law-slow.ts', import.meta.url));
  const sweep = `
name: law-live
schedule: { kind: cawr, min_lr: 0.0001 }
parameters:
  first_cycle_steps: { values: [600, 200, 100, 300] }
  max_lr: { values: [0.01, 0.0005] }
objective: { metric: train_loss, goal: minimize }
trainer: { kind: module, path: ${JSON.stringify(trainer)}, options: { seconds: 0.03 } }
lint: { ignore: [ends-mid-cycle] }
`;
  writeFileSync(join(dir, 'sweep.yaml'), sweep);
  const full = runCli(['run', 'sweep.yaml', '--workers', '1', '--db', 'full.db'], { cwd: dir });
  assert.equal(full.status, 0, full.stderr);
  const replay = runCli(['replay', 'law-live', '--db', 'full.db', '--pruner', PRUNER, '--format', 'json'], { cwd: dir });
  assert.equal(replay.status, 0, replay.stderr);
  const expected = (JSON.parse(replay.stdout).rows[0].result.pruned as { number: number; reason: string }[]).map((p) => [p.number, p.reason]);
  assert.ok(expected.length >= 2, `the law stops some trials (${expected.length})`);

  const live = runCli(['run', 'sweep.yaml', '--workers', '1', '--db', 'live.db', '--pruner', PRUNER], { cwd: dir });
  assert.equal(live.status, 0, live.stderr);
  const prunedIn = (db: string) => queryDb<{ number: number; error: string }>(join(dir, db), "SELECT number, error FROM trials WHERE state = 'pruned' ORDER BY number").map((t) => [t.number, t.error]);
  assert.deepEqual(prunedIn('live.db'), expected);

  // The objective another metric (val_loss, which ranks the trials the other way round): the law
  // still judges train_loss (its metric's default), live as in replay, and stops the same trials;
  // its reasons say so, as the judged metric is not the objective.
  writeFileSync(join(dir, 'val.yaml'), sweep.replace('name: law-live', 'name: law-val').replace('metric: train_loss', 'metric: val_loss'));
  const val = runCli(['run', 'val.yaml', '--workers', '1', '--db', 'val.db', '--pruner', PRUNER], { cwd: dir });
  assert.equal(val.status, 0, val.stderr);
  assert.deepEqual(prunedIn('val.db'), expected.map(([n, reason]) => [n, String(reason).replace(/^law: /, 'law (train_loss): ')]));
});
