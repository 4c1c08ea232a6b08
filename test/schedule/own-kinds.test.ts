// The kinds with their own kernel (timm_cosine, hf_cosine_restarts, wsd) keep the engine's other
// promises: exact extremes per column, restarts counted, LrScheduler state dicts, refusals and
// lints naming what is wrong, and the native call `lrsweep show` prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParamError } from '../../src/core/errors.js';
import { curve } from '../../src/schedule/curve.js';
import { lintSchedule } from '../../src/schedule/lint.js';
import type { ScheduleInput } from '../../src/schedule/params.js';
import { resolveSchedule } from '../../src/schedule/schedule.js';
import { LrScheduler } from '../../src/schedule/scheduler.js';

const SCHEDULES: ScheduleInput[] = [
  { schedule: 'timm_cosine', lr: 0.1, tInitial: 2, cycleMul: 3, cycleLimit: 12, tInEpochs: false },
  { schedule: 'timm_cosine', lr: 0.1, tInitial: 7, lrMin: 1e-4, cycleMul: 1.3, cycleDecay: 0.8, cycleLimit: 40, warmupT: 5, warmupLrInit: 1e-5, kDecay: 1.5, updatesPerEpoch: 3 },
  { schedule: 'timm_cosine', lr: 0.1, tInitial: 3, lrMin: 1e-3, cycleLimit: 100_000, cycleDecay: 0.999, warmupT: 2, warmupPrefix: true, tInEpochs: false },
  { schedule: 'timm_cosine', lr: 0.1, tInitial: 40_000, cycleMul: 0.9, cycleLimit: 1000, tInEpochs: false },
  { schedule: 'hf_cosine_restarts', lr: 0.1, numWarmupSteps: 1000, numTrainingSteps: 300_000, numCycles: 7 },
  { schedule: 'hf_cosine_restarts', lr: 0.1, numWarmupSteps: 10, numTrainingSteps: 200_000, numCycles: -3.5 },
  { schedule: 'hf_cosine_restarts', lr: 0.1, numWarmupSteps: 0, numTrainingSteps: 300_000, numCycles: 5000 },
  { schedule: 'wsd', lr: 0.1, numWarmupSteps: 3000, numDecaySteps: 100_000, numTrainingSteps: 350_000, warmupType: 'cosine', decayType: 'cosine', numCycles: 3.25, minLrRatio: 0.1 },
  { schedule: 'wsd', lr: 0.1, numWarmupSteps: 3000, numDecaySteps: 50_000, numStableSteps: 10, warmupType: '1-sqrt', decayType: '1-sqrt', minLrRatio: -0.2 },
];

for (const p of SCHEDULES) {
  test(`every column keeps its exact min and max: ${JSON.stringify(p)}`, () => {
    const s = resolveSchedule(p);
    for (const [start, steps, columns] of [[0, Math.min(400_000, s.end), 500], [1234, Math.min(100_000, s.end - 1234), 777], [0, Math.min(3000, s.end), 700]]) {
      const full = curve(s, { start, steps });
      const points = s.extremes(start, steps, columns);
      assert.ok(points.every((q, i) => i === 0 || q.step > points[i - 1].step), 'points in step order');
      for (let c = 0; c < columns; c++) {
        const a = Math.floor((c * steps) / columns);
        const b = Math.floor(((c + 1) * steps) / columns);
        let lo = Infinity;
        let hi = -Infinity;
        for (let i = a; i < b; i++) {
          lo = Math.min(lo, full[i]);
          hi = Math.max(hi, full[i]);
        }
        const mine = points.filter((q) => q.step >= start + a && q.step < start + b);
        for (const q of mine) assert.equal(q.lr, full[q.step - start], 'points are curve values');
        assert.equal(Math.min(...mine.map((q) => q.lr)), lo, `window ${start}+${steps}, column ${c} min`);
        assert.equal(Math.max(...mine.map((q) => q.lr)), hi, `window ${start}+${steps}, column ${c} max`);
      }
    }
  });
}

test("windows starting anywhere (inside an epoch, across the kernels' blocks and the 32768-value copy chunks) equal the curve from 0, f64 and f32", () => {
  for (const p of SCHEDULES) {
    const s = resolveSchedule(p);
    const n = Math.min(120_000, s.end);
    const full = curve(s, { steps: n });
    const full32 = curve(s, { steps: n, dtype: 'f32' });
    assert.deepEqual(full32, Float32Array.from(full), JSON.stringify(p));
    for (const [start, steps] of [[1, 70_001], [127, 33_000], [32_767, 3], [65_535, 2], [n - 5, 5], [n - 1, 1]]) {
      assert.deepEqual(curve(s, { start, steps }), full.subarray(start, start + steps), `${JSON.stringify(p)} window ${start}+${steps}`);
      assert.deepEqual(curve(s, { start, steps, dtype: 'f32' }), full32.subarray(start, start + steps), `${JSON.stringify(p)} f32 window ${start}+${steps}`);
    }
  }
});

