// The PyTorch example (examples/pytorch): its sweep file's trainer section, run for one trial
// with the Python that has torch. Skipped only where no Python has torch (.ci/run installs
// Debian's python3-torch, so it runs in CI).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { curve } from '../../../src/schedule/curve.js';
import { Problems } from '../../../src/core/problems.js';
import { parseCommandTrainer, resolveCommandTrainer } from '../../../src/train/command/options.js';
import { commandOutcome } from '../../../src/train/command/outcome.js';
import { runCommandTrial, type CommandResult } from '../../../src/train/command/run.js';
import { scheduleInput } from '../../../src/train/command/trial-dir.js';
import { deriveCycles } from '../../../src/sweep/space.js';
import { commandTrial, pythonWith, tempDir } from './helpers.js';
import { skipOrFail } from '../../helpers/skip.js';

const EXAMPLE = fileURLToPath(new URL('../../../examples/pytorch/', import.meta.url));
const python = pythonWith('torch', 'sklearn', 'numpy');
const missing = !python && 'no python3 with torch, sklearn and numpy (Debian: apt-get install python3-torch python3-sklearn)';
const CAWR = ['first_cycle_steps', 'cycle_mult', 'max_lr', 'min_lr', 'warmup_steps', 'gamma'];

/** The example's trainer, run with the Python that has torch, and one config of its grid (the last values). */
function example() {
  const sweep = parse(readFileSync(`${EXAMPLE}sweep.yaml`, 'utf8'));
  const problems = new Problems();
  const config = parseCommandTrainer(sweep.trainer, 'trainer', problems, { baseDir: EXAMPLE, params: CAWR });
  assert.deepEqual(problems.list, []);
  const options = resolveCommandTrainer(config, EXAMPLE);
  options.run[0] = python!;
  const { kind, ...fixed } = sweep.schedule;
  const varied = Object.fromEntries(Object.entries(sweep.parameters as Record<string, { values: unknown[] }>).map(([k, v]) => [k, v.values.at(-1)]));
  // The example's schedule sets `cycles`: first_cycle_steps is derived as the sweep derives it.
  const derived = deriveCycles({ schedule: kind, ...fixed, ...varied }, options.steps);
  assert.ok('config' in derived, JSON.stringify(derived));
  return { options, params: derived.config, objective: sweep.objective.metric as string };
}

let fresh: Promise<CommandResult> | null = null;
/** One uninterrupted trial of the example (shared by the tests below). */
function freshRun(): Promise<CommandResult> {
  const { options, params } = example();
  return (fresh ??= runCommandTrial(options, commandTrial({ params, steps: options.steps, seed: 3 }), { timeoutMs: 300_000 }));
}

test('the PyTorch example trains one trial on the exact curve and reports every metric of every epoch', { timeout: 320_000 }, async (t) => {
  if (skipOrFail(t, missing)) return;
  const { options, params, objective } = example();
  const r = await freshRun();
  assert.deepEqual(commandOutcome(r, objective), { state: 'complete', reason: null }, r.stderrTail.join('\n'));
  assert.deepEqual(options.files, [`${EXAMPLE}train.py`], 'the script is the default files entry');
  const lrs = curve(scheduleInput(params), { steps: options.steps });
  const perEpoch = options.steps / 5;
  assert.deepEqual(r.points.map((p) => p.epoch), [1, 2, 3, 4, 5]);
  for (const p of r.points) {
    assert.deepEqual(Object.keys(p.values).sort(), [...options.metrics].sort());
    assert.equal(p.values.lr, lrs[p.epoch! * perEpoch - 1], `epoch ${p.epoch} ran its last step at the curve's LR`);
  }
  assert.ok(r.points[4].values.val_acc > 0.8, `the model learned the digits: val_acc ${r.points[4].values.val_acc}`);
  assert.ok(r.points[4].values.val_loss < r.points[0].values.val_loss);
});

/** Runs train.py with its report() made to hang after epoch 2's line, so an abort then stops it there, whatever the machine's load. */
function hangingAfterEpoch2(run: string[]): string[] {
  const wrapper = [
    'import sys, time',
    `sys.path.insert(0, ${JSON.stringify(EXAMPLE)})`,
    'import train',
    'report = train.report',
    'def report_then_hang(line):',
    '    report(line)',
    '    if line["epoch"] == 2:',
    '        time.sleep(1000)',
    'train.report = report_then_hang',
    'sys.argv = ["train.py"] + sys.argv[1:]',
    'train.main()',
  ].join('\n');
  return [run[0], '-c', wrapper, ...run.slice(2)];
}

test('the PyTorch example stopped after epoch 2 resumes from its checkpoint on the next attempt and ends as an uninterrupted run does', { timeout: 320_000 }, async (t) => {
  if (skipOrFail(t, missing)) return;
  const { options, params, objective } = example();
  const dir = `${tempDir()}/pytorch-digits/1`;
  const stop = new AbortController();
  const first = await runCommandTrial({ ...options, run: hangingAfterEpoch2(options.run) }, commandTrial({ params, steps: options.steps, seed: 3, dir, attempt: 1 }), {
    signal: stop.signal,
    onPoint: (p) => {
      if (p.epoch === 2) stop.abort();
    },
  });
  assert.equal(commandOutcome(first, objective).state, 'interrupted');
  assert.deepEqual(first.points.map((p) => p.epoch), [1, 2]);
  const second = await runCommandTrial(options, commandTrial({ params, steps: options.steps, seed: 3, dir, attempt: 2 }), { timeoutMs: 300_000 });
  assert.deepEqual(commandOutcome(second, objective), { state: 'complete', reason: null }, second.stderrTail.join('\n'));
  assert.deepEqual(second.stderrTail, [`resumed from ${dir}/checkpoint.pt after epoch 2`]);
  assert.deepEqual(second.points, (await freshRun()).points);
});
