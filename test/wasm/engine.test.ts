// The WASM engine against the TS reference, and window/chunk independence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { curve, curveChunks } from '../../src/schedule/curve.js';
import { referenceCurve, ReferenceScheduler } from '../../src/schedule/reference.js';
import { withDefaults, type ScheduleInput, type PeakFloor } from '../../src/schedule/params.js';
import { toFamily } from '../../src/schedule/family.js';
import { zeroLengthCycle } from '../../src/schedule/cycles.js';
import { fillCurve } from '../../src/wasm/engine.js';
import { F32_TOLERANCE, firstMismatch } from '../helpers/golden.js';
import { mulberry32 } from '../../src/core/random.js';

/** Seeded draws, so failures reproduce. */
const rng = mulberry32;

function producible(p: ScheduleInput, wanted: number): number {
  return Math.min(wanted, zeroLengthCycle(toFamily(withDefaults(p)), wanted)?.step ?? wanted);
}

test('WASM equals the TS reference over a grid of cawr parameters and options', () => {
  let compared = 0;
  for (const firstCycleSteps of [1, 2, 7, 37])
    for (const cycleMult of [0.6, 1, 1.15, 1.5, 2])
      for (const warmupSteps of [0, 1, 5].filter((w) => w < firstCycleSteps))
        for (const gamma of [0.5, 1, 1.1])
          for (const warmupFirstCycleOnly of [false, true])
            for (const peakFloor of ['none', 'clamp', 'amplitude'] as PeakFloor[])
              for (const maxCycles of [null, 3]) {
                const p: ScheduleInput = {
                  schedule: 'cawr', firstCycleSteps, cycleMult, maxLr: 0.1, minLr: 0.001, warmupSteps, gamma,
                  warmupFirstCycleOnly, peakFloor, maxCycles,
                };
                const steps = producible(p, 600);
                const want = referenceCurve(toFamily(withDefaults(p)), steps);
                // The scale S: with gamma > 1 the peaks grow, so take the largest value.
                const S = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0.1);
                assert.equal(firstMismatch(curve(p, { steps }), want, S), null, JSON.stringify(p));
                assert.equal(firstMismatch(curve(p, { steps, dtype: 'f32' }), want, S, F32_TOLERANCE), null, `f32 ${JSON.stringify(p)}`);
                compared += steps;
              }
  assert.ok(compared > 500_000);
});

test('WASM equals the TS reference for sgdr over a grid', () => {
  for (const t0 of [1, 3, 10, 37])
    for (const tMult of [1, 2, 3])
      for (const etaMin of [0, 0.001]) {
        const p: ScheduleInput = { schedule: 'sgdr', t0, tMult, etaMin, baseLr: 0.1 };
        const want = referenceCurve(toFamily(withDefaults(p)), 3000);
        assert.equal(firstMismatch(curve(p, { steps: 3000 }), want, 0.1), null, JSON.stringify(p));
      }
});

test('a restart gives the peak, also where a floored float log would not (T_0=10, T_mult=3, step 1210)', () => {
  const sgdr = curve({ schedule: 'sgdr', t0: 10, tMult: 3, etaMin: 0, baseLr: 0.1 }, { start: 1210, steps: 2 });
  assert.equal(sgdr[0], 0.1);
  assert.ok(sgdr[1] < 0.1);
  const late = curve({ schedule: 'sgdr', t0: 37, tMult: 3, etaMin: 0, baseLr: 0.1 }, { start: 4477, steps: 1 });
  assert.equal(late[0], 0.1);
  const cawr = curve({ schedule: 'cawr', firstCycleSteps: 10, cycleMult: 3, maxLr: 0.1, minLr: 0 }, { start: 1210, steps: 1 });
  assert.equal(cawr[0], 0.1);
});

test('windows equal slices of the full curve, for random starts up to 10^7', () => {
  const random = rng(7);
  const params: ScheduleInput[] = [
    { schedule: 'cawr', firstCycleSteps: 37, cycleMult: 1.5, maxLr: 0.1, minLr: 0.001, warmupSteps: 5, gamma: 0.9 },
    { schedule: 'cawr', firstCycleSteps: 100, cycleMult: 1.15, warmupSteps: 0, gamma: 0.99 },
    { schedule: 'cawr', firstCycleSteps: 13, cycleMult: 1, warmupSteps: 3, gamma: 0.999 },
    { schedule: 'cawr', firstCycleSteps: 200, cycleMult: 0.7, warmupSteps: 50 },
    { schedule: 'sgdr', t0: 10, tMult: 2, baseLr: 0.05, etaMin: 1e-5 },
  ];
  const total = 12_000_000;
  for (const p of params) {
    for (const dtype of ['f64', 'f32'] as const) {
      const full = curve(p, { steps: total, dtype });
      for (let i = 0; i < 12; i++) {
        const start = i === 0 ? 10_000_000 : Math.floor(random() * (total - 5000));
        const steps = 1 + Math.floor(random() * 4000);
        const window = curve(p, { start, steps, dtype });
        assert.deepEqual(window, full.subarray(start, start + steps), `${JSON.stringify(p)} ${dtype} start=${start}`);
      }
    }
  }
});

