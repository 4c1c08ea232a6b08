// Every validation message, verbatim: the user reads these, so they are part of the interface.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { curve } from '../../src/schedule/curve.js';
import type { ScheduleInput } from '../../src/schedule/params.js';
import { scheduleProblems } from '../../src/schedule/validate.js';
import { resolveSchedule } from '../../src/schedule/schedule.js';

const cawr = (extra: Record<string, unknown>) => ({ schedule: 'cawr', firstCycleSteps: 40, ...extra }) as ScheduleInput;
const sgdr = (extra: Record<string, unknown>) => ({ schedule: 'sgdr', t0: 10, baseLr: 0.1, ...extra }) as ScheduleInput;

const cases: [string, ScheduleInput, string][] = [
  ['warmup too long', cawr({ warmupSteps: 50 }), 'warmup_steps must be smaller than first_cycle_steps, got warmup_steps=50, first_cycle_steps=40'],
  ['warmup equal', cawr({ warmupSteps: 40 }), 'warmup_steps must be smaller than first_cycle_steps, got warmup_steps=40, first_cycle_steps=40'],
  ['fractional length', cawr({ firstCycleSteps: 2.5 }), 'first_cycle_steps must be an integer from 1 to 2^52, got first_cycle_steps=2.5'],
  ['zero length', cawr({ firstCycleSteps: 0 }), 'first_cycle_steps must be an integer from 1 to 2^52, got first_cycle_steps=0'],
  ['negative length', cawr({ firstCycleSteps: -3 }), 'first_cycle_steps must be an integer from 1 to 2^52, got first_cycle_steps=-3'],
  ['string length', cawr({ firstCycleSteps: '10' }), 'first_cycle_steps must be an integer from 1 to 2^52, got first_cycle_steps="10"'],
  ['missing length', { schedule: 'cawr' } as ScheduleInput, 'first_cycle_steps is required for schedule cawr'],
  ['fractional warmup', cawr({ warmupSteps: 1.5 }), 'warmup_steps must be an integer from 0 to 2^52, got warmup_steps=1.5'],
  ['negative warmup', cawr({ warmupSteps: -1 }), 'warmup_steps must be an integer from 0 to 2^52, got warmup_steps=-1'],
  ['NaN max_lr', cawr({ maxLr: NaN }), 'max_lr must be a finite number >= 0, got max_lr=NaN'],
  ['infinite min_lr', cawr({ minLr: Infinity }), 'min_lr must be a finite number >= 0, got min_lr=Infinity'],
  ['negative min_lr', cawr({ minLr: -0.1 }), 'min_lr must be a finite number >= 0, got min_lr=-0.1'],
  ['min above max', cawr({ maxLr: 0.01, minLr: 0.05 }), "min_lr must not exceed max_lr, got min_lr=0.05, max_lr=0.01 (set allow_min_above_max to reproduce the reference's upside-down cycles)"],
  ['zero gamma', cawr({ gamma: 0 }), 'gamma must be a finite number > 0, got gamma=0'],
  ['negative gamma', cawr({ gamma: -0.5 }), 'gamma must be a finite number > 0, got gamma=-0.5'],
  ['NaN gamma', cawr({ gamma: NaN }), 'gamma must be a finite number > 0, got gamma=NaN'],
  ['zero cycle_mult', cawr({ cycleMult: 0 }), 'cycle_mult must be a finite number > 0, got cycle_mult=0'],
  ['infinite cycle_mult', cawr({ cycleMult: Infinity }), 'cycle_mult must be a finite number > 0, got cycle_mult=Infinity'],
  ['bad peak floor', cawr({ peakFloor: 'max' }), 'peak_floor must be one of none, clamp, amplitude, got peak_floor="max"'],
  ['bad max cycles', cawr({ maxCycles: 1.5 }), 'max_cycles must be an integer from 0 to 2^52, got max_cycles=1.5'],
  ['bad boolean', cawr({ warmupFirstCycleOnly: 'yes' }), 'warmup_first_cycle_only must be true or false, got warmup_first_cycle_only="yes"'],
  ['unknown key', cawr({ T_0: 3 }), 'T_0 is not a parameter of schedule cawr; known: firstCycleSteps, cycleMult, maxLr, minLr, warmupSteps, gamma, warmupFirstCycleOnly, peakFloor, maxCycles, allowMinAboveMax'],
  ['unknown schedule', { schedule: 'onecycle' } as unknown as ScheduleInput, 'schedule must be one of cawr, sgdr, timm_cosine, hf_cosine_restarts, wsd, one_cycle, got schedule="onecycle"'],
  ['t_mult past its cap', sgdr({ tMult: 2 ** 20 + 1 }), 't_mult must be an integer from 1 to 2^20, got t_mult=1048577'],
  ['fractional t_mult', sgdr({ tMult: 1.5 }), 't_mult must be an integer from 1 to 2^20, got t_mult=1.5'],
  ['zero t_0', sgdr({ t0: 0 }), 't_0 must be an integer from 1 to 2^52, got t_0=0'],
  ['eta_min above base_lr', sgdr({ etaMin: 0.2 }), "eta_min must not exceed base_lr, got eta_min=0.2, base_lr=0.1 (set allow_min_above_max to reproduce PyTorch's upside-down cycles)"],
  ['missing base_lr', { schedule: 'sgdr', t0: 10 } as ScheduleInput, 'base_lr is required for schedule sgdr'],
];

