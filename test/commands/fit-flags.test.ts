// The flags of `lrsweep fit`, in process: list and range parsing, and the flags fit refuses.
// (test/commands/fit.test.ts runs the CLI itself for the exit codes.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitRequestFromFlags } from '../../src/commands/fit.js';
import { listFlag, showList, MAX_LIST_VALUES } from '../../src/commands/list-flags.js';

test('list flags take numbers, integer ranges, repeats of the flag; sorted, without repeats', () => {
  assert.deepEqual(listFlag('cycle-mult')('2, 1,1.5,1'), [1, 1.5, 2]);
  assert.deepEqual(listFlag('cycle-mult')('1e0,.5'), [0.5, 1]);
  assert.deepEqual(listFlag('cycles', { integer: true })('5,2..4,3'), [2, 3, 4, 5]);
  assert.deepEqual(listFlag('cycles', { integer: true })(['2..3', '7']), [2, 3, 7]);
  assert.deepEqual(listFlag('cycles', { integer: true })(6), [6]);
  assert.equal(listFlag('cycles')(undefined), undefined);
});

const bad: [string, () => unknown, string][] = [
  ['an item that is not a number', () => listFlag('cycle-mult')('1,x'), '--cycle-mult must be a comma-separated list of numbers, got "1,x"'],
  ['an empty item', () => listFlag('cycle-mult')('1,,2'), '--cycle-mult must be a comma-separated list of numbers, got "1,,2"'],
  ['a range where ranges are not taken', () => listFlag('cycle-mult')('1..2'), '--cycle-mult must be a comma-separated list of numbers, got "1..2"'],
  ['a bad range', () => listFlag('cycles', { integer: true })('2..x'), '--cycles must be a comma-separated list of integers or ranges A..B, got "2..x"'],
  ['a fraction among integers', () => listFlag('warmup-steps', { integer: true })('0,2.5'), '--warmup-steps must be a comma-separated list of integers or ranges A..B, got "0,2.5"'],
  ['a range that goes down', () => listFlag('cycles', { integer: true })('6..2'), '--cycles ranges must go up (A <= B in A..B), got "6..2"'],
  ['a range too long to list', () => listFlag('warmup-steps', { integer: true })('0..1000000000'), `--warmup-steps must list at most ${MAX_LIST_VALUES} values, got "0..1000000000"`],
  ['a value that breaks the rule', () => listFlag('cycle-mult', { rule: (v) => (v > 0 ? null : 'must be > 0') })('1,-0.5'), '--cycle-mult values must be > 0, got -0.5 in "1,-0.5"'],
];

for (const [name, run, message] of bad) {
  test(`a list flag with ${name} is refused, naming the flag, the rule and the value`, () => {
    assert.throws(run, { name: 'UsageError', message });
  });
}

test('lists of integers are shown back with their ranges', () => {
  assert.equal(showList([2, 3, 4, 5, 6]), '2..6');
  assert.equal(showList([1, 2, 4, 6, 7, 8]), '1, 2, 4, 6..8');
  assert.equal(showList([0]), '0');
});

const flags = (extra: Record<string, unknown>) => ({ schedule: 'cawr', steps: 100, slack: 0, cycles: [2, 3], format: 'table', ...extra }) as never;

test('the flags become a fit request; the multiplier and warmup default to 1 and 0', () => {
  assert.deepEqual(fitRequestFromFlags(flags({ gamma: 0.9, 'warmup-first-cycle-only': true })), {
    schedule: 'cawr', steps: 100, cycles: [2, 3], slack: 0, cycleMults: [1], warmups: [0], fixed: { gamma: 0.9, warmupFirstCycleOnly: true },
  });
  assert.deepEqual(fitRequestFromFlags(flags({ schedule: 'sgdr', 't-mult': [2], 'base-lr': 0.1 })), {
    schedule: 'sgdr', steps: 100, cycles: [2, 3], tMults: [2], fixed: { baseLr: 0.1 },
  });
});

const refused: [string, Record<string, unknown>, string][] = [
  ['--max-cycles', { 'max-cycles': '3' }, '--max-cycles is set by fit (to the number of cycles, for a setting that leaves steps after its last cycle): choose the numbers of cycles with --cycles'],
  ['--t0', { schedule: 'sgdr', t0: '3' }, '--t0 is what fit finds: leave it out (fit lists the t_0 whose last cycle ends at --steps)'],
  ['a multiplier of the other schedule', { 't-mult': [2] }, '--t-mult is a parameter of --schedule sgdr, not of --schedule cawr'],
  ['a fixed flag of the other schedule', { schedule: 'sgdr', gamma: 0.5, 'base-lr': 0.1 }, '--gamma is a parameter of --schedule cawr, not of --schedule sgdr'],
  ['--slack as large as --steps', { slack: 100 }, '--slack must be smaller than --steps, got --slack 100, --steps 100'],
  ['sgdr without --base-lr', { schedule: 'sgdr' }, '--base-lr is required for --schedule sgdr (the final LR is computed from it)'],
];

for (const [name, extra, message] of refused) {
  test(`fit refuses ${name} with what to do instead`, () => {
    assert.throws(() => fitRequestFromFlags(flags(extra)), { name: 'UsageError', message });
  });
}
