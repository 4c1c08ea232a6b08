import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Problems } from '../../../src/core/problems.js';
import { checkCommandHost, parseCommandTrainer, resolveCommandTrainer } from '../../../src/train/command/options.js';
import { tempDir } from './helpers.js';

const PARAMS = ['first_cycle_steps', 'cycle_mult', 'max_lr', 'min_lr', 'warmup_steps', 'gamma'];

function parse(raw: Record<string, unknown>, baseDir = tempDir()) {
  const problems = new Problems();
  const config = parseCommandTrainer({ kind: 'command', ...raw }, 'trainer', problems, { baseDir, params: PARAMS });
  return { config, problems: problems.list, baseDir };
}

test('a full trainer section normalizes: numbers in run become strings, epochs x steps_per_epoch becomes steps (steps_per_epoch kept to place epoch lines)', () => {
  const baseDir = tempDir();
  mkdirSync(join(baseDir, 'code'));
  writeFileSync(join(baseDir, 'code', 'train.py'), 'print(1)\n');
  const { config, problems } = parse({
    run: ['python3', 'train.py', '--epochs', 5, '--lr-file', '{lr_file}', '--max-lr={param.max_lr}'],
    epochs: 5, steps_per_epoch: 24, metrics: ['val_loss', 'val_acc'], goals: { val_acc: 'maximize' },
    cwd: 'code', env: { OMP_NUM_THREADS: 1, TOKEN: '${HF_TOKEN}' }, kill_grace: 2.5, cleanup: 'outputs',
  }, baseDir);
  assert.deepEqual(problems, []);
  assert.deepEqual(config, {
    kind: 'command', run: ['python3', 'train.py', '--epochs', '5', '--lr-file', '{lr_file}', '--max-lr={param.max_lr}'],
    steps: 120, steps_per_epoch: 24, metrics: ['val_loss', 'val_acc'], goals: { val_acc: 'maximize' }, cwd: 'code',
    env: { OMP_NUM_THREADS: '1', TOKEN: '${HF_TOKEN}' }, files: ['code/train.py'], kill_grace: 2.5, cleanup: 'outputs',
  });
  const resolved = resolveCommandTrainer(config, baseDir);
  assert.equal(resolved.cwd, join(baseDir, 'code'));
  assert.deepEqual(resolved.files, [join(baseDir, 'code', 'train.py')]);
});

test('defaults: cwd is the sweep file\'s directory, kill_grace 10 s, cleanup lr, files the existing path arguments of run', () => {
  const baseDir = tempDir();
  writeFileSync(join(baseDir, 'train.py'), '');
  writeFileSync(join(baseDir, 'data.csv'), '');
  const { config, problems } = parse({ run: ['python3', 'train.py', '--data=data.csv', 'missing.py', '{trial_dir}'], steps: 10, metrics: ['loss'] }, baseDir);
  assert.deepEqual(problems, []);
  assert.equal(config.cwd, '.');
  assert.equal(config.kill_grace, 10);
  assert.equal(config.cleanup, 'lr');
  assert.deepEqual(config.env, {});
  assert.deepEqual(config.goals, {});
  assert.deepEqual(config.files, ['train.py', 'data.csv']);
});

