// Typed wrapper over the schedule kernels: configure, seek, fill, and copy out of linear memory.
// The kernels keep one cursor and one output buffer per thread. Every public call here
// configures and seeks before it fills, so calls never depend on each other.

import type { Family } from './family.js';
import { kernels, type KernelExports } from './module.js';

/** Values produced per kernel call: large enough to amortise the call, small enough for cache. */
export const CHUNK = 1 << 16;

const PEAK_MODES = { none: 0, clamp: 1, amplitude: 2 } as const;

export type CurveArray = Float64Array | Float32Array;

function setUp(k: KernelExports, f: Family, start: number): void {
  k.configure(f.firstCycleSteps, f.cycleMult, f.maxLr, f.minLr, f.warmupSteps, f.gamma,
    f.warmupFirstCycleOnly ? 1 : 0, PEAK_MODES[f.peakFloor], f.maxCycles ?? -1, f.minAtStepZero ? 1 : 0);
  if (k.seek(start) !== 0) throw new Error(`zero-length cycle at or before step ${start}`);
}

function view(k: KernelExports, wide: boolean, ptr: number, n: number): CurveArray {
  // Taken after reserve(): a memory.grow detaches every older view.
  return wide ? new Float64Array(k.memory.buffer, ptr, n) : new Float32Array(k.memory.buffer, ptr, n);
}

/** Writes the values of steps start .. start + out.length - 1 into out (its type picks the dtype). */
export function fillCurve(f: Family, start: number, out: CurveArray): void {
  const k = kernels();
  const wide = out instanceof Float64Array;
  const chunk = Math.min(CHUNK, out.length);
  const ptr = k.reserve(chunk * out.BYTES_PER_ELEMENT);
  const buffer = view(k, wide, ptr, chunk);
  setUp(k, f, start);
  for (let done = 0; done < out.length; done += chunk) {
    const n = Math.min(chunk, out.length - done);
    if (k.fill(ptr, n, wide ? 1 : 0) !== n) throw new Error(`zero-length cycle before step ${start + done + n}`);
    out.set(n === chunk ? buffer : buffer.subarray(0, n), done);
  }
}

/**
 * Yields the curve in chunks of at most `chunk` values, so any length runs in bounded memory.
 * Each yielded array is a view into the module's memory, valid until the next iteration.
 */
export function* curveChunks(f: Family, start: number, steps: number, wide: boolean, chunk = CHUNK): Generator<CurveArray> {
  const k = kernels();
  for (let done = 0; done < steps; done += chunk) {
    const n = Math.min(chunk, steps - done);
    const ptr = k.reserve(n * (wide ? 8 : 4));
    setUp(k, f, start + done); // re-seek: the consumer may have used the engine in between
    if (k.fill(ptr, n, wide ? 1 : 0) !== n) throw new Error(`zero-length cycle before step ${start + done + n}`);
    yield view(k, wide, ptr, n);
  }
}

/** Number of the cycle that holds step t (0 for the first cycle). */
export function cycleAt(f: Family, t: number): number {
  const k = kernels();
  setUp(k, f, t);
  return k.currentCycle();
}
