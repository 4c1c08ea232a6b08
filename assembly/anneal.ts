// The cosine part of a cycle: value = min_lr + ((peak - min_lr) * (1 + cos(pi * k / d))) / 2 for
// k = s - w in 0 .. d - 1, d = L - w, in the reference's order of operations. Written either
// directly for a run of k, or from a table of the factors 1 + cos(pi * k / d) when cycles of the
// same length follow each other: the factor depends on (k, d) alone, so equal cycles share it
// exactly, and each cycle still multiplies by its own amplitude in the same order.
//
// The runs split at the quadrants of pi * k / d, found in integers (n = 0 where 4k <= d, 1 where
// 4k <= 3d, else 2), so each run evaluates one kernel, cos or sin, with no selects:
// - f64: the reference's argument x = (pi * k) / d, reduced by n * pi/2 in two parts (fdlibm's
//   __ieee754_rem_pio2: PIO2_1 has 33 bits, so x - n * PIO2_1 is exact), then fdlibm's kernels
//   with the tail. This agrees with the reference bit for bit for most steps.
// - f32: the argument reduced exactly in integers, r = (2k - n * d) * (pi / (2d)), |r| <= pi/4,
//   so no division per value; float32 throughout (within 1e-6 of the reference).
// Every value is a pure function of (k, d, amplitude): lanes count exact integers whatever k a
// run starts at, a run's last partial vector goes through the same code, and the table holds
// exactly the factors a direct run computes.
import { cosKernel2, sinKernel2, cosKernel4, sinKernel4 } from "./cos";
import { TABLE_CAP, ensureMemory, table32Address, table64Address } from "./memory";

const PI: f64 = 3.141592653589793;
/** Values per factors-then-values pass of a direct run, so the second pass reads from L1. */
const BLOCK: i32 = 1024;
const PIO2: f64 = 1.5707963267948966;
// fdlibm: first 33 bits of pi/2, and pi/2 - PIO2_1.
const PIO2_1: f64 = 1.57079632673412561417e+00;
const PIO2_1T: f64 = 6.07710050650619224932e-11;

// ---- float64 ----

// 1 + cos(x) for x = n * pi/2 + (r + y)
// @ts-ignore: decorator
@inline
function factor2(x: v128, head: v128, tail: v128, quadrant: i32): v128 {
  const one = f64x2.splat(1.0);
  if (quadrant == 0) return f64x2.add(one, cosKernel2(x, f64x2.splat(0.0)));
  const z = f64x2.sub(x, head);
  const r = f64x2.sub(z, tail);
  const y = f64x2.sub(f64x2.sub(z, r), tail);
  if (quadrant == 1) return f64x2.sub(one, sinKernel2(r, y));
  return f64x2.sub(one, cosKernel2(r, y));
}

/** The value from a factor, reference order: min_lr + ((peak - min_lr) * factor) / 2. */
// @ts-ignore: decorator
@inline
function value2(factor: v128, amp: v128, minLr: v128): v128 {
  return f64x2.add(minLr, f64x2.mul(f64x2.mul(amp, factor), f64x2.splat(0.5)));
}

// One quadrant's run: the factors of k0, k0 + 1, ... (n of them).
// @ts-ignore: decorator
@inline
function run64(dst: usize, k0: f64, n: i32, d: f64, quadrant: i32): void {
  const vpi = f64x2.splat(PI), vd = f64x2.splat(d), two = f64x2.splat(2.0), four = f64x2.splat(4.0);
  const head = f64x2.splat(<f64>quadrant * PIO2_1), tail = f64x2.splat(<f64>quadrant * PIO2_1T);
  let k = f64x2(k0, k0 + 1.0);
  let i = 0;
  for (; i + 4 <= n; i += 4) { // two vectors an iteration: measured faster than one
    const k2 = f64x2.add(k, two);
    v128.store(dst + (<usize>i << 3), factor2(f64x2.div(f64x2.mul(vpi, k), vd), head, tail, quadrant));
    v128.store(dst + (<usize>i << 3) + 16, factor2(f64x2.div(f64x2.mul(vpi, k2), vd), head, tail, quadrant));
    k = f64x2.add(k, four);
  }
  for (; i + 2 <= n; i += 2) {
    v128.store(dst + (<usize>i << 3), factor2(f64x2.div(f64x2.mul(vpi, k), vd), head, tail, quadrant));
    k = f64x2.add(k, two);
  }
  if (i < n) store<f64>(dst + (<usize>i << 3), f64x2.extract_lane(factor2(f64x2.div(f64x2.mul(vpi, k), vd), head, tail, quadrant), 0));
}

