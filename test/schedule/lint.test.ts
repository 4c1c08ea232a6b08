// Each lint rule on a schedule that triggers it and on one that does not; messages word for
// word; the cycles and steps they name checked against the engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { curve } from '../../src/schedule/curve.js';
import { LINT_RULES, formatLintWarning, lintSchedule, type LintRule } from '../../src/schedule/lint.js';
import { type ScheduleInput } from '../../src/schedule/params.js';
import { resolveSchedule } from '../../src/schedule/schedule.js';
import { cycleAt } from '../../src/wasm/engine.js';

const lint = (params: ScheduleInput, steps: number, ignore?: string[]) => lintSchedule(resolveSchedule(params), steps, { ignore });
const rules = (params: ScheduleInput, steps: number) => lint(params, steps).map((w) => w.rule);
const messageOf = (params: ScheduleInput, steps: number, rule: LintRule) => lint(params, steps).find((w) => w.rule === rule)?.message;

test('the rule names are stable, in the order warnings come out', () => {
  assert.deepEqual(LINT_RULES, ['ends-mid-cycle', 'cycle-mult-no-op', 'peak-below-min', 'warmup-dominates', 'shrinking-cycles',
    'misplaced-restart', 'negative-stable', 'negative-min-ratio', 'warmup-past-total', 'three-phase-late-peak']);
});

test('a schedule without traps gets no warnings', () => {
  assert.deepEqual(lint({ schedule: 'cawr', firstCycleSteps: 100, cycleMult: 2, warmupSteps: 10, gamma: 0.9 }, 100 + 190 + 370), []);
  assert.deepEqual(lint({ schedule: 'sgdr', t0: 10, tMult: 2, baseLr: 0.1 }, 70), []);
});

test('ends-mid-cycle: the final LR, the cycle, and the budgets that end a cycle', () => {
  const p: ScheduleInput = { schedule: 'cawr', firstCycleSteps: 100, cycleMult: 1.5, warmupSteps: 10 };
  assert.equal(messageOf(p, 400, 'ends-mid-cycle'),
    "the run's last step 399 is step 154 of the 212 steps of cycle 2 (steps 245 to 456), at lr 0.01981 where a cycle ends near min_lr=0.001; " +
    'budgets that end a cycle: 245 or 457 steps (`npx lrsweep fit --steps 400` finds lengths that end at 400)');
  // Those budgets are cycle boundaries for the engine, and the LR is the curve's last value.
  const f = resolveSchedule(p).family!;
  for (const b of [245, 457]) assert.equal(cycleAt(f, b), cycleAt(f, b - 1) + 1);
  assert.equal(Number(curve(p, { steps: 400 })[399].toPrecision(4)), 0.01981);
  assert.deepEqual(rules(p, 457), [], 'a run that ends with a cycle');
  assert.deepEqual(rules(p, 245), []);
  assert.equal(messageOf({ schedule: 'sgdr', t0: 10, tMult: 2, baseLr: 0.1 }, 50, 'ends-mid-cycle'),
    "the run's last step 49 is step 19 of the 40 steps of cycle 2 (steps 30 to 69), at lr 0.05392 where a cycle ends near eta_min=0; " +
    'budgets that end a cycle: 30 or 70 steps (`npx lrsweep fit --steps 50` finds lengths that end at 50)');
  // Step 29 of a 100-step cosine: 0.001 + 0.099 * (1 + cos(29 pi / 100)) / 2 = 0.08084.
  assert.equal(Number((0.001 + (0.099 * (1 + Math.cos((29 * Math.PI) / 100))) / 2).toPrecision(4)), 0.08084);
  assert.equal(messageOf({ schedule: 'cawr', firstCycleSteps: 100 }, 30, 'ends-mid-cycle'),
    "the run's last step 29 is step 29 of the 100 steps of cycle 0 (steps 0 to 99), at lr 0.08084 where a cycle ends near min_lr=0.001; " +
    'budgets that end a cycle: 100 steps (`npx lrsweep fit --steps 30` finds lengths that end at 30)');
});

test('ends-mid-cycle: a cycle with 95% of its annealing done counts as ended', () => {
  // 100 steps, no warmup: 95 of them run is 95%.
  assert.deepEqual(rules({ schedule: 'cawr', firstCycleSteps: 100 }, 95), []);
  assert.deepEqual(rules({ schedule: 'cawr', firstCycleSteps: 100 }, 94), ['ends-mid-cycle']);
  // Warmup 10: 90 annealing steps, so 85.5 must have run: 96 steps of the cycle, not 95.
  assert.deepEqual(rules({ schedule: 'cawr', firstCycleSteps: 100, warmupSteps: 10 }, 96), []);
  assert.deepEqual(rules({ schedule: 'cawr', firstCycleSteps: 100, warmupSteps: 10 }, 95), ['ends-mid-cycle']);
});

