// Trainer modules through the CLI, as a user runs them: a TypeScript module (the tfjs-cnn
// example) and a JavaScript one train end to end; bad options and bad modules are refused with
// exit code 2 before anything runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { curve } from '../../src/schedule/curve.js';
import { OptionsError } from '../../src/train/contract.js';
import cnn from '../../examples/tfjs-cnn/trainer.js';
import { loadSweepFile } from '../../src/sweep/file.js';
import { configs } from '../../src/sweep/space.js';
import { fromReferenceNames } from '../../src/schedule/params.js';
import { resolveSchedule } from '../../src/schedule/schedule.js';
import { endsAtFinalStep } from '../../src/schedule/fit.js';
import { lintSchedule } from '../../src/schedule/lint.js';
import { runCli } from '../helpers/cli.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/tfjs-cnn/trainer.ts', import.meta.url));
const EXAMPLE_SWEEP = fileURLToPath(new URL('../../examples/tfjs-cnn/sweep.yaml', import.meta.url));
const trainer = (name: string) => fileURLToPath(new URL(`../fixtures/trainers/${name}`, import.meta.url));

/** A working directory, and a sweep file in a folder below it (so paths resolve from the file, not the cwd). */
function sweepFile(name: string, text: (dir: string) => string): { cwd: string; file: string } {
  const cwd = mkdtempSync(join(tmpdir(), 'lrsweep-module-'));
  mkdirSync(join(cwd, 'sweeps'));
  const file = join(cwd, 'sweeps', `${name}.yaml`);
  writeFileSync(file, text(join(cwd, 'sweeps')));
  return { cwd, file };
}

function rows<T>(db: string, sql: string): T[] {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare(sql).all() as T[];
  } finally {
    d.close();
  }
}

interface Trial { id: number; state: string; objective: number | null; params: string; seed: number; provenance: string }
interface MetricRow { trial_id: number; epoch: number; name: string; value: number }

test('a TypeScript trainer module (the tfjs-cnn example) trains every trial with its LR curve, through the CLI', () => {
  // 30 images, 6 held out: 24 in batches of 8 = 3 steps an epoch, 6 in 2 epochs.
  const { cwd, file } = sweepFile('cnn', (dir) => `
name: cnn
schedule: { first_cycle_steps: 3, max_lr: 0.05, min_lr: 0.001 }
parameters: { cycle_mult: { values: [1, 2] } }
objective: { metric: val_accuracy, goal: maximize }
trainer:
  kind: module
  path: ${relative(dir, EXAMPLE)}
  options: { samples: 30, validation_fraction: 0.2, epochs: 2, batch_size: 8, filters: 2 }
`);
  const r = runCli(['run', file, '--workers', '2'], { cwd });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^sweep cnn: 2 of 2 trials complete, 0 diverged, 0 failed, 0 not run/m);
  const db = join(cwd, 'lrsweep.db');
  const trials = rows<Trial>(db, 'SELECT * FROM trials ORDER BY id');
  assert.equal(trials.length, 2);
  for (const t of trials) {
    assert.equal(t.state, 'complete');
    assert.equal(JSON.parse(t.provenance).backend, 'wasm');
    const metrics = rows<MetricRow>(db, `SELECT trial_id, epoch, name, value FROM metrics WHERE trial_id = ${t.id} ORDER BY epoch, name`);
    assert.deepEqual(metrics.map((m) => `${m.epoch} ${m.name}`), [1, 2].flatMap((e) => ['accuracy', 'lr', 'train_loss', 'val_accuracy', 'val_loss'].map((n) => `${e} ${n}`)));
    const p = JSON.parse(t.params);
    const lrs = curve({ schedule: 'cawr', firstCycleSteps: 3, cycleMult: p.cycle_mult, maxLr: 0.05, minLr: 0.001 }, { steps: 6 });
    assert.deepEqual(metrics.filter((m) => m.name === 'lr').map((m) => m.value), [lrs[2], lrs[5]], 'the LR of each epoch\'s last step');
    const accuracy = metrics.filter((m) => m.name === 'val_accuracy').map((m) => m.value);
    assert.ok(accuracy.every((a) => a >= 0 && a <= 1));
    assert.equal(t.objective, accuracy[1]);
  }
});

test('a JavaScript trainer module receives exactly the schedule\'s curve and the trial\'s seed', () => {
  const { cwd, file } = sweepFile('plain', () => `
name: plain
schedule: { first_cycle_steps: 7, max_lr: 0.3, min_lr: 0.01, warmup_steps: 2 }
parameters: { gamma: { values: [1, 0.5] } }
repeats: 2
objective: { metric: curve_sum, goal: minimize }
trainer: { kind: module, path: ${trainer('plain.mjs')}, options: { steps: 23 } }
`);
  const r = runCli(['run', file, '--workers', '2'], { cwd });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^sweep plain: 4 of 4 trials complete/m);
  const db = join(cwd, 'lrsweep.db');
  const trials = rows<Trial>(db, 'SELECT * FROM trials ORDER BY id');
  assert.equal(trials.length, 4);
  for (const t of trials) {
    const p = JSON.parse(t.params);
    const lrs = curve({ schedule: 'cawr', firstCycleSteps: 7, maxLr: 0.3, minLr: 0.01, warmupSteps: 2, gamma: p.gamma }, { steps: 23 });
    const sum = lrs.reduce((a, b) => a + b, 0);
    const metrics = Object.fromEntries(rows<MetricRow>(db, `SELECT name, value FROM metrics WHERE trial_id = ${t.id}`).map((m) => [m.name, m.value]));
    assert.deepEqual(metrics, { curve_sum: sum, val_loss: lrs[22], seed: t.seed });
    assert.equal(t.objective, sum);
  }
  // Repeat r of every config gets the same seed (common random numbers), the repeats differ.
  assert.equal(new Set(trials.map((t) => t.seed)).size, 2);
});