for (const [name, params, message] of cases) {
  test(`rejects ${name} with the message naming the parameter, the rule and the value`, () => {
    assert.deepEqual(scheduleProblems(params).map((p) => p.message), [message]);
    assert.throws(() => curve(params, { steps: 10 }), { name: 'ParamError', message });
  });
}

test('reports every problem at once, joined on one line', () => {
  const problems = scheduleProblems(cawr({ gamma: 0, cycleMult: -1, warmupSteps: 99 }));
  assert.deepEqual(problems.map((p) => p.key), ['cycle_mult', 'gamma', 'warmup_steps']);
  assert.throws(() => resolveSchedule(cawr({ gamma: 0, cycleMult: -1 })), {
    message: 'cycle_mult must be a finite number > 0, got cycle_mult=-1; gamma must be a finite number > 0, got gamma=0',
  });
});

test('the reference accepts min_lr > max_lr, and so do we when asked', () => {
  assert.deepEqual(scheduleProblems(cawr({ maxLr: 0.01, minLr: 0.05, allowMinAboveMax: true })), []);
});

test('curve requests: step counts, starts and dtypes', () => {
  const s = resolveSchedule(cawr({}));
  const msg = (r: object) => s.windowProblems(r as never).map((p) => p.message);
  assert.deepEqual(msg({ steps: -1 }), ['steps must be an integer from 0 to 2^52, got steps=-1']);
  assert.deepEqual(msg({ steps: 1.5 }), ['steps must be an integer from 0 to 2^52, got steps=1.5']);
  assert.deepEqual(msg({ steps: 10, start: -5 }), ['start must be an integer from 0 to 2^52, got start=-5']);
  assert.deepEqual(msg({ steps: 10, dtype: 'f16' }), ['dtype must be one of f64, f32, got dtype="f16"']);
  assert.deepEqual(msg({ steps: 2 ** 52, start: 1 }), ['start + steps must be at most 2^52, got start=1, steps=4503599627370496']);
  assert.deepEqual(msg({ steps: 0 }), []);
});

test('a cycle_mult < 1 that reaches a zero-length cycle within the request names the step', () => {
  const s = resolveSchedule({ schedule: 'cawr', firstCycleSteps: 10, cycleMult: 0.7 });
  assert.deepEqual(s.windowProblems({ steps: 24 }), []);
  assert.deepEqual(s.windowProblems({ steps: 25 }).map((p) => p.message), [
    'cycle_mult=0.7 shrinks cycle 5 to zero length at step 24 (the reference divides by zero there), so only steps before 24 exist, got start=0, steps=25',
  ]);
  // With warmup the lengths shrink onto the warmup and never reach zero.
  assert.deepEqual(resolveSchedule({ schedule: 'cawr', firstCycleSteps: 200, warmupSteps: 50, cycleMult: 0.7 }).windowProblems({ steps: 10 ** 9 }), []);
});
