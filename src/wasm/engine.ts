// Typed wrapper over the schedule kernels: configure, seek, fill, and copy out of linear memory.
// The kernels keep one cursor and one output buffer per thread. Every public call here
// configures and seeks before it fills, so calls never depend on each other.
//
// The boundary: configureKernels is the one place the schedule's fields cross into the module,
// the peak-mode and error constants are read from the instance, and the exports' types come
// from asc's generated bindings (module.ts). test/wasm/boundary.test.ts reads each field back.

import type { Family, PeakFloor } from './family.js';
import { kernels, type KernelExports } from './module.js';

/** Values per yielded chunk of curveChunks: large enough to amortise the call, small enough for cache. */
export const CHUNK = 1 << 16;

/**
 * Values per kernel call when filling a caller's array: each chunk is written in linear memory
 * and copied out while it is still in L2 (a JS array cannot live in WASM memory). 2^15 values is
 * 256 KiB in f64; 2^13 to 2^16 measured within noise of each other, 2^12 slower (more calls).
 */
const COPY_CHUNK = 1 << 15;

export type CurveArray = Float64Array | Float32Array;

/** The module's code for each peak floor, read from the instance. */
export function peakModeOf(k: KernelExports, floor: PeakFloor): number {
  switch (floor) {
    case 'none': return k.PEAK_REFERENCE.value;
    case 'clamp': return k.PEAK_CLAMP.value;
    case 'amplitude': return k.PEAK_AMPLITUDE.value;
  }
}

/** Hands the schedule to the module: the only call that lists its fields. */
export function configureKernels(k: KernelExports, f: Family): void {
  k.configure(f.firstCycleSteps, f.cycleMult, f.maxLr, f.minLr, f.warmupSteps, f.gamma,
    f.warmupFirstCycleOnly, peakModeOf(k, f.peakFloor), f.maxCycles ?? -1, f.minAtStepZero);
}

function setUp(k: KernelExports, f: Family, start: number): void {
  configureKernels(k, f);
  if (k.seek(start) !== 0) throw new Error(`zero-length cycle at or before step ${start}`);
}

function fillChecked(k: KernelExports, ptr: number, n: number, wide: boolean, end: number): void {
  const got = k.fill(ptr, n, wide);
  if (got === k.ERR_ZERO_LENGTH.value) throw new Error(`zero-length cycle before step ${end}`);
  if (got !== n) throw new Error(`the kernel filled ${got} of ${n} values before step ${end}`);
}

function view(k: KernelExports, wide: boolean, ptr: number, n: number): CurveArray {
  // Taken after reserve(): a memory.grow detaches every older view.
  return wide ? new Float64Array(k.memory.buffer, ptr, n) : new Float32Array(k.memory.buffer, ptr, n);
}

/** Writes the values of steps start .. start + out.length - 1 into out (its type picks the dtype). */
export function fillCurve(f: Family, start: number, out: CurveArray): void {
  const k = kernels();
  const wide = out instanceof Float64Array;
  const chunk = Math.min(COPY_CHUNK, out.length);
  const ptr = k.reserve(chunk * out.BYTES_PER_ELEMENT);
  const buffer = view(k, wide, ptr, chunk);
  setUp(k, f, start);
  for (let done = 0; done < out.length; done += chunk) {
    const n = Math.min(chunk, out.length - done);
    fillChecked(k, ptr, n, wide, start + done + n);
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
    fillChecked(k, ptr, n, wide, start + done + n);
    yield view(k, wide, ptr, n);
  }
}

/** Number of the cycle that holds step t (0 for the first cycle). */
export function cycleAt(f: Family, t: number): number {
  const k = kernels();
  setUp(k, f, t);
  return k.currentCycle();
}
