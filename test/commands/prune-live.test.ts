// Live pruning through the CLI, checked against replay: a sweep run with --pruner on one worker
// stops exactly the trials, at exactly the steps, that `lrsweep replay` with the same pruner finds
// on the same sweep run in full; running it again trains nothing and keeps them pruned. The trainer
// takes 50 ms an epoch (test/fixtures/trainers/slow-epochs.ts), so each check has answered before
// the next point: a check asks the history as it stands, and a trial whose last check is still
// pending has its points held (prune-hook.ts), which replay's instant decisions never see.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.js';
import { queryDb } from '../helpers/sweep-db.js';

const SWEEP = fileURLToPath(new URL('../fixtures/sweeps/tiny-quadratic.yaml', import.meta.url));
const PRUNER = 'successive_halving:at=steps,reduction=2';

test('a live pruner on one worker stops the trials replay says it would, at the same steps; a second run keeps them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-prune-live-'));
  const trainer = fileURLToPath(new URL('../fixtures/trainers/slow-epochs.ts', import.meta.url));
  writeFileSync(join(dir, 'sweep.yaml'), readFileSync(SWEEP, 'utf8').replace(/trainer:[\s\S]*$/,
    `trainer: { kind: module, path: ${JSON.stringify(trainer)}, options: { seconds: 0.05, epochs: 4, steps_per_epoch: 25 } }\n`));

  const full = runCli(['run', 'sweep.yaml', '--workers', '1', '--db', 'full.db'], { cwd: dir });
  assert.equal(full.status, 0, full.stderr);
  const replay = runCli(['replay', 'tiny-quadratic', '--db', 'full.db', '--pruner', PRUNER, '--format', 'json'], { cwd: dir });
  assert.equal(replay.status, 0, replay.stderr);
  const expected = (JSON.parse(replay.stdout).rows[0].result.pruned as { number: number; reason: string }[]).map((p) => [p.number, p.reason]);
  assert.ok(expected.length >= 3, `the pruner stops some trials (${expected.length})`);

  const live = runCli(['run', 'sweep.yaml', '--workers', '1', '--db', 'live.db', '--pruner', PRUNER], { cwd: dir });
  assert.equal(live.status, 0, live.stderr);
  assert.match(live.stdout, new RegExp(`^sweep tiny-quadratic: ${16 - expected.length} of 16 trials complete, 0 diverged, ${expected.length} pruned, 0 failed`, 'm'));
  const rows = () => queryDb<{ number: number; state: string; error: string | null; objective: number | null; attempts: number }>(join(dir, 'live.db'),
    'SELECT number, state, error, objective, attempts FROM trials ORDER BY number');
  const pruned = rows().filter((t) => t.state === 'pruned');
  assert.deepEqual(pruned.map((t) => [t.number, t.error]), expected);
  assert.ok(pruned.every((t) => t.objective !== null), 'a pruned trial keeps its last reported value');
  const before = rows();
  const again = runCli(['run', 'sweep.yaml', '--workers', '1', '--db', 'live.db', '--pruner', PRUNER], { cwd: dir });
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual(rows(), before, 'nothing trained again: pruned trials stay pruned');
});

test('--pruner is checked against the sweep file\'s trainer as the pruner key is: a rung past its steps, or a trainer that cannot place its points, exit 2 before anything is written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-prune-flag-'));
  writeFileSync(join(dir, 'sweep.yaml'), readFileSync(SWEEP, 'utf8'));
  const past = runCli(['run', 'sweep.yaml', '--pruner', 'successive_halving:min_resource=500'], { cwd: dir });
  assert.equal(past.status, 2, past.stderr);
  assert.match(past.stderr, /^lrsweep: --pruner min_resource: must be below max_resource \(100, the trainer's steps\)/);
  const module = fileURLToPath(new URL('../fixtures/trainers/throws.ts', import.meta.url));
  writeFileSync(join(dir, 'unplaced.yaml'), 'name: unplaced\nschedule: { first_cycle_steps: 10 }\nparameters: { gamma: { values: [0.5, 0.9] } }\n' +
    `trainer: { kind: module, path: ${JSON.stringify(module)}, options: { message: "x" } }\n`);
  const unplaced = runCli(['run', 'unplaced.yaml', '--pruner', 'median'], { cwd: dir });
  assert.equal(unplaced.status, 2, unplaced.stderr);
  assert.match(unplaced.stderr, /^lrsweep: --pruner: needs a trainer whose points carry their training step: the module trainer \S+ does not say its steps per epoch/);
  assert.equal(existsSync(join(dir, 'lrsweep.db')), false, 'nothing written');
});

test('run --dry-run and status name the sweep\'s pruner', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-prune-show-'));
  writeFileSync(join(dir, 'sweep.yaml'), `${readFileSync(SWEEP, 'utf8')}pruner: { kind: successive_halving, reduction: 3 }\n`);
  const dry = runCli(['run', 'sweep.yaml', '--dry-run'], { cwd: dir });
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /^pruner: successive_halving:reduction=3 \(trials stop early where it judges them/m);
  assert.equal(runCli(['run', 'sweep.yaml'], { cwd: dir }).status, 0);
  const status = runCli(['status', 'tiny-quadratic'], { cwd: dir });
  assert.match(status.stdout, /^pruner: successive_halving:reduction=3 \(/m);
  assert.equal(JSON.parse(runCli(['status', 'tiny-quadratic', '--format', 'json'], { cwd: dir }).stdout).pruner, 'successive_halving:reduction=3');
  // A sweep without one says nothing of pruners.
  writeFileSync(join(dir, 'plain.yaml'), readFileSync(SWEEP, 'utf8').replace('name: tiny-quadratic', 'name: plain'));
  assert.doesNotMatch(runCli(['run', 'plain.yaml', '--dry-run'], { cwd: dir }).stdout, /pruner/);
});
