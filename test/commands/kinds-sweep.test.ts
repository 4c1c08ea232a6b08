// The kind as a sweep parameter, end to end through the CLI on the quadratic trainer: a grid over
// cawr, one_cycle and sgdr (the product per kind), each trial with its own kind's parameters and
// LR curve; best, the report and the Optuna export compare across kinds; a random sweep draws each
// config's own keys; a key no listed kind has is refused at its key with the value (exit 2);
// `cycles` fits the kinds with restarts while the others keep their own lengths; --extend adds a
// kind wherever it is listed and refuses taking one out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { runCli } from '../helpers/cli.js';
import { skipOrFail } from '../helpers/skip.js';
import { pythonWith } from '../train/command/helpers.js';

const KINDS_SWEEP = `
name: kinds
schedule:
  max_lr: 0.1                  # cawr and one_cycle
  first_cycle_steps: 20        # cawr
parameters:
  kind: { values: [cawr, one_cycle, sgdr] }
  cycle_mult: { values: [1, 2] }          # cawr
  t_0: { values: [10, 25] }               # sgdr
  base_lr: { values: [0.05] }             # sgdr
  total_steps: { values: [100] }          # one_cycle
  pct_start: { values: [0.25, 0.4] }      # one_cycle
  three_phase: { values: [false, true] }  # one_cycle
objective: { metric: val_loss, goal: minimize }
trainer:
  kind: quadratic
  epochs: 4
  steps_per_epoch: 25
`;

const workspace = () => mkdtempSync(join(tmpdir(), 'lrsweep-kinds-'));

test('a grid over three kinds runs each kind\'s own product; best, the report and the Optuna export compare across kinds', async (t) => {
  const dir = workspace();
  writeFileSync(join(dir, 'kinds.yaml'), KINDS_SWEEP);
  const dry = runCli(['run', 'kinds.yaml', '--dry-run'], { cwd: dir });
  assert.equal(dry.status, 0, dry.stderr);
  // 2 (cawr) + 2 x 2 (one_cycle) + 2 x 1 (sgdr), not the 2 x 2 x 1 x 2 x 2 x 3 of one product
  assert.match(dry.stdout, /kinds: 8 configs x 1 repeats = 8 trials/);
  const run = runCli(['run', 'kinds.yaml', '--workers', '2'], { cwd: dir });
  assert.equal(run.status, 0, run.stderr);

  const db = new Database(join(dir, 'lrsweep.db'), { readonly: true });
  const rows = db.prepare("SELECT params, state, objective FROM trials ORDER BY number").all() as { params: string; state: string; objective: number }[];
  db.close();
  assert.equal(rows.length, 8);
  assert.ok(rows.every((r) => r.state === 'complete' && Number.isFinite(r.objective)));
  const params = rows.map((r) => JSON.parse(r.params) as Record<string, unknown>);
  assert.deepEqual(params.map((p) => p.schedule), ['cawr', 'cawr', 'one_cycle', 'one_cycle', 'one_cycle', 'one_cycle', 'sgdr', 'sgdr']);
  for (const p of params) {
    assert.equal(p.kind, p.schedule);
    // each config holds its own kind's keys only: the fixed max_lr reaches cawr and one_cycle, not sgdr
    if (p.schedule === 'cawr') assert.ok(p.cycle_mult !== undefined && p.first_cycle_steps === 20 && p.max_lr === 0.1 && p.t_0 === undefined && p.pct_start === undefined);
    if (p.schedule === 'one_cycle') assert.ok(p.total_steps === 100 && p.max_lr === 0.1 && p.cycle_mult === undefined && p.first_cycle_steps === undefined);
    if (p.schedule === 'sgdr') assert.ok(p.t_0 !== undefined && p.base_lr === 0.05 && p.max_lr === undefined && p.cycle_mult === undefined);
  }
  // The kinds' curves differ, so do their results: one_cycle's four configs are four objectives.
  assert.equal(new Set(rows.slice(2, 6).map((r) => r.objective)).size, 4);

  const best = runCli(['best', 'kinds', '--format', 'json'], { cwd: dir });
  assert.equal(best.status, 0, best.stderr);
  const ranked = JSON.parse(best.stdout) as Record<string, unknown>[];
  assert.equal(ranked.length, 8);
  assert.deepEqual(new Set(ranked.map((r) => (r.params as Record<string, unknown> | undefined)?.kind ?? r.kind)), new Set(['cawr', 'one_cycle', 'sgdr']));
  const table = runCli(['best', 'kinds'], { cwd: dir }).stdout;
  assert.match(table.split('\n')[1], /│ kind +│/); // a kind column

  const report = runCli(['report', 'kinds', '--out', 'r.html'], { cwd: dir });
  assert.equal(report.status, 0, report.stderr);
  const html = readFileSync(join(dir, 'r.html'), 'utf8');
  for (const kind of ['cawr', 'one_cycle', 'sgdr']) assert.ok(html.includes(kind), `the report names ${kind}`);

  const exported = runCli(['export', 'kinds', '--format', 'optuna', '--out', 'optuna.db'], { cwd: dir });
  assert.equal(exported.status, 0, exported.stderr);
  const python = pythonWith('optuna');
  if (skipOrFail(t, python === null && 'python3 with optuna is not installed (Debian: python3-optuna)')) return;
  const read = spawnSync(python!, ['-c', `
import json, optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
s = optuna.load_study(study_name="kinds", storage="sqlite:///optuna.db")
print(json.dumps([t.params for t in s.trials]))
`], { cwd: dir, encoding: 'utf8' });
  assert.equal(read.status, 0, read.stderr);
  const studyParams = JSON.parse(read.stdout) as Record<string, unknown>[];
  assert.deepEqual(studyParams.map((p) => p.kind), params.map((p) => p.kind));
  // Conditional parameters: each trial has its kind's varied keys only.
  assert.deepEqual(Object.keys(studyParams[0]).sort(), ['cycle_mult', 'kind']);
  assert.deepEqual(Object.keys(studyParams[2]).sort(), ['kind', 'pct_start', 'three_phase', 'total_steps']);
  assert.deepEqual(Object.keys(studyParams[7]).sort(), ['base_lr', 'kind', 't_0']);
});

