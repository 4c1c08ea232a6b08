// Blocks of steps for the kernels of the kinds with their own curve (kinds.ts, one-cycle.ts),
// whose values are each a pure function of its step. A block is computed in passes over scratch
// memory: the cos arguments (two steps at a time, f64x2 lanes (t, t + 1), the same arithmetic in
// each lane as one step alone), their cos in place (cos-rounded.ts cosInPlace, interleaved), then
// the values, written as float64 or demoted to float32 (as <f32> does).
import { SCRATCH_VALUES, scratchAddress } from "./memory";

/** Steps per block: the scratch holds four arrays of this many float64 (arguments, and three more). */
export const BLOCK: i32 = SCRATCH_VALUES >> 2;

/** Array k (0 .. 3) of BLOCK float64 in the scratch, 16-byte aligned; array 0 holds the arguments. */
// @ts-ignore: decorator
@inline
export function blockArray(k: i32): usize {
  return scratchAddress() + (<usize>(k * BLOCK) << 3);
}

/** Lanes i and i + 1 of the float64 array at ptr. */
// @ts-ignore: decorator
@inline
export function loadPair(ptr: usize, i: i32): v128 {
  return v128.load(ptr + (<usize>i << 3));
}

// @ts-ignore: decorator
@inline
export function storeAt(ptr: usize, i: i32, v: v128): void {
  v128.store(ptr + (<usize>i << 3), v);
}

/** Steps start + i and start + i + 1 (integers below 2^53: exact). */
// @ts-ignore: decorator
@inline
export function stepPair(start: f64, i: i32): v128 {
  return f64x2.add(f64x2.splat(start), f64x2.convert_low_i32x4_s(i32x4.replace_lane(i32x4.splat(i), 1, i + 1)));
}

/** Writes value i (lane 0) and, when `both`, value i + 1 (lane 1) at out, float64 or float32. */
// @ts-ignore: decorator
@inline
export function storePair(out: usize, i: i32, v: v128, wide: bool, both: bool): void {
  if (wide) {
    if (both) v128.store(out + (<usize>i << 3), v);
    else store<f64>(out + (<usize>i << 3), f64x2.extract_lane(v, 0));
  } else {
    const f = f32x4.demote_f64x2_zero(v);
    if (both) v128.store64_lane(out + (<usize>i << 2), f, 0);
    else store<f32>(out + (<usize>i << 2), f32x4.extract_lane(f, 0));
  }
}

/** Writes the value v at out[from .. to - 1], float64 or float32. */
export function fillConstant(out: usize, from: i32, to: i32, v: f64, wide: bool): void {
  const pair = f64x2.splat(v);
  for (let i = from; i < to; i += 2) storePair(out, i, pair, wide, i + 1 < to);
}

/** Each lane of a where the mask is set, else of b. */
// @ts-ignore: decorator
@inline
export function select2(mask: v128, a: v128, b: v128): v128 {
  return v128.bitselect(a, b, mask);
}

/** Python's max(0.0, v) in each lane: 0.0 unless v > 0.0 (so -0.0 and NaN give 0.0). */
// @ts-ignore: decorator
@inline
export function max0x2(v: v128): v128 {
  const zero = f64x2.splat(0.0);
  return select2(f64x2.gt(v, zero), v, zero);
}

/**
 * The first index from i (at step t) where a run of steps below `bound` ends: the steps t, t + 1,
 * ... that are < bound, capped at n. t < bound.
 */
// @ts-ignore: decorator
@inline
export function runEnd(i: i32, n: i32, t: f64, bound: f64): i32 {
  return <i32>Math.min(<f64>n, <f64>i + (Math.ceil(bound) - t));
}