test('a window far beyond 10^7 equals the chunked curve from step 0 and the reference', () => {
  const p: ScheduleInput = { schedule: 'cawr', firstCycleSteps: 37, cycleMult: 1.5, maxLr: 0.1, minLr: 0.001, warmupSteps: 5, gamma: 0.9 };
  const start = 123_456_789;
  const steps = 5000;
  const window = curve(p, { start, steps });
  let at = 0;
  const slice = new Float64Array(steps);
  for (const chunk of curveChunks(p, { steps: start + steps, chunk: 1 << 20 })) {
    const lo = Math.max(start - at, 0);
    if (lo < chunk.length) slice.set(chunk.subarray(lo), at + lo - start);
    at += chunk.length;
  }
  assert.deepEqual(window, slice);
  // The reference steps one at a time: compare it at a start it can reach quickly.
  const ref = new ReferenceScheduler(toFamily(withDefaults(p)));
  const near = 10_000_019;
  for (let t = 0; t < near; t++) ref.step();
  const got = curve(p, { start: near, steps: 3000 });
  const want = new Float64Array(3000);
  for (let i = 0; i < 3000; i++, ref.step()) want[i] = ref.lr;
  assert.equal(firstMismatch(got, want, 0.1), null);
});

test('very late windows are computed directly: step 2^52 - 1 of a constant-length schedule', () => {
  const p: ScheduleInput = { schedule: 'cawr', firstCycleSteps: 10, warmupSteps: 4, maxLr: 0.1, minLr: 0.001 };
  const last = 2 ** 52 - 1;
  const [v] = curve(p, { start: last, steps: 1 });
  // 2^52 - 1 = 10k + 5, so the value is that of step 5 (the first cosine step, the peak).
  assert.equal(last % 10, 5);
  assert.equal(v, curve(p, { start: 5, steps: 1 })[0]);
});

test('the chunk size does not change any value', () => {
  const p: ScheduleInput = { schedule: 'cawr', firstCycleSteps: 7, cycleMult: 2.5, warmupSteps: 3, gamma: 0.9 };
  const whole = curve(p, { steps: 100_000 });
  for (const chunk of [1, 3, 4096, 65537]) {
    const parts: number[] = [];
    for (const values of curveChunks(p, { steps: 100_000, chunk })) parts.push(...values);
    assert.deepEqual(Float64Array.from(parts), whole, `chunk ${chunk}`);
  }
});

test('fillCurve into a caller array of any length equals curve()', () => {
  const p = toFamily(withDefaults({ schedule: 'cawr', firstCycleSteps: 37, cycleMult: 1.5, warmupSteps: 5, gamma: 0.9 }));
  const out = new Float64Array(200_001);
  fillCurve(p, 17, out);
  assert.deepEqual(out, curve({ schedule: 'cawr', firstCycleSteps: 37, cycleMult: 1.5, warmupSteps: 5, gamma: 0.9 }, { start: 17, steps: 200_001 }));
});

test('cycles too long for i32 lanes give f32 values rounded from the f64 ones, in any window', () => {
  // first_cycle_steps = 2^31: the f32 fill takes the f64 kernels 512 values at a time
  const p: ScheduleInput = { schedule: 'cawr', firstCycleSteps: 2 ** 31, warmupSteps: 1000, gamma: 0.9 };
  for (const start of [0, 700, 2 ** 30 + 3, 2 ** 31 - 600]) {
    const wide: Float64Array = curve(p, { start, steps: 1500 });
    const narrow: Float32Array = curve(p, { start, steps: 1500, dtype: 'f32' });
    assert.deepEqual(narrow, Float32Array.from(wide), `start=${start}`);
    assert.deepEqual(curve(p, { start: start + 513, steps: 7, dtype: 'f32' }), narrow.subarray(513, 520), `start=${start} + 513`);
  }
});
