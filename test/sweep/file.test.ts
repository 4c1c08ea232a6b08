// Sweep-file validation: every problem at once, each with its key path, the rule and the value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSweep, loadSweepFile } from '../../src/sweep/file.js';

const dir = mkdtempSync(join(tmpdir(), 'lrsweep-file-'));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

async function problemsOf(raw: unknown): Promise<string[]> {
  try {
    await checkSweep(raw, join(dir, 'f.yaml'));
  } catch (e) {
    return (e as { problems: string[] }).problems;
  }
  return [];
}

const ok = {
  name: 'ok',
  schedule: { first_cycle_steps: 40, max_lr: 0.1, min_lr: 0.001 },
  parameters: { gamma: { values: [0.5, 0.9] } },
  trainer: { kind: 'quadratic', epochs: 2, steps_per_epoch: 50 },
};

test('a valid file gives its sweep with every default filled in', async () => {
  const { sweep: s } = await checkSweep(ok);
  assert.equal(s.method, 'grid');
  assert.equal(s.repeats, 1);
  assert.deepEqual(s.objective, { metric: 'val_loss', goal: 'minimize', summary: 'last' });
  assert.deepEqual(s.budget, { max_trials: null, workers: null, trial_timeout: null, cohort_size: null });
  assert.deepEqual(s.seeding, { mode: 'common', base: 0 });
  assert.equal(s.trainer.steps_per_epoch, 50);
});

test('every problem of a broken file is reported at once, each with its key path, rule and value', async () => {
  const path = write('broken.yaml', `
name: bad name!
schedule:
  first_cycle_steps: 40
  warmup_step: 3
  max_lr: -1
parameters:
  gamma: { values: [0.5, 0.9, -0.5] }
  cycle_mult: { min: 1, max: 2 }
  foo: { values: [1] }
repeats: 0
objective: { metric: accuracy, goal: up }
trainer:
  kind: mlp
  epochs: 0
  hidden: [32, -1]
  optimizer: rmsprop
budget: { workers: 0, trial_timeout: -5, extra: 1 }
colour: blue
`);
  await assert.rejects(loadSweepFile(path), (e: Error & { problems: string[] }) => {
    assert.equal(e.name, 'SweepFileError');
    assert.deepEqual(e.problems, [
      'colour: is not a known key (known: name, schedule, parameters, method, trials, seed, repeats, seeding, objective, trainer, budget, constraints, lint, pruner)',
      'name: must be a name of at most 100 letters, digits, dots, dashes or underscores, got "bad name!"',
      'schedule.warmup_step: is not a known key (known: kind, first_cycle_steps, cycle_mult, max_lr, min_lr, warmup_steps, gamma, warmup_first_cycle_only, peak_floor, max_cycles, allow_min_above_max, cycles)',
      'schedule.max_lr: must be a finite number >= 0, got -1',
      'parameters.gamma.values[2]: must be a finite number > 0, got -0.5',
      'parameters.cycle_mult: a min/max range needs method: random, sobol, tpe or predict; a grid needs values: [...]',
      'parameters.foo: is not a parameter of schedule cawr (known: first_cycle_steps, cycle_mult, max_lr, min_lr, warmup_steps, gamma, warmup_first_cycle_only, peak_floor, max_cycles, allow_min_above_max, cycles)',
      'repeats: must be an integer >= 1, got 0',
      'trainer.hidden[1]: must be an integer from 1 to 65536, got -1',
      'trainer.epochs: must be an integer >= 1, got 0',
      'trainer.optimizer: must be one of sgd, momentum, adam, got "rmsprop"',
      'objective.metric: must be one of val_loss, val_accuracy, val_mae, train_loss (the metrics of trainer mlp), got "accuracy"',
      'objective.goal: must be one of minimize, maximize, got "up"',
      'budget.extra: is not a known key (known: max_trials, workers, trial_timeout, cohort_size)',
      'budget.workers: must be an integer from 1 to 256, got 0',
      'budget.trial_timeout: must be a finite number > 0, got -5',
    ]);
    assert.ok(e.message.startsWith(`${path}: 16 problems:\n  colour: `));
    return true;
  });
});

