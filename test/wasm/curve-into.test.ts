// curveInto: curve()'s values written into the caller's array.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { curve, curveInto } from '../../src/schedule/curve.js';
import type { ScheduleInput } from '../../src/schedule/params.js';
import { F32_TOLERANCE, firstMismatch, goldenCases, paramsOf, scaleOf } from '../helpers/golden.js';

const P: ScheduleInput = { schedule: 'cawr', firstCycleSteps: 37, cycleMult: 1.5, maxLr: 0.1, minLr: 0.001, warmupSteps: 5, gamma: 0.9 };

test('curveInto writes curve() values into a Float64Array and returns that array', () => {
  const out = new Float64Array(100_003).fill(-1);
  const got = curveInto(P, out, { start: 41 });
  assert.equal(got, out);
  assert.deepEqual(out, curve(P, { start: 41, steps: 100_003 }));
});

test('a Float32Array gets the float32 values, reused call after call', () => {
  const out = new Float32Array(5000);
  for (const start of [0, 4999, 1_234_567]) {
    curveInto(P, out, { start });
    assert.deepEqual(out, curve(P, { start, steps: 5000, dtype: 'f32' }), `start=${start}`);
  }
});

test('curveInto matches every golden case within its tolerance', () => {
  for (const c of goldenCases()) {
    const params = paramsOf(c);
    assert.equal(firstMismatch(curveInto(params, new Float64Array(c.n)), c.lrs, scaleOf(c)), null, `${c.id} f64`);
    assert.equal(firstMismatch(curveInto(params, new Float32Array(c.n)), c.lrs, scaleOf(c), F32_TOLERANCE), null, `${c.id} f32`);
  }
});

test('curveInto rejects what curve() rejects, before writing anything', () => {
  const out = new Float64Array(30).fill(7);
  assert.throws(() => curveInto({ ...P, warmupSteps: 40 }, out), {
    name: 'ParamError',
    message: 'warmup_steps must be smaller than first_cycle_steps, got warmup_steps=40, first_cycle_steps=37',
  });
  assert.throws(() => curveInto(P, out, { start: -1 }), { name: 'ParamError', message: /^start must be an integer from 0 to 2\^52, got start=-1$/ });
  // first=10, m=0.7, w=0 reaches a zero-length cycle at step 24
  assert.throws(() => curveInto({ schedule: 'cawr', firstCycleSteps: 10, cycleMult: 0.7 }, out), {
    name: 'ParamError',
    message: /^cycle_mult=0.7 shrinks cycle 5 to zero length at step 24 /,
  });
  assert.ok(out.every((v) => v === 7));
});

test('curveInto refuses an out that is not a Float64Array or a Float32Array, naming it', () => {
  const cases: [unknown, string][] = [
    [new Int32Array(3), 'out must be a Float64Array or a Float32Array, got Int32Array'],
    [[0, 0, 0], 'out must be a Float64Array or a Float32Array, got Array'],
    [undefined, 'out must be a Float64Array or a Float32Array, got undefined'],
  ];
  for (const [out, message] of cases) {
    assert.throws(() => curveInto(P, out as Float64Array), { name: 'ParamError', message });
  }
});

test('an empty array is returned as it is', () => {
  const out = new Float64Array(0);
  assert.equal(curveInto(P, out, { start: 10 }), out);
});