test('a scheduler equals the curve step by step, and resumes from its state dict at any step', () => {
  for (const p of SCHEDULES) {
    const want = curve(p, { steps: 10_000 });
    const a = new LrScheduler(p);
    const got = [a.lr];
    for (let i = 1; i < 10_000; i++) got.push(a.step());
    assert.deepEqual(got, Array.from(want), JSON.stringify(p));
    const b = new LrScheduler(p);
    for (let i = 0; i < 4321; i++) b.step();
    const resumed = LrScheduler.fromStateDict(JSON.parse(JSON.stringify(b.stateDict())));
    assert.equal(resumed.stepCount, 4321);
    for (let i = 4321; i < 10_000; i++, resumed.step()) assert.equal(resumed.lr, want[i], `${p.schedule} resumed at step ${i}`);
  }
});

test('restarts: cycle starts after step 0, none in warmup, none after the hard 0 or cycle_limit', () => {
  // timm_cosine, updates: cycles start at 0, 2, 8, 26, 80, 242 (misplaced, counted with 243), 728
  assert.equal(resolveSchedule(SCHEDULES[0]).restarts({ steps: 800 }), 6);
  assert.equal(resolveSchedule({ schedule: 'timm_cosine', lr: 0.1, tInitial: 10, cycleLimit: 3, tInEpochs: false }).restarts({ steps: 1000 }), 2);
  assert.equal(resolveSchedule({ schedule: 'hf_cosine_restarts', lr: 0.1, numWarmupSteps: 10, numTrainingSteps: 100, numCycles: 3 }).restarts({ steps: 500 }), 2);
  assert.equal(resolveSchedule({ schedule: 'wsd', lr: 0.1, numDecaySteps: 10, numTrainingSteps: 100 }).restarts({ steps: 500 }), 0);
});