test('method: a name or {kind, ...options}, stored as the name alone when every option is its default', async () => {
  const methodOf = async (raw: Record<string, unknown>) => (await checkSweep({ ...ok, ...raw })).sweep.method;
  assert.equal(await methodOf({ method: { kind: 'grid' } }), 'grid');
  assert.equal(await methodOf({ method: { kind: 'grid', order: 'listed' } }), 'grid', 'the default order is the old grid');
  assert.deepEqual(await methodOf({ method: { kind: 'grid', order: 'shuffled' } }), { kind: 'grid', order: 'shuffled' });
  assert.equal(await methodOf({ method: 'sobol', trials: 8 }), 'sobol');
  assert.equal(await methodOf({ method: { kind: 'sobol', scramble: true }, trials: 8 }), 'sobol');
  assert.deepEqual(await methodOf({ method: { kind: 'sobol', scramble: false }, trials: 8 }), { kind: 'sobol', scramble: false });
  assert.equal(await methodOf({ method: { kind: 'random' }, trials: 8 }), 'random');
});

test('trials caps a grid: at most that many configs, each run `repeats` times', async () => {
  const grid = { ...ok, parameters: { gamma: { values: [0.5, 0.6, 0.7, 0.8, 0.9] } }, repeats: 2 };
  assert.equal((await checkSweep({ ...grid, trials: 3 })).sweep.trials, 3);
  const many = { ...ok, parameters: Object.fromEntries(['gamma', 'cycle_mult', 'warmup_steps'].map((k, i) => [k, { values: Array.from({ length: 200 }, (_, j) => (i === 0 ? 0.1 + j / 250 : i === 1 ? 1 + j : j)) }])) };
  assert.deepEqual(await problemsOf({ ...many, method: { kind: 'grid', order: 'shuffled' }, trials: 2_000_000 }),
    ['trials: 2,000,000 configs x 1 repeats make 2,000,000 trials; the limit is 1,000,000 trials per sweep (configs x repeats, after budget.max_trials)']);
  assert.deepEqual(await problemsOf({ ...many, trials: 20_000_000 }),
    ['parameters: the grid has 8,000,000 configs; the limit is 1,000,000 trials per sweep (configs x repeats, after budget.max_trials)']);
});