test('every problem of a trainer section is reported at once, at its key path, with the rule and the value', () => {
  const { problems, baseDir } = parse({
    run: ['', { a: 1 }, '{lr_fil}', '--x={param.max_lrr}', 'sh -c "echo ${HOME} {\\"epoch\\": 1}"'],
    steps: 10, epochs: 2, metrics: ['val_loss', 'epoch', 'val_loss', '1x'], goals: { val_acc: 'maximize', val_loss: 'lower' },
    cwd: 'nowhere', env: { LRSWEEP_SEED: '1', 'BAD-NAME': 'x', OK: [1], REF: '${}' }, files: ['gone.py'], kill_grace: -1, cleanup: 'all', shell: true,
  });
  assert.deepEqual(problems, [
    'trainer.shell: is not a known key (known: kind, run, steps, epochs, steps_per_epoch, metrics, goals, cwd, env, files, kill_grace, cleanup)',
    'trainer.run[0]: must name the program to run, got ""',
    'trainer.run[1]: must be a string or a number, got {"a":1}',
    'trainer.run[2]: {lr_fil} is not a known placeholder (known: {lr_file}, {trial_file}, {trial_dir}, {seed}, {steps}, {param.NAME}; ${...} is left for the shell), got "{lr_fil}"',
    'trainer.run[3]: {param.max_lrr} names no parameter of the schedule (known: first_cycle_steps, cycle_mult, max_lr, min_lr, warmup_steps, gamma), got "--x={param.max_lrr}"',
    'trainer: give steps, or epochs and steps_per_epoch, not both',
    'trainer.metrics[1]: is not a metric: epoch and step index the metrics lines, got "epoch"',
    'trainer.metrics[2]: is listed twice, got "val_loss"',
    'trainer.metrics[3]: must be a metric name (a letter or _, then letters, digits, _ . -), got "1x"',
    'trainer.goals.val_acc: names no metric in metrics (val_loss)',
    'trainer.goals.val_loss: must be minimize or maximize, got "lower"',
    `trainer.cwd: must be an existing directory (relative to the sweep file's directory ${baseDir}), got "nowhere"`,
    'trainer.env.LRSWEEP_SEED: LRSWEEP_* variables are set by lrsweep for each trial',
    'trainer.env.BAD-NAME: is not a usable variable name (a letter or _, then letters, digits or _)',
    'trainer.env.OK: must be a string, a number or true/false, got [1]',
    'trainer.env.REF: ${} must name a variable: ${NAME}, got "${}"',
    'trainer.kill_grace: must be a finite number >= 0, got -1',
    'trainer.cleanup: must be one of lr, outputs, none, got "all"',
    `trainer.files[0]: must exist (relative to the sweep file's directory ${baseDir}), got "gone.py"`,
  ]);
});

test('run, steps and metrics are required, and a half-given epochs x steps_per_epoch names the missing half', () => {
  assert.deepEqual(parse({}).problems, [
    'trainer.run: is required: the command and its arguments as a list, e.g. [python3, train.py, --lr-file, "{lr_file}"]',
    'trainer.steps: is required: the length of each trial\'s LR curve (or give epochs and steps_per_epoch)',
    'trainer.metrics: is required: the metric names your command prints, e.g. [val_loss, val_acc]',
  ]);
  assert.deepEqual(parse({ run: 'python3 train.py', epochs: 3, metrics: [] }).problems, [
    'trainer.run: must be a non-empty list: the command and its arguments, e.g. [python3, train.py], got "python3 train.py"',
    'trainer.steps_per_epoch: is required with epochs (steps = epochs x steps_per_epoch)',
    'trainer.metrics: must be a non-empty list of metric names, e.g. [val_loss, val_acc], got []',
  ]);
});

test('the host check finds a program missing from PATH and an env variable that is not set, naming each', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\n');
  chmodSync(join(dir, 'run.sh'), 0o755);
  const base = { kind: 'command' as const, steps: 1, metrics: ['m'], goals: {}, cwd: dir, files: [], kill_grace: 1, cleanup: 'lr' as const };
  checkCommandHost({ ...base, run: ['./run.sh'], env: { A: '${PRESENT}' } }, { PATH: '/usr/bin:/bin', PRESENT: 'x' });
  checkCommandHost({ ...base, run: ['sh'], env: {} }, { PATH: '/usr/bin:/bin' });
  assert.throws(() => checkCommandHost({ ...base, run: ['no-such-program-here'], env: { TOKEN: 'Bearer ${API_TOKEN}' } }, { PATH: '/usr/bin:/bin' }), {
    name: 'UsageError',
    message: 'trainer.run[0]: "no-such-program-here" is not on PATH\n' +
      "trainer.env.TOKEN: ${API_TOKEN} is not set in lrsweep's environment; export API_TOKEN before running the sweep",
  });
  assert.throws(() => checkCommandHost({ ...base, run: ['./missing.sh'], env: {} }, { PATH: '/usr/bin' }), {
    message: `trainer.run[0]: "./missing.sh" is not an executable file (relative to cwd ${dir})`,
  });
});