test("misplaced-restart names timm's misplaced steps; fix_cycle_index places them, and the lint goes", () => {
  const p = { schedule: 'timm_cosine', lr: 0.1, tInitial: 2, cycleMul: 3, cycleLimit: 10, tInEpochs: false } as const;
  const [w] = lintSchedule(resolveSchedule(p), 300);
  assert.equal(w.rule, 'misplaced-restart');
  assert.match(w.message, /step 242 \(lr 0 where the cycle's own gives 0\.1\)/);
  assert.match(w.message, /set fix_cycle_index/);
  assert.deepEqual(lintSchedule(resolveSchedule(p), 242), [], 'a run that ends before 242 has nothing misplaced');
  const fixed = curve({ ...p, fixCycleIndex: true }, { steps: 300 });
  const timm = curve(p, { steps: 300 });
  assert.equal(fixed[242], 0.1);
  assert.deepEqual([...fixed].filter((_, i) => i !== 242), [...timm].filter((_, i) => i !== 242), 'only the misplaced step moves');
  assert.deepEqual(lintSchedule(resolveSchedule({ ...p, fixCycleIndex: true }), 300), []);
  // per epoch: the lint names the epoch's steps
  const epochs = lintSchedule(resolveSchedule({ ...p, tInEpochs: true, updatesPerEpoch: 4 }), 2000);
  assert.match(epochs[0].message, /steps 968 to 971/);
});

test('wsd lints: negative derived stable phase, negative min_lr_ratio, warmup past the total', () => {
  const rules = (p: ScheduleInput) => lintSchedule(resolveSchedule(p), 100).map((w) => `${w.rule}: ${w.message}`);
  const negative = rules({ schedule: 'wsd', lr: 0.1, numWarmupSteps: 10, numDecaySteps: 30, numTrainingSteps: 30 });
  assert.equal(negative.length, 1);
  assert.match(negative[0], /^negative-stable: .*30 - 10 - 30 = -10 is negative: the decay starts at step 0, inside the warmup/);
  // given (not derived), the stable length is what was asked for
  assert.deepEqual(rules({ schedule: 'wsd', lr: 0.1, numWarmupSteps: 10, numDecaySteps: 30, numStableSteps: 0 }), []);
  assert.match(rules({ schedule: 'wsd', lr: 0.1, numDecaySteps: 30, numTrainingSteps: 60, minLrRatio: -0.5 })[0], /^negative-min-ratio: min_lr_ratio=-0\.5 is negative: from step 60 the LR is lr \* min_lr_ratio = -0\.05/);
  assert.match(rules({ schedule: 'wsd', lr: 0.1, numWarmupSteps: 50, numDecaySteps: 10, numTrainingSteps: 40 }).join('\n'), /warmup-past-total: num_warmup_steps=50 >= num_training_steps=40/);
  assert.match(rules({ schedule: 'hf_cosine_restarts', lr: 0.1, numWarmupSteps: 20, numTrainingSteps: 10 })[0], /^warmup-past-total: .*LR is 0 from step 21 on/);
  assert.deepEqual(lintSchedule(resolveSchedule({ schedule: 'wsd', lr: 0.1, numWarmupSteps: 10, numDecaySteps: 30, numTrainingSteps: 30 }), 100, { ignore: ['negative-stable'] }), []);
});

test('refusals name the key, the rule and the value before any work', () => {
  const problems = (p: unknown) => {
    try {
      resolveSchedule(p as ScheduleInput);
    } catch (e) {
      assert.ok(e instanceof ParamError);
      return e.problems.map((x) => `${x.key}: ${x.message}`);
    }
    return [];
  };
  assert.deepEqual(problems({ schedule: 'wsd', lr: 0.1, numDecaySteps: 10 }),
    ['num_training_steps: num_training_steps or num_stable_steps is required for schedule wsd (the reference raises ValueError without both), got neither']);
  assert.deepEqual(problems({ schedule: 'wsd', lr: 0.1, numDecaySteps: 10, numTrainingSteps: 50, decayType: 'sqrt' }),
    ['decay_type: decay_type must be one of linear, cosine, 1-sqrt, got decay_type="sqrt"']);
  assert.deepEqual(problems({ schedule: 'timm_cosine', lr: 0.1, tInitial: 0 }), ['t_initial: t_initial must be an integer from 1 to 2^52, got t_initial=0']);
  assert.deepEqual(problems({ schedule: 'hf_cosine_restarts', lr: 0.1 }), ['num_training_steps: num_training_steps is required for schedule hf_cosine_restarts']);
  // wsd's cosine decay takes cos of pi * num_cycles * 2 * progress: beyond 2^19 pi lrsweep's cos is not exact (it gave Infinity)
  assert.deepEqual(problems({ schedule: 'wsd', lr: 0.1, numDecaySteps: 10, numTrainingSteps: 50, numCycles: 1e6 }),
    ["num_cycles: num_cycles must be a number from -2^18 to 2^18 (lrsweep's cos, which the reference's values need, is exact for the decay's arguments up to 2^19 pi), got num_cycles=1000000"]);
  assert.deepEqual(problems({ schedule: 'wsd', lr: 0.1, numDecaySteps: 10, numTrainingSteps: 50, numCycles: -(2 ** 18) }), []);
  assert.deepEqual(problems({ schedule: 'hf_cosine_restarts', lr: 0.1, numTrainingSteps: 50, numCycles: 1e6 }), [], "hard restarts' argument is pi * (x % 1.0): any num_cycles");
  // cycle_mul < 1: only the steps before the cycles' sum exist (timm's math.log fails from there)
  const s = resolveSchedule({ schedule: 'timm_cosine', lr: 0.1, tInitial: 64, cycleMul: 0.5, cycleLimit: 100, tInEpochs: true, updatesPerEpoch: 10 });
  assert.equal(s.end, 1280);
  assert.throws(() => s.curve({ start: 1000, steps: 281 }), /^ParamError: cycle_mul < 1 must leave the run inside the cycles' sum t_initial \/ \(1 - cycle_mul\) = 128 .* only steps before 1280 exist, got start=1000, steps=281$/);
  assert.equal(s.curve({ start: 1000, steps: 280 }).length, 280);
});

test('the native call names the reference\'s function and every argument', () => {
  assert.equal(resolveSchedule({ schedule: 'sgdr', t0: 10, tMult: 2, baseLr: 0.1 }).nativeCall(),
    "CosineAnnealingWarmRestarts(optimizer, T_0=10, T_mult=2, eta_min=0.0) with the optimizer's lr=0.1; scheduler.step() after each optimizer step");
  assert.match(resolveSchedule({ schedule: 'cawr', firstCycleSteps: 100, peakFloor: 'clamp' }).nativeCall()!,
    /^CosineAnnealingWarmupRestarts\(optimizer, first_cycle_steps=100, cycle_mult=1\.0, max_lr=0\.1, min_lr=0\.001, warmup_steps=0, gamma=1\.0\); .* \(peak_floor=clamp: lrsweep's opt-in, the reference has no such option\)$/);
  assert.equal(resolveSchedule({ schedule: 'timm_cosine', lr: 0.1, tInitial: 2, cycleMul: 3, cycleLimit: 10, tInEpochs: false }).nativeCall(),
    'CosineLRScheduler(optimizer, t_initial=2, lr_min=0.0, cycle_mul=3.0, cycle_decay=1.0, cycle_limit=10, warmup_t=0, warmup_lr_init=0.0, ' +
    "warmup_prefix=False, t_in_epochs=False, k_decay=1.0) with the optimizer's lr=0.1; step_update(num_updates) after each update");
  assert.equal(resolveSchedule({ schedule: 'hf_cosine_restarts', lr: 3e-4, numWarmupSteps: 10, numTrainingSteps: 100, numCycles: 3 }).nativeCall(),
    "get_cosine_with_hard_restarts_schedule_with_warmup(optimizer, num_warmup_steps=10, num_training_steps=100, num_cycles=3) with the optimizer's lr=0.0003; scheduler.step() after each optimizer step");
  assert.equal(resolveSchedule({ schedule: 'wsd', lr: 0.1, numDecaySteps: 10, numStableSteps: 5 }).nativeCall(),
    'get_wsd_schedule(optimizer, num_warmup_steps=0, num_decay_steps=10, num_stable_steps=5, warmup_type="linear", decay_type="cosine", ' +
    "min_lr_ratio=0.0, num_cycles=0.5) with the optimizer's lr=0.1; scheduler.step() after each optimizer step");
});