// The factors of k0 .. k0 + n - 1, one run per quadrant.
// @ts-ignore: decorator
@inline
function factors64(dst: usize, k0: i64, n: i32, d: i64): void {
  const end = k0 + n;
  const q1 = d >> 2; // quadrant 0: k <= q1; quadrant 1: q1 < k <= q3; quadrant 2: above
  const q3 = (d * 3) >> 2;
  const df = <f64>d;
  let k = k0;
  if (k <= q1) {
    const m = <i32>(min(end, q1 + 1) - k);
    run64(dst, <f64>k, m, df, 0);
    dst += <usize>m << 3;
    k += m;
  }
  if (k < end && k <= q3) {
    const m = <i32>(min(end, q3 + 1) - k);
    run64(dst, <f64>k, m, df, 1);
    dst += <usize>m << 3;
    k += m;
  }
  if (k < end) run64(dst, <f64>k, <i32>(end - k), df, 2);
}

/**
 * The values of k = k0 .. k0 + n - 1 (0 <= k < d) into dst, in float64: the factors first, then
 * the values in place (measured faster than one fused loop, which needs more vector registers
 * than the 16 V8 has on x64).
 */
export function anneal64(dst: usize, k0: i64, n: i32, d: i64, amp: f64, minLr: f64): void {
  for (let i = 0; i < n; i += BLOCK) {
    const m = min(BLOCK, n - i);
    factors64(dst + (<usize>i << 3), k0 + i, m, d);
    annealFrom64(dst + (<usize>i << 3), dst + (<usize>i << 3), m, amp, minLr);
  }
}

/** The same values from factors at src (a table, or dst itself), src holding the factor of k0. */
// @ts-ignore: decorator
@inline
export function annealFrom64(dst: usize, src: usize, n: i32, amp: f64, minLr: f64): void {
  const vamp = f64x2.splat(amp), vmin = f64x2.splat(minLr);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 3;
    v128.store(dst + at, value2(v128.load(src + at), vamp, vmin));
    v128.store(dst + at + 16, value2(v128.load(src + at + 16), vamp, vmin));
  }
  if (i == n) return;
  if (n >= 4 && src != dst) {
    // the last 4 again, overlapping values already written: the same bits
    const at = <usize>(n - 4) << 3;
    v128.store(dst + at, value2(v128.load(src + at), vamp, vmin));
    v128.store(dst + at + 16, value2(v128.load(src + at + 16), vamp, vmin));
  } else {
    for (; i < n; i++) store<f64>(dst + (<usize>i << 3), f64x2.extract_lane(value2(v128.load64_splat(src + (<usize>i << 3)), vamp, vmin), 0));
  }
}

// ---- float32 ----

// @ts-ignore: decorator
@inline
function factor4(r: v128, quadrant: i32): v128 {
  const one = f32x4.splat(1.0);
  if (quadrant == 0) return f32x4.add(one, cosKernel4(r));
  if (quadrant == 1) return f32x4.sub(one, sinKernel4(r));
  return f32x4.sub(one, cosKernel4(r));
}

// @ts-ignore: decorator
@inline
function value4(factor: v128, amp: v128, minLr: v128): v128 {
  return f32x4.add(minLr, f32x4.mul(f32x4.mul(amp, factor), f32x4.splat(0.5)));
}

// One quadrant's run from j0 = 2 * k0 - n * d; a step of k is two of j.
// @ts-ignore: decorator
@inline
function run32(dst: usize, j0: i32, n: i32, h: f32, quadrant: i32): void {
  const vh = f32x4.splat(h), step = i32x4.splat(8), step2 = i32x4.splat(16);
  let j = i32x4(j0, j0 + 2, j0 + 4, j0 + 6);
  let i = 0;
  for (; i + 8 <= n; i += 8) { // two vectors an iteration: measured faster than one
    const j2 = i32x4.add(j, step);
    v128.store(dst + (<usize>i << 2), factor4(f32x4.mul(f32x4.convert_i32x4_s(j), vh), quadrant));
    v128.store(dst + (<usize>i << 2) + 16, factor4(f32x4.mul(f32x4.convert_i32x4_s(j2), vh), quadrant));
    j = i32x4.add(j, step2);
  }
  for (; i + 4 <= n; i += 4) {
    v128.store(dst + (<usize>i << 2), factor4(f32x4.mul(f32x4.convert_i32x4_s(j), vh), quadrant));
    j = i32x4.add(j, step);
  }
  if (i < n) {
    const v = factor4(f32x4.mul(f32x4.convert_i32x4_s(j), vh), quadrant);
    const at = dst + (<usize>i << 2);
    store<f32>(at, f32x4.extract_lane(v, 0));
    if (n - i > 1) store<f32>(at + 4, f32x4.extract_lane(v, 1));
    if (n - i > 2) store<f32>(at + 8, f32x4.extract_lane(v, 2));
  }
}