const cases: [string, Record<string, unknown>, string[]][] = [
  ['a missing name', { ...ok, name: undefined }, ['name: is required']],
  ['a parameter both fixed and varied', { ...ok, schedule: { ...ok.schedule, gamma: 0.9 } }, ['parameters.gamma: is also fixed in schedule.gamma; give it in one place']],
  ['an empty values list', { ...ok, parameters: { gamma: { values: [] } } }, ['parameters.gamma.values: must be a non-empty list, got []']],
  ['a range without an end', { ...ok, method: 'random', trials: 3, parameters: { gamma: { min: 0.5 } } }, ['parameters.gamma: needs values: [...], or min and max with a distribution']],
  ['an inverted range', { ...ok, method: 'random', trials: 3, parameters: { gamma: { min: 0.9, max: 0.5 } } }, ['parameters.gamma: min must be < max, got min=0.9, max=0.5']],
  ['log_uniform from zero', { ...ok, schedule: { first_cycle_steps: 40 }, method: 'random', trials: 3, parameters: { min_lr: { min: 0, max: 0.01, distribution: 'log_uniform' } } },
    ['parameters.min_lr.min: must be > 0 for distribution log_uniform, got 0']],
  ['a uniform integer', { ...ok, method: 'random', trials: 3, parameters: { warmup_steps: { min: 0, max: 10, distribution: 'uniform' } } },
    ['parameters.warmup_steps.distribution: must be int_uniform for the integer parameter warmup_steps, got "uniform"']],
  ['an unknown distribution', { ...ok, method: 'random', trials: 3, parameters: { gamma: { min: 0.1, max: 0.9, distribution: 'normal' } } },
    ['parameters.gamma.distribution: must be one of uniform, int_uniform, log_uniform, got "normal"']],
  ['random without trials', { ...ok, method: 'random' }, ['trials: is required with method random (how many configs to sample)']],
  ['sobol without trials', { ...ok, method: { kind: 'sobol' } }, ['trials: is required with method sobol (how many configs to sample)']],
  ['an unknown method', { ...ok, method: 'bayes' }, ['method: must be one of grid, random, sobol, tpe, predict, got "bayes"']],
  ['an unknown method kind', { ...ok, method: { kind: 'cmaes', startup_trials: 10 } }, ['method.kind: must be one of grid, random, sobol, tpe, predict, got "cmaes"']],
  ['a method mapping without kind', { ...ok, method: { order: 'shuffled' } }, ['method.kind: is required (one of grid, random, sobol, tpe, predict)']],
  ['a method that is neither', { ...ok, method: ['grid'] }, ['method: must be a sampler\'s name (grid, random, sobol, tpe, predict) or a mapping {kind, ...its options}, got ["grid"]']],
  ['tpe without trials', { ...ok, method: { kind: 'tpe' } }, ['trials: is required with method tpe (how many configs to sample)']],
  ['a negative startup_trials', { ...ok, method: { kind: 'tpe', startup_trials: -1 }, trials: 5 }, ['method.startup_trials: must be an integer >= 0, got -1']],
  ['an option tpe does not have', { ...ok, method: { kind: 'tpe', order: 'shuffled' }, trials: 5 }, ['method.order: is not an option of method tpe (options: startup_trials, startup)']],
  ['tpe\'s removed multivariate model', { ...ok, method: { kind: 'tpe', multivariate: true }, trials: 5 },
    ['method.multivariate: must be false: the multivariate model was removed (npm run bench search measured one model per parameter better); remove the key, got true']],
  ['an unknown grid order', { ...ok, method: { kind: 'grid', order: 'random' } }, ['method.order: must be one of listed, shuffled, got "random"']],
  ['an option of another sampler', { ...ok, method: { kind: 'grid', scramble: false } }, ['method.scramble: is not an option of method grid (options: order)']],
  ['an option of random', { ...ok, method: { kind: 'random', order: 'shuffled' }, trials: 3 }, ['method.order: is not an option of method random (it has none)']],
  ['a non-boolean scramble', { ...ok, method: { kind: 'sobol', scramble: 'yes' }, trials: 4 }, ['method.scramble: must be true or false, got "yes"']],
  ['a range on a shuffled grid', { ...ok, method: { kind: 'grid', order: 'shuffled' }, parameters: { gamma: { min: 0.5, max: 0.9 } } },
    ['parameters.gamma: a min/max range needs method: random, sobol, tpe or predict; a grid needs values: [...]']],
  ['a zero cap on a grid', { ...ok, trials: 0 }, ['trials: must be an integer >= 1, got 0']],
  ['a warmup longer than the cycle', { ...ok, parameters: { warmup_steps: { values: [0, 5, 50] } } },
    ['parameters.warmup_steps.values[2]: warmup_steps must be smaller than first_cycle_steps, got warmup_steps=50, first_cycle_steps=40']],
  ['a fixed warmup longer than a varied cycle', { ...ok, schedule: { warmup_steps: 20 }, parameters: { first_cycle_steps: { values: [10, 40] } } },
    ['parameters.first_cycle_steps.values[0]: warmup_steps must be smaller than first_cycle_steps, got warmup_steps=20, first_cycle_steps=10']],
  ['a cycle_mult that reaches a zero-length cycle', { ...ok, parameters: { cycle_mult: { values: [1, 0.5] } } },
    ['parameters.cycle_mult.values[1]: cycle_mult=0.5 shrinks cycle 6 to zero length at step 78 (the reference divides by zero there), so only steps before 78 exist, got start=0, steps=100']],
  ['an unknown trainer', { ...ok, trainer: { kind: 'resnet' } }, ['trainer.kind: must be one of mlp, quadratic, module, command, got "resnet"']],
  ['a synthetic-only key on iris', { ...ok, trainer: { kind: 'mlp', dataset: 'iris', samples: 100 } }, ['trainer.samples: applies to dataset synthetic only, not iris']],
  ['momentum without the momentum optimizer', { ...ok, trainer: { kind: 'mlp', momentum: 0.5 } }, ['trainer.momentum: applies to optimizer momentum only']],
  ['sgdr without base_lr', { ...ok, schedule: { kind: 'sgdr', t_0: 10 }, parameters: { t_mult: { values: [1, 2] } } }, ['schedule.base_lr: base_lr is required for schedule sgdr']],
  ['sgdr with a fractional t_mult', { ...ok, schedule: { kind: 'sgdr', t_0: 10, base_lr: 0.1 }, parameters: { t_mult: { values: [1, 1.5] } } },
    ['parameters.t_mult.values[1]: must be an integer from 1 to 2^20, got 1.5']],
  ['not a mapping', { ...ok, parameters: [1, 2] }, ['parameters: must be a mapping of parameter: {values: [...]} or {min, max, distribution}, got [1,2]']],
];

for (const [name, raw, problems] of cases) {
  test(`rejects ${name}`, async () => {
    assert.deepEqual(await problemsOf(raw), problems);
  });
}