test('a random sweep over kinds draws each config\'s own keys, the same configs on every run', () => {
  const dir = workspace();
  writeFileSync(join(dir, 'r.yaml'), `
name: r
method: random
trials: 30
schedule: { max_lr: 0.1, first_cycle_steps: 20, total_steps: 100, t_0: 20 }
parameters:
  kind: { values: [cawr, one_cycle, sgdr] }
  cycle_mult: { min: 1, max: 2 }
  pct_start: { min: 0.2, max: 0.5 }
  base_lr: { min: 0.01, max: 0.1, distribution: log_uniform }
objective: { metric: val_loss, goal: minimize }
trainer: { kind: quadratic, epochs: 4, steps_per_epoch: 25 }
`);
  const first = runCli(['run', 'r.yaml', '--dry-run'], { cwd: dir });
  const again = runCli(['run', 'r.yaml', '--dry-run'], { cwd: dir });
  assert.equal(first.status, 0, first.stderr);
  assert.equal(first.stdout, again.stdout);
  const run = runCli(['run', 'r.yaml'], { cwd: dir });
  assert.equal(run.status, 0, run.stderr);
  const db = new Database(join(dir, 'lrsweep.db'), { readonly: true });
  const params = (db.prepare('SELECT params FROM trials').all() as { params: string }[]).map((r) => JSON.parse(r.params) as Record<string, number | string>);
  db.close();
  assert.equal(params.length, 30);
  const counts = new Map<string, number>();
  for (const p of params) {
    counts.set(p.kind as string, (counts.get(p.kind as string) ?? 0) + 1);
    if (p.kind === 'cawr') assert.ok((p.cycle_mult as number) >= 1 && (p.cycle_mult as number) <= 2 && p.pct_start === undefined && p.base_lr === undefined);
    if (p.kind === 'one_cycle') assert.ok((p.pct_start as number) >= 0.2 && p.cycle_mult === undefined && p.base_lr === undefined);
    if (p.kind === 'sgdr') assert.ok((p.base_lr as number) >= 0.01 && p.cycle_mult === undefined && p.pct_start === undefined && p.t_0 === 20);
  }
  assert.equal(counts.size, 3, JSON.stringify([...counts]));
});

