// `lrsweep fit` as a user runs it: table, json and csv output, the no-fit note with the nearest
// budgets, bad flags; and the lint warnings `lrsweep curve` prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitSchedules } from '../../src/schedule/fit.js';
import { runCli } from '../helpers/cli.js';

const SEARCH = ['--steps', '10000', '--cycle-mult', '1,1.5,2', '--warmup-steps', '0,100', '--cycles', '2..6'];
const settings = fitSchedules({ schedule: 'cawr', steps: 10000, cycleMults: [1, 1.5, 2], warmups: [0, 100], cycles: [2, 3, 4, 5, 6] }).settings;

test('--format json lists every setting with its restarts and final LR', () => {
  const r = runCli(['fit', ...SEARCH, '--format', 'json']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const rows = JSON.parse(r.stdout);
  assert.ok(settings.length >= 5);
  assert.deepEqual(rows, settings.map((s) => ({
    first_cycle_steps: s.firstCycleSteps, cycle_mult: s.mult, warmup_steps: s.warmupSteps, cycles: s.cycles,
    restarts: s.restarts, leftover: 0, max_cycles: null, final_lr: s.finalLr, warnings: [],
  })));
  // One row spelled out: cycle_mult 1.5, warmup 100, 5 cycles of 821, 1181, 1721, 2531, 3746 steps.
  assert.deepEqual(rows.find((x: { cycles: number; cycle_mult: number }) => x.cycles === 5 && x.cycle_mult === 1.5)?.restarts, [821, 2002, 3723, 6254]);
});

test('--format csv and the table show the same settings', () => {
  const csv = runCli(['fit', ...SEARCH, '--format', 'csv']);
  assert.equal(csv.status, 0, csv.stderr);
  const lines = csv.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'first_cycle_steps,cycle_mult,warmup_steps,cycles,restarts,leftover,max_cycles,final_lr,warnings');
  assert.deepEqual(lines.slice(1), settings.map((s) => `${s.firstCycleSteps},${s.mult},${s.warmupSteps},${s.cycles},${s.restarts.join(' ')},0,,${s.finalLr},`));
  const table = runCli(['fit', ...SEARCH]);
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /first_cycle_steps │ cycle_mult │ warmup_steps │ cycles │ restarts/);
  assert.match(table.stdout, /│ 821 +│ 1\.5 +│ 100 +│ 5 +│ 821 2002 3723 6254 +│ 0 +│ +│ 0\.00100002 +│ +│/);
  assert.equal(table.stdout.match(/^│ \d/gm)?.length, settings.length);
});

test('--slack lists endings up to that many steps early, with max_cycles holding the rest at min_lr', () => {
  const r = runCli(['fit', '--steps', '10000', '--cycle-mult', '1.5', '--cycles', '3', '--slack', '20', '--format', 'csv']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trimEnd().split('\n').slice(1), [
    '2102,1.5,0,3,2102 5255,16,3,0.001,',
    '2103,1.5,0,3,2103 5257,12,3,0.001,',
    '2104,1.5,0,3,2104 5260,6,3,0.001,',
    '2105,1.5,0,3,2105 5262,3,3,0.001,',
  ]);
});

test('sgdr takes --t-mult, and --cycles defaults to 2..10', () => {
  const r = runCli(['fit', '--schedule', 'sgdr', '--steps', '3100', '--t-mult', '1,2', '--base-lr', '0.1', '--format', 'csv']);
  assert.equal(r.status, 0, r.stderr);
  // 3100 = 2 x 1550 = 4 x 775 = 5 x 620 = 10 x 310 with T_mult 1; 100 + 200 + 400 + 800 + 1600 with T_mult 2.
  assert.deepEqual(r.stdout.trimEnd().split('\n').map((l) => l.split(',').slice(0, 3).join(',')), [
    't_0,t_mult,cycles', '1550,1,2', '775,1,4', '620,1,5', '310,1,10', '100,2,5',
  ]);
});

const NO_FIT = 'no setting ends its last cycle at step 10007 (searched cycle_mult 1; warmup_steps 0; cycles 2..6); ' +
  'the nearest budgets that end a cycle exactly are 10006 steps (first_cycle_steps=5003, cycle_mult=1, warmup_steps=0, 2 cycles) ' +
  'and 10008 steps (first_cycle_steps=5004, cycle_mult=1, warmup_steps=0, 2 cycles)';

test('when nothing fits, the table says so with the nearest budgets', () => {
  const r = runCli(['fit', '--steps', '10007', '--cycles', '2..6']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `${NO_FIT}\n`);
});

test('when nothing fits, json stays parseable and the note goes to stderr', () => {
  const r = runCli(['fit', '--steps', '10007', '--cycles', '2..6', '--format', 'json']);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), []);
  assert.equal(r.stderr, `lrsweep: ${NO_FIT}\n`);
});

const badFlags: [string, string[], string][] = [
  ['a list item that is not a number', ['--cycle-mult', '1,x'], '--cycle-mult must be a comma-separated list of numbers, got "1,x"'],
  ['a range that goes down', ['--cycles', '6..2'], '--cycles ranges must go up (A <= B in A..B), got "6..2"'],
  ['the length fit finds', ['--first-cycle-steps', '100'], '--first-cycle-steps is what fit finds: leave it out (fit lists the first_cycle_steps whose last cycle ends at --steps)'],
  ['slack with sgdr', ['--schedule', 'sgdr', '--base-lr', '0.1', '--slack', '3'],
    '--slack needs max_cycles to hold the leftover steps at the floor, and --schedule sgdr has none, got --slack 3'],
  ['a fixed parameter that breaks a rule', ['--min-lr', '1'],
    "min_lr must not exceed max_lr, got min_lr=1, max_lr=0.1 (set allow_min_above_max to reproduce the reference's upside-down cycles)"],
];

for (const [name, args, message] of badFlags) {
  test(`bad flag (${name}): exit code 2 and one line naming it`, () => {
    const r = runCli(['fit', '--steps', '100', ...args]);
    assert.equal(r.status, 2);
    assert.equal(r.stderr, `lrsweep: ${message}\n`);
    assert.equal(r.stdout, '');
  });
}

test('lrsweep curve prints lint warnings on stderr; --no-lint silences them', () => {
  const args = ['curve', '--first-cycle-steps', '10', '--cycle-mult', '1.05', '--steps', '95'];
  const r = runCli(args);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^restarts +9$/m);
  assert.equal(r.stderr,
    "lrsweep: warning [ends-mid-cycle]: the run's last step 94 is step 4 of the 10 steps of cycle 9 (steps 90 to 99), at lr 0.0658 where a cycle ends near min_lr=0.001; " +
    'budgets that end a cycle: 90 or 100 steps (`npx lrsweep fit --steps 95` finds lengths that end at 95)\n' +
    'lrsweep: warning [cycle-mult-no-op]: cycle_mult=1.05 changes nothing from cycle 0 on: int((10 - 0) * 1.05) + 0 = 10, so every cycle from step 0 has 10 steps; ' +
    'cycles with 10 steps after warmup need cycle_mult >= 1.1 to grow, and cycle_mult=1.05 grows only cycles with 20 or more steps after warmup\n');
  const quiet = runCli([...args, '--no-lint']);
  assert.equal(quiet.status, 0, quiet.stderr);
  assert.equal(quiet.stderr, '');
  assert.equal(quiet.stdout.replace(/^time .*$/m, ''), r.stdout.replace(/^time .*$/m, ''));
});