test('a file that is not YAML, or not there, is one clear problem', async () => {
  await assert.rejects(loadSweepFile(write('bad.yaml', 'name: [unclosed\n')), { message: /bad\.yaml: 1 problem:\n {2}not valid YAML: / });
  await assert.rejects(loadSweepFile(write('bad.json', '{"name": ')), { message: /bad\.json: 1 problem:\n {2}not valid JSON: / });
  await assert.rejects(loadSweepFile(join(dir, 'missing.yaml')), { name: 'UsageError', message: `sweep file ${JSON.stringify(join(dir, 'missing.yaml'))}: no such file` });
});

test('JSON sweep files work as YAML ones do', async () => {
  assert.deepEqual((await loadSweepFile(write('ok.json', JSON.stringify(ok)))).sweep, (await checkSweep(ok)).sweep);
});

test('a YAML alias bomb is refused, not expanded', async () => {
  const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 9; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
  await assert.rejects(loadSweepFile(write('bomb.yaml', `${levels.join('\n')}\nname: bomb\n`)), { name: 'SweepFileError', message: /not valid YAML: .*alias/i });
});

test('a huge grid is refused by its count before a config is built, and so are too many random samples', async () => {
  const values = Array.from({ length: 1000 }, (_, i) => 1 + i / 1000);
  const huge = { ...ok, schedule: { first_cycle_steps: 40 }, parameters: { cycle_mult: { values }, gamma: { values: values.map((v) => v - 0.5) }, max_lr: { values: values.slice(0, 600).map((v) => v / 10) } } };
  assert.deepEqual(await problemsOf(huge), ['parameters: the grid has 600,000,000 configs; the limit is 1,000,000 trials per sweep (configs x repeats, after budget.max_trials)']);
  assert.deepEqual(await problemsOf({ ...ok, method: 'random', trials: 1e9, parameters: { gamma: { min: 0.1, max: 1 } } }),
    ['trials: 1,000,000,000 samples x 1 repeats make 1,000,000,000 trials; the limit is 1,000,000 trials per sweep (configs x repeats, after budget.max_trials)']);
  const capped = await checkSweep({ ...huge, budget: { max_trials: 10 } });
  assert.equal(capped.sweep.budget.max_trials, 10, 'budget.max_trials brings a huge grid under the limit, lazily');
});

test('a trial longer than the step limit is refused at the trainer key, with the count and the limit', async () => {
  assert.deepEqual(await problemsOf({ ...ok, trainer: { kind: 'quadratic', epochs: 1e9, steps_per_epoch: 1 } }),
    ['trainer.epochs: a trial would take 1,000,000,000 steps; the limit is 10,000,000 steps per trial (its LR curve is held in memory)']);
});

