// fitSchedules and deriveFirstCycleSteps against brute force with the engine: every first cycle
// length is tried, and cycle starts are read from the WASM engine's own lookup (cycleAt) at
// every step, never from the TypeScript walks that fit.ts uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParamError } from '../../src/core/errors.js';
import { curve } from '../../src/schedule/curve.js';
import { deriveFirstCycleSteps, endsAtFinalStep, fitSchedules, MAX_FIT_SETTINGS, type FitRequest, type FitSetting } from '../../src/schedule/fit.js';
import { withDefaults, type ScheduleInput } from '../../src/schedule/params.js';
import { toFamily } from '../../src/schedule/family.js';
import { resolveSchedule } from '../../src/schedule/schedule.js';
import { cycleAt } from '../../src/wasm/engine.js';

/**
 * Where cycles 0, 1, 2, ... begin, by asking the engine for the cycle of every step up to
 * `limit`. Entry K is where cycle K begins, listed only while cycles 0 .. K - 1 are non-empty:
 * the engine refuses a step at or past a zero-length cycle, which ends the list there.
 */
function engineCycleStarts(params: ScheduleInput, limit: number): number[] {
  const f = toFamily(withDefaults(params));
  const starts = [0];
  let previous = 0;
  for (let t = 1; t <= limit; t++) {
    let c: number;
    try {
      c = cycleAt(f, t);
    } catch {
      starts.push(t); // a zero-length cycle begins at t: cycle `previous` ended here
      return starts;
    }
    if (c !== previous) {
      assert.equal(c, previous + 1, `one cycle at a time (step ${t})`);
      starts.push(t);
      previous = c;
    }
  }
  return starts;
}

type Key = string;
const key = (first: number, mult: number, warmup: number, cycles: number): Key => `${first}/${mult}/${warmup}/${cycles}`;

interface Shape { mult: number; warmup: number; wfco: boolean }

function paramsOf(schedule: 'cawr' | 'sgdr', first: number, s: Shape): ScheduleInput {
  return schedule === 'sgdr'
    ? { schedule, t0: first, tMult: s.mult, baseLr: 0.1 }
    : { schedule, firstCycleSteps: first, cycleMult: s.mult, warmupSteps: s.warmup, warmupFirstCycleOnly: s.wfco };
}

/** Brute force: every (first length, K) whose K-th cycle ends within [steps - slack, steps]. */
function bruteForceFits(schedule: 'cawr' | 'sgdr', shapes: Shape[], cycles: number[], steps: number, slack: number): Set<Key> {
  const out = new Set<Key>();
  for (const s of shapes) {
    for (let first = s.warmup + 1; first <= steps; first++) {
      const starts = engineCycleStarts(paramsOf(schedule, first, s), steps);
      for (const k of cycles) if (k < starts.length && starts[k] >= steps - slack && starts[k] <= steps) out.add(key(first, s.mult, s.warmup, k));
    }
  }
  return out;
}

/** Checks one listed setting with the engine: restarts, where the last cycle ends, the floor after it, the final LR. */
function checkWithEngine(setting: FitSetting, steps: number, floor: number): void {
  const starts = engineCycleStarts(setting.params, steps);
  assert.deepEqual(setting.restarts, starts.slice(1, setting.cycles), `restarts of ${JSON.stringify(setting.params)}`);
  assert.equal(starts[setting.cycles], setting.end, 'the last cycle ends where the engine says');
  assert.equal(setting.end, steps - setting.leftover);
  const lrs = curve(setting.params, { steps });
  assert.equal(setting.finalLr, lrs[steps - 1]);
  for (let t = setting.end; t < steps; t++) assert.equal(lrs[t], floor, `leftover step ${t} at the floor`);
}

const CAWR_MULTS = [0.7, 1, 1.05, 1.5, 2];
const CYCLES = [1, 2, 3, 4, 5, 6];