test('a key no listed kind has is refused at its key, with the rule and the value; nothing is written', () => {
  const dir = workspace();
  writeFileSync(join(dir, 'bad.yaml'), `
name: bad
schedule: { max_lr: 0.1, t_0: 20 }
parameters:
  kind: { values: [cawr, one_cycle] }
  first_cycle_steps: { values: [20] }
  total_steps: { values: [100] }
  t_mult: { values: [2] }
  pct_start: { values: [1.5] }
objective: { metric: val_loss, goal: minimize }
trainer: { kind: quadratic, epochs: 4, steps_per_epoch: 25 }
`);
  const r = runCli(['run', 'bad.yaml'], { cwd: dir });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /schedule\.t_0: is not a parameter of any listed kind \(cawr, one_cycle; known: .*\), got 20/);
  assert.match(r.stderr, /parameters\.t_mult: is not a parameter of any listed kind \(cawr, one_cycle; .*\), got \{"values":\[2\]\}/);
  assert.match(r.stderr, /parameters\.pct_start\.values\[0\]: must be a number from 0 to 1, got 1\.5/);
  assert.doesNotMatch(r.stderr, /at .*\.ts:\d+/); // no stack trace
  assert.ok(!existsSync(join(dir, 'lrsweep.db')));
  // An unknown kind, and the kind given in both places.
  writeFileSync(join(dir, 'bad2.yaml'), readFileSync(join(dir, 'bad.yaml'), 'utf8')
    .replace('schedule: { max_lr: 0.1, t_0: 20 }', 'schedule: { kind: cawr, max_lr: 0.1 }')
    .replace('[cawr, one_cycle]', '[cawr, onecycle]').replace(/ {2}t_mult.*\n {2}pct_start.*\n/, ''));
  const r2 = runCli(['run', 'bad2.yaml'], { cwd: dir });
  assert.equal(r2.status, 2);
  assert.match(r2.stderr, /parameters\.kind: is also fixed in schedule\.kind; give it in one place/);
  assert.match(r2.stderr, /parameters\.kind\.values\[1\]: must be one of cawr, sgdr, timm_cosine, hf_cosine_restarts, wsd, one_cycle, got "onecycle"/);
});