test('bad module options are refused at trainer.options with exit code 2, every problem at once, before anything runs', () => {
  const { cwd, file } = sweepFile('bad-cnn', (dir) => `
name: bad-cnn
schedule: { first_cycle_steps: 3 }
trainer:
  kind: module
  path: ${relative(dir, EXAMPLE)}
  options: { filters: 0, optimizer: rmsprop, colour: red, epochs: 2 }
`);
  const r = runCli(['run', file], { cwd });
  assert.equal(r.status, 2);
  assert.equal(r.stderr, `lrsweep: ${file}: 3 problems:\n` +
    '  trainer.options.colour: is not a known option (known: samples, validation_fraction, epochs, batch_size, filters, optimizer, noise, data_seed)\n' +
    '  trainer.options.filters: must be an integer from 1 to 64, got 0\n' +
    '  trainer.options.optimizer: must be one of sgd, momentum, adam, got "rmsprop"\n');
  assert.equal(r.stdout, '');
  assert.equal(existsSync(join(cwd, 'lrsweep.db')), false);

  // A plain Error from parse() (no paths) is placed at trainer.options itself.
  const plain = sweepFile('bad-plain', () => `
name: bad-plain
schedule: { first_cycle_steps: 3 }
trainer: { kind: module, path: ${trainer('plain.mjs')}, options: { steps: 0 } }
`);
  const p = runCli(['run', plain.file], { cwd: plain.cwd });
  assert.equal(p.status, 2);
  assert.equal(p.stderr, `lrsweep: ${plain.file}: 1 problem:\n  trainer.options: steps must be a positive integer, got 0\n`);
  assert.equal(existsSync(join(plain.cwd, 'lrsweep.db')), false);
});

test('a module path that does not exist, or a module that exports no trainer definition, is refused with exit code 2', () => {
  const cases = [
    { path: 'missing.ts', problem: (dir: string) => `trainer.path: no such file: ${join(dir, 'missing.ts')}, got "missing.ts"` },
    { path: trainer('no-default.mjs'), problem: () => `trainer.path: ${trainer('no-default.mjs')}: it must default-export defineTrainer({...}), found no default export` },
    { path: trainer('no-steps.ts'), problem: () => `trainer.path: ${trainer('no-steps.ts')}: its default export must have steps function (see defineTrainer)` },
  ];
  for (const c of cases) {
    let sweepDir = '';
    const { cwd, file } = sweepFile('bad-module', (dir) => {
      sweepDir = dir;
      return `name: bad-module\nschedule: { first_cycle_steps: 3 }\ntrainer: { kind: module, path: ${c.path} }\n`;
    });
    const r = runCli(['run', file], { cwd });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, `lrsweep: ${file}: 1 problem:\n  ${c.problem(sweepDir)}\n`);
    assert.equal(existsSync(join(cwd, 'lrsweep.db')), false);
  }
});

test('a module with a syntax error is refused with exit code 2 in one line that says where (file, line, and column for TypeScript)', () => {
  const source = 'export default {\n  steps: () => 1,\n  train( {\n};\n';
  const cases = [
    { name: 'broken.ts', problem: (path: string) => `trainer.path: ${path}:4:1: Expected ")" but found ";"` },
    { name: 'broken.mjs', problem: (path: string) => `trainer.path: ${path}:4: SyntaxError: Unexpected token ';'` },
  ];
  for (const c of cases) {
    let module = '';
    const { cwd, file } = sweepFile('broken-module', (dir) => {
      module = join(dir, c.name);
      writeFileSync(module, source);
      return `name: broken-module\nschedule: { first_cycle_steps: 3 }\ntrainer: { kind: module, path: ${c.name} }\n`;
    });
    const r = runCli(['run', file], { cwd });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, `lrsweep: ${file}: 1 problem:\n  ${c.problem(module)}\n`);
    assert.equal(existsSync(join(cwd, 'lrsweep.db')), false);
  }
});

test('the tfjs-cnn example\'s sweep file checks out: 18 trials of 140 steps, every config ending a cycle on the last step without a lint warning', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'lrsweep-module-'));
  const r = runCli(['run', EXAMPLE_SWEEP, '--dry-run'], { cwd });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^tfjs-cnn: 6 configs x 3 repeats = 18 trials, sampler grid \(order: listed\), 140 steps each, trainer module,/m);
  assert.equal(existsSync(join(cwd, 'lrsweep.db')), false);
  const { sweep, trainer: t } = await loadSweepFile(EXAMPLE_SWEEP);
  for (const { config } of configs(sweep, t.steps)) {
    const schedule = resolveSchedule(fromReferenceNames(config as Parameters<typeof fromReferenceNames>[0]));
    assert.ok(endsAtFinalStep(schedule, t.steps), JSON.stringify(config));
    assert.deepEqual(lintSchedule(schedule, t.steps), [], JSON.stringify(config));
  }
  // Its defaults are the sweep's options; options that are not a mapping are refused as a whole.
  assert.equal(cnn.steps(cnn.parse!({})), 140);
  assert.throws(() => cnn.parse!(5), (e: unknown) => e instanceof OptionsError && e.problems[0].path === '' &&
    e.message === 'must be a mapping of options (samples, validation_fraction, epochs, batch_size, filters, optimizer, noise, data_seed), got 5');
});
