// The host and the module agree on the schedule: each field lands in the module's parameter of
// the same name, and the codes the host uses are the module's own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configureKernels, fillCurve, peakModeOf } from '../../src/wasm/engine.js';
import { kernels } from '../../src/wasm/module.js';
import { PEAK_FLOORS } from '../../src/schedule/params.js';
import type { Family } from '../../src/wasm/family.js';

/** What configure stored, read back from the module's globals (i64 as BigInt, bool as 0/1). */
function stored() {
  const k = kernels();
  return {
    firstCycleSteps: Number(k.firstCycleSteps.value),
    cycleMult: k.cycleMult.value,
    maxLr: k.maxLr.value,
    minLr: k.minLr.value,
    warmupSteps: Number(k.warmupSteps.value),
    gamma: k.gamma.value,
    warmupFirstCycleOnly: Boolean(k.warmupFirstCycleOnly.value),
    peakMode: k.peakMode.value,
    maxCycles: Number(k.maxCycles.value),
    minAtStepZero: Boolean(k.minAtStepZero.value),
  };
}

test('configureKernels hands every field to the module parameter of the same name', () => {
  const k = kernels();
  // Every number differs from every other, and the two flags differ, so any swap shows.
  const f: Family = {
    firstCycleSteps: 37, cycleMult: 1.25, maxLr: 0.3, minLr: 0.002, warmupSteps: 5, gamma: 0.875,
    warmupFirstCycleOnly: true, peakFloor: 'clamp', maxCycles: 11, minAtStepZero: false,
  };
  configureKernels(k, f);
  assert.deepEqual(stored(), {
    firstCycleSteps: 37, cycleMult: 1.25, maxLr: 0.3, minLr: 0.002, warmupSteps: 5, gamma: 0.875,
    warmupFirstCycleOnly: true, peakMode: k.PEAK_CLAMP.value, maxCycles: 11, minAtStepZero: false,
  });
  configureKernels(k, { ...f, warmupFirstCycleOnly: false, minAtStepZero: true, peakFloor: 'amplitude', maxCycles: null });
  assert.deepEqual(stored(), {
    firstCycleSteps: 37, cycleMult: 1.25, maxLr: 0.3, minLr: 0.002, warmupSteps: 5, gamma: 0.875,
    warmupFirstCycleOnly: false, peakMode: k.PEAK_AMPLITUDE.value, maxCycles: -1, minAtStepZero: true,
  });
});

test('each peak floor is passed as its own constant, read from the module', () => {
  const k = kernels();
  const codes = PEAK_FLOORS.map((floor) => peakModeOf(k, floor));
  assert.deepEqual(codes, [k.PEAK_REFERENCE.value, k.PEAK_CLAMP.value, k.PEAK_AMPLITUDE.value]);
  assert.equal(new Set(codes).size, PEAK_FLOORS.length);
});

test('the module reports a zero-length cycle with its own error code, and the host turns it into an error', () => {
  const k = kernels();
  // first=10, m=0.7, w=0: lengths 10, 7, 4, 2, 1, 0; the zero-length cycle starts at step 24.
  const f: Family = {
    firstCycleSteps: 10, cycleMult: 0.7, maxLr: 0.1, minLr: 0.001, warmupSteps: 0, gamma: 1,
    warmupFirstCycleOnly: false, peakFloor: 'none', maxCycles: null, minAtStepZero: true,
  };
  configureKernels(k, f);
  assert.equal(k.seek(0), 0);
  const ptr = k.reserve(25 * 8);
  assert.equal(k.fill(ptr, 25, true), k.ERR_ZERO_LENGTH.value);
  assert.throws(() => fillCurve(f, 0, new Float64Array(25)), /^Error: zero-length cycle before step 25$/);
  const ok = new Float64Array(24);
  fillCurve(f, 0, ok);
  assert.equal(ok[23], 0.1); // the restart into the 1-step cycle at step 23 gives the peak
});