for (const wfco of [false, true]) {
  // 24 steps: cycle_mult 0.7 from 10 gives 10, 7, 4, 2, 1 and then a zero-length cycle at 24.
  for (const [steps, slack] of [[24, 0], [60, 0], [97, 0], [97, 4]]) {
    test(`cawr fit lists exactly the settings brute force finds (steps ${steps}, slack ${slack}${wfco ? ', warmup_first_cycle_only' : ''})`, () => {
      const warmups = [0, 3];
      const result = fitSchedules({ schedule: 'cawr', steps, slack, cycleMults: CAWR_MULTS, warmups, cycles: CYCLES, fixed: { warmupFirstCycleOnly: wfco } });
      const shapes = CAWR_MULTS.flatMap((mult) => warmups.map((warmup) => ({ mult, warmup, wfco })));
      const want = bruteForceFits('cawr', shapes, CYCLES, steps, slack);
      const got = new Set(result.settings.map((s) => key(s.firstCycleSteps, s.mult, s.warmupSteps, s.cycles)));
      assert.ok(want.size >= 8, `the case is not trivial (${want.size} fits)`);
      assert.deepEqual([...got].sort(), [...want].sort());
      assert.equal(got.size, result.settings.length, 'no setting listed twice');
      for (const s of result.settings) checkWithEngine(s, steps, 0.001);
    });
  }
}

for (const steps of [60, 93, 127]) {
  test(`sgdr fit lists exactly the settings brute force finds (steps ${steps})`, () => {
    const tMults = [1, 2, 3];
    const cycles = [1, 2, 3, 4, 5, 6, 7];
    const result = fitSchedules({ schedule: 'sgdr', steps, tMults, cycles, fixed: { baseLr: 0.1 } });
    const want = bruteForceFits('sgdr', tMults.map((mult) => ({ mult, warmup: 0, wfco: false })), cycles, steps, 0);
    const got = new Set(result.settings.map((s) => key(s.firstCycleSteps, s.mult, s.warmupSteps, s.cycles)));
    assert.deepEqual([...got].sort(), [...want].sort());
    for (const s of result.settings) {
      assert.equal(s.leftover, 0);
      checkWithEngine(s, steps, 0);
    }
  });
}

test('the nearest budgets are the closest step counts, below and above, at which a searched setting ends exactly', () => {
  const cycleMults = [1, 1.5];
  const warmups = [0, 2];
  const cycles = [2, 3, 4];
  for (const [steps, slack] of [[61, 0], [47, 0], [53, 3]]) {
    const result = fitSchedules({ schedule: 'cawr', steps, slack, cycleMults, warmups, cycles });
    const ends: number[] = [];
    for (const mult of cycleMults) {
      for (const warmup of warmups) {
        for (let first = warmup + 1; first <= 2 * steps; first++) {
          const starts = engineCycleStarts({ schedule: 'cawr', firstCycleSteps: first, cycleMult: mult, warmupSteps: warmup }, 2 * steps);
          for (const k of cycles) if (k < starts.length) ends.push(starts[k]);
        }
      }
    }
    const below = Math.max(...ends.filter((e) => e < steps - slack));
    const above = Math.min(...ends.filter((e) => e > steps));
    assert.equal(result.nearest.below?.steps, below, `below ${steps}`);
    assert.equal(result.nearest.above?.steps, above, `above ${steps}`);
    for (const near of [result.nearest.below!, result.nearest.above!]) {
      const s = near.setting;
      const starts = engineCycleStarts({ schedule: 'cawr', firstCycleSteps: s.firstCycleSteps, cycleMult: s.mult, warmupSteps: s.warmupSteps }, 2 * steps);
      assert.equal(starts[s.cycles], near.steps, 'the named setting ends at that budget');
    }
  }
});

test('with nothing in range the nearest budgets come back, and none past twice the budget', () => {
  // 10007 is prime: cycle_mult 1 ends K equal cycles at K * first, never at 10007 for K in 2..6.
  const r = fitSchedules({ schedule: 'cawr', steps: 10007, cycleMults: [1], warmups: [0], cycles: [2, 3, 4, 5, 6] });
  assert.deepEqual(r.settings, []);
  assert.deepEqual(r.nearest, {
    below: { steps: 10006, setting: { firstCycleSteps: 5003, mult: 1, warmupSteps: 0, cycles: 2 } },
    above: { steps: 10008, setting: { firstCycleSteps: 5004, mult: 1, warmupSteps: 0, cycles: 2 } },
  });
  const none = fitSchedules({ schedule: 'cawr', steps: 10, cycleMults: [1], warmups: [25], cycles: [2] });
  assert.deepEqual(none.nearest, { below: null, above: null });
});