// @ts-ignore: decorator
@inline
function factors32(dst: usize, k0: i64, n: i32, d: i64): void {
  const h = <f32>(PIO2 / <f64>d);
  const end = k0 + n;
  const q1 = d >> 2;
  const q3 = (d * 3) >> 2;
  let k = k0;
  if (k <= q1) {
    const m = <i32>(min(end, q1 + 1) - k);
    const j: i64 = 2 * k;
    run32(dst, <i32>j, m, h, 0);
    dst += <usize>m << 2;
    k += m;
  }
  if (k < end && k <= q3) {
    const m = <i32>(min(end, q3 + 1) - k);
    const j: i64 = 2 * k - d;
    run32(dst, <i32>j, m, h, 1);
    dst += <usize>m << 2;
    k += m;
  }
  if (k < end) {
    const j: i64 = 2 * (k - d);
    run32(dst, <i32>j, <i32>(end - k), h, 2);
  }
}

/** The values of k = k0 .. k0 + n - 1 into dst in float32, for d < 2^30 (lanes count in i32). */
export function anneal32(dst: usize, k0: i64, n: i32, d: i64, amp: f64, minLr: f64): void {
  for (let i = 0; i < n; i += BLOCK) {
    const m = min(BLOCK, n - i);
    factors32(dst + (<usize>i << 2), k0 + i, m, d);
    annealFrom32(dst + (<usize>i << 2), dst + (<usize>i << 2), m, amp, minLr);
  }
}

// @ts-ignore: decorator
@inline
export function annealFrom32(dst: usize, src: usize, n: i32, amp: f64, minLr: f64): void {
  const vamp = f32x4.splat(<f32>amp), vmin = f32x4.splat(<f32>minLr);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const at = <usize>i << 2;
    v128.store(dst + at, value4(v128.load(src + at), vamp, vmin));
    v128.store(dst + at + 16, value4(v128.load(src + at + 16), vamp, vmin));
    v128.store(dst + at + 32, value4(v128.load(src + at + 32), vamp, vmin));
    v128.store(dst + at + 48, value4(v128.load(src + at + 48), vamp, vmin));
  }
  for (; i + 8 <= n; i += 8) {
    const at = <usize>i << 2;
    v128.store(dst + at, value4(v128.load(src + at), vamp, vmin));
    v128.store(dst + at + 16, value4(v128.load(src + at + 16), vamp, vmin));
  }
  if (i == n) return;
  if (n >= 8 && src != dst) {
    const at = <usize>(n - 8) << 2;
    v128.store(dst + at, value4(v128.load(src + at), vamp, vmin));
    v128.store(dst + at + 16, value4(v128.load(src + at + 16), vamp, vmin));
  } else {
    for (; i < n; i++) store<f32>(dst + (<usize>i << 2), f32x4.extract_lane(value4(v128.load32_splat(src + (<usize>i << 2)), vamp, vmin), 0));
  }
}

// ---- tables ----
// Each holds the factors of one d (0: none). They depend on d alone, so they stay valid across
// configure calls. (reserve has already grown memory past them; ensureMemory only guards a fill
// into some other address.)

let table64Of: i64 = 0;
let table32Of: i64 = 0;

/** Whether cosine parts of length d can be served from a table. */
// @ts-ignore: decorator
@inline
export function tableFits(d: i64): bool {
  return d <= <i64>TABLE_CAP;
}

/** Whether the table of the dtype already holds d. */
export function tableHolds(d: i64, wide: bool): bool {
  return wide ? table64Of == d : table32Of == d;
}

/** Address of the f64 factors of k = 0 .. d - 1, computing them unless the table holds them. */
export function table64(d: i64): usize {
  const t = table64Address();
  if (table64Of != d) {
    ensureMemory(t + (<usize>TABLE_CAP << 3));
    factors64(t, 0, <i32>d, d);
    table64Of = d;
  }
  return t;
}

export function table32(d: i64): usize {
  const t = table32Address();
  if (table32Of != d) {
    ensureMemory(t + (<usize>TABLE_CAP << 2));
    factors32(t, 0, <i32>d, d);
    table32Of = d;
  }
  return t;
}