test('ends-mid-cycle: not after max_cycles has ended the schedule at min_lr', () => {
  assert.deepEqual(rules({ schedule: 'cawr', firstCycleSteps: 100, maxCycles: 2 }, 250), []);
  assert.deepEqual(rules({ schedule: 'cawr', firstCycleSteps: 100, maxCycles: 3 }, 250), ['ends-mid-cycle']);
});

test('cycle-mult-no-op: truncation keeps the lengths, said from which cycle, with what would grow', () => {
  const p: ScheduleInput = { schedule: 'cawr', firstCycleSteps: 10, cycleMult: 1.05 };
  assert.equal(messageOf(p, 100, 'cycle-mult-no-op'),
    'cycle_mult=1.05 changes nothing from cycle 0 on: int((10 - 0) * 1.05) + 0 = 10, so every cycle from step 0 has 10 steps; ' +
    'cycles with 10 steps after warmup need cycle_mult >= 1.1 to grow, and cycle_mult=1.05 grows only cycles with 20 or more steps after warmup');
  // What the message claims, checked with the engine: 1.1 grows 10-step cycles, 1.05 grows 20-step ones but not 19-step ones.
  const restartsIn = (q: ScheduleInput, steps: number) => cycleAt(resolveSchedule(q).family!, steps - 1);
  assert.equal(restartsIn(p, 100), 9, 'ten cycles of 10 steps');
  assert.equal(restartsIn({ ...p, cycleMult: 1.1 }, 100), 7, 'cycles of 10, 11, 12, ...');
  assert.deepEqual(rules({ ...p, firstCycleSteps: 20 }, 200), ['ends-mid-cycle']);
  assert.ok(rules({ ...p, firstCycleSteps: 19 }, 190).includes('cycle-mult-no-op'));
  assert.ok(!rules({ ...p, cycleMult: 1.1 }, 100).includes('cycle-mult-no-op'));
  assert.deepEqual(rules(p, 10), [], 'one cycle in the run: the multiplier plays no part');
  assert.equal(messageOf({ schedule: 'cawr', firstCycleSteps: 10, warmupSteps: 5, cycleMult: 1.05, warmupFirstCycleOnly: true }, 40, 'cycle-mult-no-op'),
    'cycle_mult=1.05 changes nothing from cycle 1 on: int((5 - 0) * 1.05) + 0 = 5, so every cycle from step 10 has 5 steps; ' +
    'cycles with 5 steps after warmup need cycle_mult >= 1.2 to grow, and cycle_mult=1.05 grows only cycles with 20 or more steps after warmup');
  assert.match(messageOf({ schedule: 'cawr', firstCycleSteps: 3, cycleMult: 1.2 }, 30, 'cycle-mult-no-op')!, /need cycle_mult >= 1\.334 to grow, and cycle_mult=1\.2 grows only cycles with 5 or more/);
});

test('peak-below-min: from which cycle the cycles run upside down, and the opt-in that fixes it', () => {
  const p: ScheduleInput = { schedule: 'cawr', firstCycleSteps: 100, gamma: 0.5 };
  assert.equal(messageOf(p, 1000, 'peak-below-min'),
    'gamma=0.5 puts the peak max_lr * gamma^c below min_lr=0.001 from cycle 7 on (it starts at step 700, peak 0.0007813); ' +
    "this run's cycles 7 to 9 run upside down, rising from min_lr instead of falling to it; " +
    'peak_floor: clamp (--peak-floor clamp) holds the peaks at min_lr, peak_floor: amplitude decays towards it');
  assert.deepEqual(rules(p, 700), [], 'cycle 7 starts after the run');
  assert.ok(rules(p, 701).includes('peak-below-min'));
  assert.ok(!rules({ ...p, peakFloor: 'clamp' }, 1000).includes('peak-below-min'));
  assert.ok(!rules({ ...p, peakFloor: 'amplitude' }, 1000).includes('peak-below-min'));
});

test('peak-below-min names the first cycle whose values the engine puts below min_lr', () => {
  for (const [gamma, warmupSteps, cycleMult] of [[0.5, 0, 1], [0.7, 5, 1.3], [0.9, 3, 1], [0.63, 0, 1.1]]) {
    const p: ScheduleInput = { schedule: 'cawr', firstCycleSteps: 20, warmupSteps, gamma, cycleMult };
    const steps = 3000;
    const f = resolveSchedule(p).family!;
    const lrs = curve(p, { steps });
    const first = lrs.findIndex((v) => v < 0.001);
    const message = messageOf(p, steps, 'peak-below-min');
    assert.ok(first > 0 && message, `gamma ${gamma}`);
    assert.equal(Number(message.match(/from cycle (\d+) on/)![1]), cycleAt(f, first), `gamma ${gamma}`);
  }
});