test('at a million steps every listed setting ends its last cycle at the final step, by the engine', () => {
  const steps = 1_000_000;
  const result = fitSchedules({ schedule: 'cawr', steps, cycleMults: [1, 1.1, 1.5, 2], warmups: [0, 1000], cycles: [2, 3, 4, 5, 6, 7, 8] });
  assert.ok(result.settings.length >= 10, `${result.settings.length} settings`);
  for (const s of result.settings) {
    const f = toFamily(withDefaults(s.params));
    assert.equal(s.leftover, 0);
    assert.equal(cycleAt(f, steps - 1), s.cycles - 1, 'the final step is in the last cycle');
    assert.equal(cycleAt(f, steps), s.cycles, 'and the next step begins a new one');
    s.restarts.forEach((r, i) => {
      assert.equal(cycleAt(f, r - 1), i);
      assert.equal(cycleAt(f, r), i + 1);
    });
    assert.equal(s.finalLr, curve(s.params, { start: steps - 1, steps: 1 })[0]);
  }
});

test('a fitting setting that hits a truncation trap carries its lint warning', () => {
  // first_cycle_steps=10, cycle_mult=1.05: int(10 * 1.05) = 10, so 10 cycles of 10 end at 100.
  const r = fitSchedules({ schedule: 'cawr', steps: 100, cycleMults: [1.05], warmups: [0], cycles: [10] });
  assert.equal(r.settings.length, 1);
  assert.equal(r.settings[0].firstCycleSteps, 10);
  assert.deepEqual(r.settings[0].warnings, ['cycle-mult-no-op']);
});

test('the listed parameters are complete: slack leaves max_cycles set, and the fixed parameters are kept', () => {
  const r = fitSchedules({ schedule: 'cawr', steps: 97, slack: 4, cycleMults: [1], warmups: [0], cycles: [2], fixed: { gamma: 0.9, maxLr: 0.5 } });
  assert.deepEqual(r.settings.map((s) => s.params), [
    { schedule: 'cawr', gamma: 0.9, maxLr: 0.5, firstCycleSteps: 47, cycleMult: 1, warmupSteps: 0, maxCycles: 2 },
    { schedule: 'cawr', gamma: 0.9, maxLr: 0.5, firstCycleSteps: 48, cycleMult: 1, warmupSteps: 0, maxCycles: 2 },
  ]);
  assert.deepEqual(r.settings.map((s) => s.leftover), [3, 1]);
});

test('deriveFirstCycleSteps gives the largest first cycle whose first K cycles fit, as brute force does', () => {
  for (const steps of [24, 50, 97]) {
    for (const wfco of [false, true]) {
      for (const cycleMult of CAWR_MULTS) {
        for (const warmupSteps of [0, 3]) {
          const shape = { schedule: 'cawr' as const, cycleMult, warmupSteps, warmupFirstCycleOnly: wfco };
          // Brute force: the last first length whose cycle K starts at or before steps.
          const startsOf = new Map<number, number[]>();
          for (let first = warmupSteps + 1; first <= steps; first++) startsOf.set(first, engineCycleStarts({ ...shape, firstCycleSteps: first }, steps));
          for (const cycles of CYCLES) {
            let want: number | null = null;
            for (const [first, starts] of startsOf) if (cycles < starts.length) want = first;
            const got = deriveFirstCycleSteps({ steps, cycles, shape });
            const what = `steps ${steps}, cycles ${cycles}, ${JSON.stringify(shape)}`;
            if (want === null) {
              assert.equal(got, null, what);
              continue;
            }
            assert.ok(got, what);
            assert.equal(got.firstCycleSteps, want, what);
            assert.equal(got.end, startsOf.get(want)![cycles], what);
            assert.equal(got.leftover, steps - got.end);
            assert.equal(got.maxCycles, cycles);
            // With max_cycles = K the leftover stays at min_lr, and the curve is producible.
            const lrs = curve({ ...shape, firstCycleSteps: want, maxCycles: cycles }, { steps });
            for (let t = got.end; t < steps; t++) assert.equal(lrs[t], 0.001, `${what}: step ${t}`);
          }
        }
      }
    }
  }
});

test('deriveFirstCycleSteps for sgdr has no max_cycles and matches brute force', () => {
  const steps = 100;
  for (const tMult of [1, 2, 3]) {
    for (const cycles of [1, 2, 3, 4, 5]) {
      let want: number | null = null;
      for (let t0 = 1; t0 <= steps; t0++) {
        const starts = engineCycleStarts({ schedule: 'sgdr', t0, tMult, baseLr: 0.1 }, steps);
        if (cycles < starts.length) want = t0;
      }
      const got = deriveFirstCycleSteps({ steps, cycles, shape: { schedule: 'sgdr', tMult } });
      assert.equal(got?.firstCycleSteps ?? null, want, `t_mult ${tMult}, cycles ${cycles}`);
      if (got) assert.equal(got.maxCycles, null);
    }
  }
});