test('a 10 MB name is cut in the message', async () => {
  const [problem] = await problemsOf({ ...ok, name: 'x'.repeat(10_000_000) });
  assert.ok(problem.length < 300, `${problem.length} characters`);
  assert.match(problem, /^name: must be .*, got "xxxx.*\.\.\. \(10000002 characters\)$/);
});

test('cycles replaces first_cycle_steps; bad combinations and configs where no length fits are refused at their key', async () => {
  const base = { name: 'c', schedule: { max_lr: 0.1 }, trainer: { kind: 'quadratic', epochs: 5, steps_per_epoch: 20 } };
  assert.deepEqual(await problemsOf({ ...base, schedule: { first_cycle_steps: 10, cycles: 3 } }),
    ['schedule.first_cycle_steps: cannot be given with cycles, which sets first_cycle_steps and max_cycles from the trainer\'s steps']);
  assert.deepEqual(await problemsOf({ ...base, schedule: { max_cycles: 2 }, parameters: { cycles: { values: [2, 3] } } }),
    ['schedule.max_cycles: cannot be given with cycles, which sets first_cycle_steps and max_cycles from the trainer\'s steps']);
  assert.deepEqual(await problemsOf({ ...base, parameters: { cycles: { values: [2, 0] } } }), ['parameters.cycles.values[1]: must be an integer from 1 to 1000000, got 0']);
  assert.deepEqual(await problemsOf({ ...base, schedule: { warmup_steps: 30 }, parameters: { cycles: { values: [2, 4] } } }),
    ['parameters.cycles.values[1]: no first_cycle_steps fits 4 cycles in the trainer\'s 100 steps with these cycle_mult and warmup_steps']);
  assert.deepEqual(await problemsOf({ ...base, schedule: { kind: 'sgdr', base_lr: 0.1, t_mult: 2 }, parameters: { cycles: { values: [3] } } }),
    ['parameters.cycles.values[0]: sgdr has no max_cycles to hold leftover steps: 3 cycles end at step 98, not at the last of the trainer\'s 100 steps (npx lrsweep fit lists the budgets that fit)']);
});

test('unknown lint rules and constraint keys are refused at their key; the file\'s own warnings are rules too', async () => {
  assert.deepEqual(await problemsOf({ ...ok, lint: { ignore: ['ends-mid-cycle', 'startup-cohort', 'made-up'] }, constraints: { end_at_cycle_end: 'yes' } }), [
    'constraints.end_at_cycle_end: must be true or false, got "yes"',
    'lint.ignore: names no lint rule (rules: ends-mid-cycle, cycle-mult-no-op, peak-below-min, warmup-dominates, shrinking-cycles, misplaced-restart, negative-stable, negative-min-ratio, warmup-past-total, three-phase-late-peak, startup-cohort), got "made-up"',
  ]);
});

test('cycles in a sweep whose kind varies applies to the kinds it can fit: the others keep their own lengths; a fitted kind\'s length beside it is refused, naming the kind', async () => {
  const base = { name: 'c', trainer: { kind: 'quadratic', epochs: 5, steps_per_epoch: 20 } };
  const { sweep } = await checkSweep({ ...base, schedule: { max_lr: 0.1, lr: 0.05, cycles: 2, num_training_steps: 100 },
    parameters: { kind: { values: ['wsd', 'cawr'] }, num_decay_steps: { values: [20, 40] } } });
  assert.deepEqual(sweep.schedule, { kind: 'wsd', max_lr: 0.1, lr: 0.05, cycles: 2, num_training_steps: 100 });
  assert.deepEqual(await problemsOf({ ...base, schedule: { max_lr: 0.1, lr: 0.05, first_cycle_steps: 20, t_0: 20, base_lr: 0.1 },
    parameters: { kind: { values: ['cawr', 'sgdr', 'wsd'] }, cycles: { values: [1, 2] }, num_training_steps: { values: [100] }, max_cycles: { values: [3] } } }), [
    'schedule.first_cycle_steps: cannot be given with cycles, which sets first_cycle_steps and max_cycles of cawr and t_0 of sgdr from the trainer\'s steps',
    'parameters.max_cycles: cannot be given with cycles, which sets first_cycle_steps and max_cycles of cawr and t_0 of sgdr from the trainer\'s steps',
    'schedule.t_0: cannot be given with cycles, which sets first_cycle_steps and max_cycles of cawr and t_0 of sgdr from the trainer\'s steps',
  ]);
  assert.deepEqual(await problemsOf({ ...base, schedule: { lr: 0.05, first_cycle_steps: 20, cycles: 2 }, parameters: { kind: { values: ['cawr', 'wsd'] } } }),
    ['schedule.first_cycle_steps: cannot be given with cycles, which sets first_cycle_steps and max_cycles of cawr from the trainer\'s steps']);
  // No listed kind has restarts to place: cycles is no key of theirs.
  const [none] = await problemsOf({ ...base, schedule: { lr: 0.05, cycles: 2, num_training_steps: 100 }, parameters: { kind: { values: ['wsd', 'hf_cosine_restarts'] } } });
  assert.match(none, /^schedule\.cycles: is not a parameter of any listed kind \(wsd, hf_cosine_restarts; known: .*\), got 2$/);
  // One kind without restarts, named or listed: the same refusal (no crash looking for its lengths).
  assert.deepEqual(await problemsOf({ ...base, schedule: { kind: 'wsd', lr: 0.05, cycles: 2, num_training_steps: 100 } }),
    ['schedule.cycles: is not a known key (known: kind, lr, num_warmup_steps, num_decay_steps, num_training_steps, num_stable_steps, warmup_type, decay_type, min_lr_ratio, num_cycles)']);
  assert.deepEqual(await problemsOf({ ...base, schedule: { lr: 0.05, cycles: 2, num_training_steps: 100 }, parameters: { kind: { values: ['wsd'] } } }),
    ['schedule.cycles: is not a parameter of any listed kind (wsd; known: lr, num_warmup_steps, num_decay_steps, num_training_steps, num_stable_steps, warmup_type, decay_type, min_lr_ratio, num_cycles), got 2']);
});
