// `lrsweep replay` through the CLI: a finished sweep replayed with several pruners, the database
// left byte for byte as it was; bad input refused with exit 2.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.js';

const SWEEP = fileURLToPath(new URL('../fixtures/sweeps/tiny-quadratic.yaml', import.meta.url));
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'lrsweep-replay-'));
  copyFileSync(SWEEP, join(dir, 'sweep.yaml'));
  const r = runCli(['run', 'sweep.yaml', '--workers', '1'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('replay prints each pruner\'s measures over the recorded trials and writes nothing', () => {
  const db = readFileSync(join(dir, 'lrsweep.db'));
  const r = runCli(['replay', 'tiny-quadratic', '--pruner', 'median:startup_trials=2', '--pruner', 'successive_halving:at=steps,reduction=2', '--workers', '2', '--format', 'json'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.trials, 16);
  assert.equal(out.workers, 2);
  assert.deepEqual(out.rows.map((x: { pruner: string }) => x.pruner), ['median:at=cycle_ends,startup_trials=2', 'successive_halving:at=steps,reduction=2']);
  for (const { result } of out.rows) {
    assert.equal(result.totalSteps, 16 * 100);
    assert.equal(result.saved, 1 - result.spentSteps / result.totalSteps);
    assert.ok(result.pruned.length > 0, 'some trials are stopped');
    assert.equal(typeof result.bestSurvived, 'boolean');
  }
  assert.ok(readFileSync(join(dir, 'lrsweep.db')).equals(db), 'the database is unchanged');
  const table = runCli(['replay', 'tiny-quadratic', '--pruner', 'median'], { cwd: dir });
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /^sweep tiny-quadratic: 16 trials replayed on 1 simulated worker, objective val_loss\n/);
  assert.match(table.stdout, /best_survived/);
});

test('replay refuses bad input with exit 2: a bad spec, none, an unknown sweep, no --pruner', () => {
  const cases: [string[], RegExp][] = [
    [['--pruner', 'median:warmup_steps=-1'], /^lrsweep: --pruner warmup_steps: must be an integer >= 0, got -1\n$/],
    [['--pruner', 'successive_halving:min_resource=100'], /^lrsweep: --pruner min_resource: must be below max_resource \(100, the trainer's steps\): no rung would be left, got 100\n$/],
    [['--pruner', 'none'], /^lrsweep: --pruner: none replays nothing; give a pruner, e.g. median\n$/],
    [[], /pruner/],
  ];
  for (const [flags, message] of cases) {
    const r = runCli(['replay', 'tiny-quadratic', ...flags], { cwd: dir });
    assert.equal(r.status, 2, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  const unknown = runCli(['replay', 'nope', '--pruner', 'median'], { cwd: dir });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /no sweep named "nope"/);
});

test('a pruner on a module trainer that cannot place its points at steps is refused at the pruner key, exit 2, nothing written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-unplaced-'));
  const trainer = fileURLToPath(new URL('../fixtures/trainers/throws.ts', import.meta.url));
  const file = join(dir, 'unplaced.yaml');
  writeFileSync(file, 'name: unplaced\nschedule: { first_cycle_steps: 10 }\nparameters: { gamma: { values: [0.5, 0.9] } }\n' +
    `trainer: { kind: module, path: ${JSON.stringify(trainer)}, options: { message: "x" } }\npruner: median\n`);
  const r = runCli(['run', file], { cwd: dir });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /pruner: needs a trainer whose points carry their training step: the module trainer \S+throws\.ts does not say its steps per epoch: add stepsPerEpoch\(options\)/);
  assert.equal(r.stderr.trim().split('\n').length <= 2, true, r.stderr);
  assert.equal(existsSync(join(dir, 'lrsweep.db')), false, 'nothing written');
});
