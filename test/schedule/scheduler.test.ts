// The stateful scheduler: stepping, state dicts, and a resume that equals the fresh run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { curve } from '../../src/schedule/curve.js';
import { LrScheduler } from '../../src/schedule/scheduler.js';
import type { ScheduleInput } from '../../src/schedule/params.js';

const params: ScheduleInput = { schedule: 'cawr', firstCycleSteps: 37, cycleMult: 1.5, maxLr: 0.1, minLr: 0.001, warmupSteps: 5, gamma: 0.9 };

test('lr after k step() calls is the curve value of step k, across block boundaries', () => {
  const s = new LrScheduler(params);
  const want = curve(params, { steps: 10_000 });
  assert.equal(s.lr, want[0]);
  for (let k = 1; k < 10_000; k++) {
    assert.equal(s.step(), want[k]);
    assert.equal(s.stepCount, k);
  }
});

test('a scheduler restored from a state dict continues exactly as the fresh run', () => {
  const fresh = curve(params, { steps: 6000 });
  // Resume points include ones several restarts in, where the reference's last_epoch= resume is wrong.
  for (const at of [0, 1, 36, 37, 41, 100, 1234, 5000]) {
    const a = new LrScheduler(params);
    for (let k = 0; k < at; k++) a.step();
    const state = JSON.parse(JSON.stringify(a.stateDict()));
    assert.equal(state.step, at);
    const b = LrScheduler.fromStateDict(state);
    const c: LrScheduler = new LrScheduler(params);
    c.loadStateDict(state);
    for (let k = at; k < at + 500; k++) {
      assert.equal(b.lr, fresh[k], `resume at ${at}, step ${k}`);
      assert.equal(c.lr, fresh[k]);
      b.step();
      c.step();
    }
  }
});

test('loadStateDict refuses a state of another schedule', () => {
  const s = new LrScheduler(params);
  const other = new LrScheduler({ ...params, gamma: 0.5 }).stateDict();
  assert.throws(() => s.loadStateDict(other), /loadStateDict: the state is for another schedule/);
});

test('stepping into a zero-length cycle is the same clear error as asking curve() for it', () => {
  const s = new LrScheduler({ schedule: 'cawr', firstCycleSteps: 10, cycleMult: 0.7 });
  for (let k = 1; k < 24; k++) s.step();
  assert.equal(s.stepCount, 23);
  assert.throws(() => s.step(), { name: 'ParamError', message: /shrinks cycle 5 to zero length at step 24/ });
  assert.equal(s.stepCount, 23, 'a failed step() leaves the scheduler where it was');
});

test('a scheduler can start at any step, far out, without stepping there', () => {
  const s = new LrScheduler(params, { start: 50_000_000 });
  assert.deepEqual([s.lr, s.step(), s.step()], Array.from(curve(params, { start: 50_000_000, steps: 3 })));
});