test('every kind outside the family in one sweep: each config keeps its own kind\'s keys (lr shared by three), runs, and show prints its native call', () => {
  const dir = workspace();
  writeFileSync(join(dir, 'all.yaml'), `
name: all
schedule:
  lr: 0.05                     # timm_cosine, hf_cosine_restarts, wsd
  max_lr: 0.1                  # one_cycle
parameters:
  kind: { values: [timm_cosine, hf_cosine_restarts, wsd, one_cycle] }
  t_initial: { values: [40] }                       # timm_cosine
  cycle_mul: { values: [1, 2] }                     # timm_cosine
  t_in_epochs: { values: [false] }                  # timm_cosine
  cycle_limit: { values: [3] }                      # timm_cosine
  num_training_steps: { values: [100] }             # hf_cosine_restarts and wsd
  num_cycles: { values: [2] }                       # hf_cosine_restarts and wsd
  num_decay_steps: { values: [20, 40] }             # wsd
  total_steps: { values: [100] }                    # one_cycle
  pct_start: { values: [0.3] }                      # one_cycle
objective: { metric: val_loss, goal: minimize }
trainer:
  kind: quadratic
  epochs: 4
  steps_per_epoch: 25
`);
  const dry = runCli(['run', 'all.yaml', '--dry-run'], { cwd: dir });
  assert.equal(dry.status, 0, dry.stderr);
  // 2 (timm) + 1 (hf) + 2 (wsd) + 1 (one_cycle)
  assert.match(dry.stdout, /all: 6 configs x 1 repeats = 6 trials/);
  const run = runCli(['run', 'all.yaml'], { cwd: dir });
  assert.equal(run.status, 0, run.stderr);
  const db = new Database(join(dir, 'lrsweep.db'), { readonly: true });
  const rows = db.prepare('SELECT number, params, state FROM trials ORDER BY number').all() as { number: number; params: string; state: string }[];
  db.close();
  assert.deepEqual(rows.map((r) => r.state), Array(6).fill('complete'));
  const params = rows.map((r) => JSON.parse(r.params) as Record<string, unknown>);
  assert.deepEqual(params.map((p) => p.schedule), ['timm_cosine', 'timm_cosine', 'hf_cosine_restarts', 'wsd', 'wsd', 'one_cycle']);
  for (const p of params) {
    if (p.schedule === 'one_cycle') assert.ok(p.max_lr === 0.1 && p.lr === undefined && p.num_cycles === undefined, JSON.stringify(p));
    else assert.ok(p.lr === 0.05 && p.max_lr === undefined && p.total_steps === undefined, JSON.stringify(p));
    if (p.schedule === 'timm_cosine') assert.ok(p.t_initial === 40 && p.num_training_steps === undefined, JSON.stringify(p));
    if (p.schedule === 'wsd') assert.ok(p.num_training_steps === 100 && p.num_cycles === 2 && p.t_initial === undefined, JSON.stringify(p));
  }
  const natives = rows.map((r) => (JSON.parse(runCli(['show', 'all', String(r.number), '--format', 'json'], { cwd: dir }).stdout) as { native: string }).native);
  assert.match(natives[1], /^CosineLRScheduler\(optimizer, t_initial=40, lr_min=0\.0, cycle_mul=2\.0, .*cycle_limit=3, .*t_in_epochs=False/);
  assert.match(natives[2], /^get_cosine_with_hard_restarts_schedule_with_warmup\(optimizer, num_warmup_steps=0, num_training_steps=100, num_cycles=2\)/);
  assert.match(natives[3], /^get_wsd_schedule\(optimizer, num_warmup_steps=0, num_decay_steps=20, num_training_steps=100, /);
  assert.match(natives[5], /^torch\.optim\.lr_scheduler\.OneCycleLR\(optimizer, max_lr=0\.1, total_steps=100, pct_start=0\.3, /);
});

test('tpe and sobol over timm_cosine, hf_cosine_restarts and wsd: each config draws its own kind\'s ranges, inside them, and runs', () => {
  for (const method of ['{ kind: tpe, startup_trials: 4 }', 'sobol']) {
    const dir = workspace();
    writeFileSync(join(dir, 's.yaml'), `
name: s
method: ${method}
trials: 12
schedule: { lr: 0.05, t_initial: 40, t_in_epochs: false, num_training_steps: 100 }
parameters:
  kind: { values: [timm_cosine, hf_cosine_restarts, wsd] }
  cycle_mul: { min: 1, max: 2 }                     # timm_cosine
  cycle_limit: { min: 1, max: 4, distribution: int_uniform }   # timm_cosine
  num_cycles: { min: 1, max: 3, distribution: int_uniform }    # hf_cosine_restarts and wsd
  num_decay_steps: { min: 10, max: 50, distribution: int_uniform }  # wsd
objective: { metric: val_loss, goal: minimize }
trainer: { kind: quadratic, epochs: 4, steps_per_epoch: 25 }
`);
    const run = runCli(['run', 's.yaml', '--workers', '1'], { cwd: dir });
    assert.equal(run.status, 0, `${method}: ${run.stderr}`);
    const db = new Database(join(dir, 'lrsweep.db'), { readonly: true });
    const rows = db.prepare('SELECT params, state FROM trials ORDER BY number').all() as { params: string; state: string }[];
    db.close();
    assert.equal(rows.length, 12, method);
    assert.ok(rows.every((r) => r.state === 'complete'), `${method}: ${rows.map((r) => r.state).join(',')}`);
    const kinds = new Set<string>();
    for (const p of rows.map((r) => JSON.parse(r.params) as Record<string, number | string>)) {
      kinds.add(p.schedule as string);
      if (p.schedule === 'timm_cosine') assert.ok((p.cycle_mul as number) >= 1 && (p.cycle_mul as number) <= 2 && Number.isInteger(p.cycle_limit) && p.num_cycles === undefined && p.num_decay_steps === undefined, JSON.stringify(p));
      if (p.schedule === 'hf_cosine_restarts') assert.ok(Number.isInteger(p.num_cycles) && p.cycle_mul === undefined && p.num_decay_steps === undefined && p.t_initial === undefined, JSON.stringify(p));
      if (p.schedule === 'wsd') assert.ok((p.num_decay_steps as number) >= 10 && (p.num_decay_steps as number) <= 50 && p.cycle_mul === undefined, JSON.stringify(p));
    }
    assert.equal(kinds.size, 3, `${method}: every kind drawn (${[...kinds]})`);
  }
});

test('cycles with wsd and cawr: cycles fits cawr\'s first length, wsd keeps its own lengths; both run, best ranks them together', () => {
  const dir = workspace();
  writeFileSync(join(dir, 'c.yaml'), `
name: c
schedule:
  max_lr: 0.1                  # cawr
  lr: 0.05                     # wsd
  cycles: 2                    # cawr: sets first_cycle_steps and max_cycles
  num_training_steps: 100      # wsd
parameters:
  kind: { values: [wsd, cawr] }
  cycle_mult: { values: [1, 2] }          # cawr
  num_decay_steps: { values: [20, 40] }   # wsd
objective: { metric: val_loss, goal: minimize }
trainer: { kind: quadratic, epochs: 4, steps_per_epoch: 25 }
`);
  const run = runCli(['run', 'c.yaml'], { cwd: dir });
  assert.equal(run.status, 0, run.stderr);
  const db = new Database(join(dir, 'lrsweep.db'), { readonly: true });
  const rows = db.prepare('SELECT params, state FROM trials ORDER BY number').all() as { params: string; state: string }[];
  db.close();
  assert.deepEqual(rows.map((r) => r.state), Array(4).fill('complete'));
  const params = rows.map((r) => JSON.parse(r.params) as Record<string, unknown>);
  // wsd's own lengths as given, no cycles; cawr's 2 cycles fitted into the 100 steps (int((L - 0) * 2) = 2L: L + 2L <= 100).
  assert.deepEqual(params.map((p) => [p.schedule, p.num_decay_steps, p.num_training_steps, p.cycles, p.first_cycle_steps, p.max_cycles]), [
    ['wsd', 20, 100, undefined, undefined, undefined],
    ['wsd', 40, 100, undefined, undefined, undefined],
    ['cawr', undefined, undefined, 2, 50, 2],
    ['cawr', undefined, undefined, 2, 33, 2],
  ]);
  const best = runCli(['best', 'c', '--format', 'json'], { cwd: dir });
  assert.equal(best.status, 0, best.stderr);
  assert.equal((JSON.parse(best.stdout) as unknown[]).length, 4);
  // A fitted kind's length beside cycles is refused at its key, naming the kinds cycles sets it for.
  writeFileSync(join(dir, 'bad.yaml'), readFileSync(join(dir, 'c.yaml'), 'utf8').replace('name: c', 'name: bad').replace('  max_lr: 0.1', '  max_lr: 0.1\n  first_cycle_steps: 20'));
  const bad = runCli(['run', 'bad.yaml'], { cwd: dir });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /schedule\.first_cycle_steps: cannot be given with cycles, which sets first_cycle_steps and max_cycles of cawr from the trainer's steps/);
});

test('--extend adds a kind in front of the list: the trials of the kinds there are kept, the new kind\'s run; taking it out again is refused', () => {
  const dir = workspace();
  const file = (kinds: string, extra = '') => `
name: x
schedule: { max_lr: 0.1, first_cycle_steps: 20${extra} }
parameters:
  kind: { values: [${kinds}] }
  cycle_mult: { values: [1, 2] }
objective: { metric: val_loss, goal: minimize }
trainer: { kind: quadratic, epochs: 4, steps_per_epoch: 25 }
`;
  const trials = () => {
    const db = new Database(join(dir, 'lrsweep.db'), { readonly: true });
    const rows = db.prepare('SELECT number, config_hash AS hash, state, objective, params FROM trials ORDER BY number').all() as { number: number; hash: string; state: string; objective: number; params: string }[];
    db.close();
    return rows.map(({ params, ...r }) => ({ ...r, kind: (JSON.parse(params) as { kind: string }).kind }));
  };
  writeFileSync(join(dir, 'x.yaml'), file('cawr, wsd', ', lr: 0.05, num_training_steps: 100, num_decay_steps: 20'));
  assert.equal(runCli(['run', 'x.yaml'], { cwd: dir }).status, 0);
  const before = trials();
  assert.deepEqual(before.map((t) => t.kind), ['cawr', 'cawr', 'wsd']);
  writeFileSync(join(dir, 'x.yaml'), file('sgdr, cawr, wsd', ', lr: 0.05, num_training_steps: 100, num_decay_steps: 20, t_0: 25, base_lr: 0.05'));
  const refused = runCli(['run', 'x.yaml'], { cwd: dir });
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /another definition \(parameters\.kind\.values: \["cawr","wsd"\] -> \["sgdr","cawr","wsd"\]; schedule\.base_lr: .*\): run with --extend to add the new configs/);
  const extended = runCli(['run', 'x.yaml', '--extend'], { cwd: dir });
  assert.equal(extended.status, 0, extended.stderr);
  assert.match(extended.stdout + extended.stderr, /1 ended in this run/);
  const after = trials();
  assert.deepEqual(after.slice(0, 3), before, 'the kinds already there: same trials, results kept, not rerun');
  assert.deepEqual(after.slice(3).map((t) => [t.number, t.kind, t.state]), [[4, 'sgdr', 'complete']]);
  // The file as extended resumes its sweep: nothing to run.
  assert.match(runCli(['run', 'x.yaml'], { cwd: dir }).stdout, /0 ended in this run/);
  writeFileSync(join(dir, 'x.yaml'), file('cawr, wsd', ', lr: 0.05, num_training_steps: 100, num_decay_steps: 20'));
  const removed = runCli(['run', 'x.yaml', '--extend'], { cwd: dir });
  assert.equal(removed.status, 2);
  assert.match(removed.stderr, /--extend only adds configs, but the file no longer has 1 of its trials \(e\.g\. kind="sgdr", repeat 0\)/);
});

test('--extend from one kind to a sweep over kinds is refused with why (its configs would carry their kind), exit 2, and the sweep resumes as it was', () => {
  const dir = workspace();
  const one = `
name: one
schedule: { kind: cawr, first_cycle_steps: 50, max_lr: 0.5, min_lr: 0.001 }
parameters:
  gamma: { values: [0.5, 1.0] }
objective: { metric: val_loss, goal: minimize }
trainer: { kind: quadratic, epochs: 4, steps_per_epoch: 25 }
`;
  writeFileSync(join(dir, 'x.yaml'), one);
  const first = runCli(['run', 'x.yaml'], { cwd: dir });
  assert.equal(first.status, 0, first.stderr);
  writeFileSync(join(dir, 'x.yaml'), one.replace('schedule: { kind: cawr, ', 'schedule: { ').replace('parameters:\n', 'parameters:\n  kind: { values: [cawr, sgdr] }\n  t_0: { values: [25] }\n  base_lr: { values: [0.3] }\n'));
  const refused = runCli(['run', 'x.yaml', '--extend'], { cwd: dir });
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /^lrsweep: --extend cannot turn sweep "one", stored with one schedule kind \(cawr\), into a sweep over kinds \(parameters\.kind\): .* its 2 complete trials would not be found again; give the sweep another name\n$/);
  writeFileSync(join(dir, 'x.yaml'), one);
  const again = runCli(['run', 'x.yaml'], { cwd: dir });
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /2 of 2 trials complete/);
  assert.match(again.stdout, /0 ended in this run/);
});
