// The sampler as the commands show it: run --dry-run and status name it with its options, through
// the CLI on a temporary directory; the shipped Sobol example checks and plans its 32 configs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../helpers/cli.js';
import { rangeTest } from '../../../src/commands/range-test.js';
import { loadSweepFile } from '../../../src/sweep/file.js';

const dir = mkdtempSync(join(tmpdir(), 'lrsweep-samplers-'));
const shuffled = `name: shuffled
schedule: { first_cycle_steps: 20, min_lr: 0.001 }
parameters:
  max_lr: { values: [0.01, 0.02, 0.05, 0.1, 0.2] }
  cycle_mult: { values: [1, 2, 3] }
method: { kind: grid, order: shuffled }
trials: 4
seed: 3
trainer: { kind: quadratic, dim: 4, epochs: 2, steps_per_epoch: 10 }
`;

test('run --dry-run, status, the report and the Optuna export name the sampler and its options', () => {
  writeFileSync(join(dir, 'shuffled.yaml'), shuffled);
  const dry = runCli(['run', 'shuffled.yaml', '--dry-run'], { cwd: dir });
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /^shuffled: 4 configs x 1 repeats = 4 trials, sampler grid \(order: shuffled\), 20 steps each,/m);
  const run = runCli(['run', 'shuffled.yaml'], { cwd: dir });
  assert.equal(run.status, 0, run.stderr);
  const status = runCli(['status', 'shuffled'], { cwd: dir });
  assert.equal(status.status, 0, status.stderr);
  assert.match(status.stdout, /^sampler: grid \(order: shuffled\)$/m);
  assert.equal(JSON.parse(runCli(['status', 'shuffled', '--format', 'json'], { cwd: dir }).stdout).sampler, 'grid (order: shuffled)');
  assert.equal(runCli(['report', 'shuffled', '--out', 'r.html'], { cwd: dir }).status, 0);
  assert.match(readFileSync(join(dir, 'r.html'), 'utf8'), /grid \(order: shuffled\) search/);
  assert.equal(runCli(['export', 'shuffled', '--out', 'optuna.db'], { cwd: dir }).status, 0);
  const db = new Database(join(dir, 'optuna.db'), { readonly: true });
  const attr = db.prepare("SELECT value_json FROM study_user_attributes WHERE key = 'lrsweep_sampler'").get() as { value_json: string };
  db.close();
  assert.equal(JSON.parse(attr.value_json), 'grid (order: shuffled)');
});

test('the Sobol example plans 32 configs, and a bad method is refused with its key, rule and value', () => {
  const example = fileURLToPath(new URL('../../../sweeps/iris-sobol.yaml', import.meta.url));
  const dry = runCli(['run', example, '--dry-run'], { cwd: dir });
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /^iris-sobol: 32 configs x 2 repeats = 64 trials, sampler sobol \(scramble: true\),/m);
  writeFileSync(join(dir, 'bayes.yaml'), shuffled.replace('{ kind: grid, order: shuffled }', '{ kind: bayes, startup_trials: 10 }'));
  const bayes = runCli(['run', 'bayes.yaml', '--dry-run'], { cwd: dir });
  assert.equal(bayes.status, 2);
  assert.equal(bayes.stderr, 'lrsweep: bayes.yaml: 1 problem:\n  method.kind: must be one of grid, random, sobol, tpe, predict, got "bayes"\n');
});

test('range-test --write gives a sampler that samples ranges (sobol, written nested) a log_uniform range for max_lr', async () => {
  const file = join(dir, 'sobol.yaml');
  writeFileSync(file, 'name: q\nschedule: { first_cycle_steps: 100, max_lr: 5 }\nparameters: { gamma: { min: 0.5, max: 1 } }\nmethod: { kind: sobol }\ntrials: 4\n' +
    'trainer: { kind: quadratic, dim: 8, epochs: 3, steps_per_epoch: 100, curvature: 10, noise: 0.01 }\n');
  await rangeTest({ file, minLr: 1e-4, maxLr: 10, backend: 'wasm', write: file });
  const { sweep } = await loadSweepFile(file);
  assert.equal((sweep.parameters.max_lr as { distribution: string }).distribution, 'log_uniform');
});