test('warmup-dominates: warmup is half or more of a cycle', () => {
  assert.equal(messageOf({ schedule: 'cawr', firstCycleSteps: 100, warmupSteps: 50 }, 100, 'warmup-dominates'),
    'warmup_steps=50 is 50% of cycle 0 (100 steps): it warms up for 50 steps and anneals for 50');
  assert.deepEqual(rules({ schedule: 'cawr', firstCycleSteps: 100, warmupSteps: 49 }, 100), []);
  assert.equal(messageOf({ schedule: 'cawr', firstCycleSteps: 100, warmupSteps: 5, cycleMult: 0.5 }, 300, 'warmup-dominates'),
    "warmup_steps=5 is half or more of 20 of the run's 24 cycles (cycles 4 to 23, 5 to 10 steps long): each warms up for at least as many steps as it anneals; " +
    'warmup_first_cycle_only (--warmup-first-cycle-only) keeps the warmup to cycle 0');
  assert.ok(!rules({ schedule: 'cawr', firstCycleSteps: 100, warmupSteps: 5, cycleMult: 0.5, warmupFirstCycleOnly: true }, 190).includes('warmup-dominates'));
});

test('shrinking-cycles: the lengths, and where they reach zero or what stops them', () => {
  assert.equal(messageOf({ schedule: 'cawr', firstCycleSteps: 10, cycleMult: 0.7 }, 20, 'shrinking-cycles'),
    'cycle_mult=0.7 shrinks every cycle: 10, 7, 4, 2, 1 steps, reaching zero length at cycle 5 (step 24), where a scheduler stepped on divides by zero; ' +
    "this run's last step is 19");
  // The zero-length cycle is where the engine refuses to go.
  assert.throws(() => curve({ schedule: 'cawr', firstCycleSteps: 10, cycleMult: 0.7 }, { steps: 25 }), /cycle 5 to zero length at step 24/);
  assert.equal(messageOf({ schedule: 'cawr', firstCycleSteps: 10, cycleMult: 0.7, maxCycles: 3 }, 30, 'shrinking-cycles'),
    "cycle_mult=0.7 shrinks every cycle: 10, 7, 4 steps, max_cycles=3 ends the schedule at step 21 before they reach zero; this run's last step is 29");
  assert.equal(messageOf({ schedule: 'cawr', firstCycleSteps: 100, cycleMult: 0.5, warmupSteps: 5 }, 300, 'shrinking-cycles'),
    'cycle_mult=0.5 shrinks every cycle: 100, 52, 28, 16, 10, 7, ... steps, down to 5 steps from cycle 7 (step 219): cycles that are all warmup and never anneal; ' +
    "this run's last step is 299");
  assert.deepEqual(rules({ schedule: 'cawr', firstCycleSteps: 10, cycleMult: 0.7 }, 10), [], 'no restart in the run');
  assert.ok(!rules({ schedule: 'cawr', firstCycleSteps: 10 }, 25).includes('shrinking-cycles'));
});

test('ignore silences rules by name; an unknown name is refused, listing the rules', () => {
  const p: ScheduleInput = { schedule: 'cawr', firstCycleSteps: 10, cycleMult: 1.05 };
  assert.deepEqual(lint(p, 95).map((w) => w.rule), ['ends-mid-cycle', 'cycle-mult-no-op']);
  assert.deepEqual(lint(p, 95, ['cycle-mult-no-op']).map((w) => w.rule), ['ends-mid-cycle']);
  assert.deepEqual(lint(p, 95, ['cycle-mult-no-op', 'ends-mid-cycle']), []);
  assert.throws(() => lint(p, 95, ['ends-mid-cycles']), {
    name: 'UsageError',
    message: 'ignore must list lint rules (ends-mid-cycle, cycle-mult-no-op, peak-below-min, warmup-dominates, shrinking-cycles, misplaced-restart, negative-stable, negative-min-ratio, warmup-past-total, three-phase-late-peak), got "ends-mid-cycles"',
  });
});

test('a warning prints as one line with its rule', () => {
  assert.equal(formatLintWarning({ rule: 'warmup-dominates', message: 'm' }), 'warning [warmup-dominates]: m');
  assert.deepEqual(lint({ schedule: 'cawr', firstCycleSteps: 10, cycleMult: 1.05 }, 0), [], 'an empty run has no traps');
});