test('endsAtFinalStep says whether a cycle ends exactly at the final step, as the engine does', () => {
  const schedules: ScheduleInput[] = [
    { schedule: 'cawr', firstCycleSteps: 7, cycleMult: 1.5, warmupSteps: 2 },
    { schedule: 'cawr', firstCycleSteps: 10, cycleMult: 1.05 },
    { schedule: 'cawr', firstCycleSteps: 10, cycleMult: 0.7 },
    { schedule: 'cawr', firstCycleSteps: 9, cycleMult: 2, warmupSteps: 4, warmupFirstCycleOnly: true },
    { schedule: 'cawr', firstCycleSteps: 6, cycleMult: 1.5, maxCycles: 3 },
    { schedule: 'sgdr', t0: 3, tMult: 2, baseLr: 0.1 },
  ];
  for (const p of schedules) {
    const starts = engineCycleStarts(p, 60);
    const maxCycles = 'maxCycles' in p ? p.maxCycles! : Infinity;
    let hits = 0;
    for (let steps = 1; steps <= 59; steps++) {
      // Brute force: `steps` begins a cycle the engine numbers (or where max_cycles stops it).
      const want = starts.includes(steps) && starts.indexOf(steps) <= maxCycles;
      if (steps >= 24 && p.schedule === 'cawr' && p.cycleMult === 0.7) break; // the zero-length cycle at 24
      assert.equal(endsAtFinalStep(resolveSchedule(p), steps), want, `${JSON.stringify(p)}, steps ${steps}`);
      if (want) hits++;
    }
    assert.ok(hits >= 3, JSON.stringify(p));
  }
});

test('bad requests are refused with every problem, naming the key, the rule and the value', () => {
  const bad = {
    schedule: 'cawr', steps: 0, slack: -1, cycleMults: [1, -2], warmups: [1.5], cycles: [0],
  } as unknown as FitRequest;
  assert.throws(() => fitSchedules(bad), (e: unknown) => {
    assert.ok(e instanceof ParamError);
    assert.deepEqual(e.problems.map((p) => p.message), [
      'steps must be an integer from 1 to 2^52, got steps=0',
      'slack must be an integer from 0 to steps - 1, got slack=-1, steps=0',
      'cycles must be integers >= 1, got 0',
      'cycle_mult values must be a finite number > 0, got -2',
      'warmup_steps values must be an integer from 0 to 2^52, got 1.5',
    ]);
    return true;
  });
  assert.throws(() => fitSchedules({ schedule: 'sgdr', steps: 10, slack: 2, tMults: [1.5], cycles: [2], fixed: { baseLr: 0.1 } }), {
    message: 'slack needs max_cycles to hold the leftover steps at the floor, and sgdr has none, got slack=2; t_mult values must be an integer from 1 to 2^20, got 1.5',
  });
  assert.throws(() => fitSchedules({ schedule: 'cawr', steps: 10, cycleMults: [1], warmups: [0], cycles: [2], fixed: { minLr: 1 } }), {
    message: "min_lr must not exceed max_lr, got min_lr=1, max_lr=0.1 (set allow_min_above_max to reproduce the reference's upside-down cycles)",
  });
  assert.throws(() => deriveFirstCycleSteps({ steps: 10, cycles: 0, shape: { schedule: 'cawr' } }), { message: 'cycles must be an integer >= 1, got cycles=0' });
});

test('a search matching more than MAX_FIT_SETTINGS settings is refused before any is built, naming slack', () => {
  // With cycle_mult 1 every first length from steps/K - slack/K up fits: about slack/K per K.
  const wide: FitRequest = { schedule: 'cawr', steps: 1_000_000, slack: 50_000, cycleMults: [1, 2], warmups: [0], cycles: [2, 3, 4] };
  assert.throws(() => fitSchedules(wide), (e: unknown) => {
    assert.ok(e instanceof ParamError);
    assert.equal(e.problems[0].key, 'slack');
    assert.match(e.message, new RegExp(`^slack=50000: the search matches \\d+ settings, more than ${MAX_FIT_SETTINGS} \\(the most one search lists\\)`));
    return true;
  });
  // A narrower search is listed whole.
  const narrow = fitSchedules({ ...wide, slack: 2_000, cycleMults: [1], cycles: [2] });
  assert.ok(narrow.settings.length > 900 && narrow.settings.length <= MAX_FIT_SETTINGS, String(narrow.settings.length));
});
