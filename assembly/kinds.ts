// Kernels for the kinds that are not the cosine-with-warmup family (fill.ts): timm's
// CosineLRScheduler and Hugging Face's hard-restarts and warmup-stable-decay lambdas. Each value
// is a pure function of its step, computed in the reference's order of operations with the
// functions CPython's libm computes: log and pow are ~lib/util/math's log_lut and pow_lut (the ARM
// optimized-routines code that glibc >= 2.28 and musl use for log and pow), cos is correctly
// rounded (cos-rounded.ts, shared with one-cycle.ts), as glibc's nearly always is, and sqrt is
// the correctly rounded f64.sqrt.
// So a window starting anywhere gives the same bits as the curve from 0.
// Fills go by runs of steps that take one branch of the reference's formula, with what is constant
// over the run (per cycle, per phase) computed once: the same operations on the same operands as
// per step (a left-to-right product's leading factors, a cycle's pow), so the same bits. Where a
// run needs cos, a block's arguments are written, their cos taken in place, then the values
// (step-block.ts).
// The host (src/wasm/kinds.ts) configures one kind, then fills; the two globals sets are separate.
import { log_lut, pow_lut } from "~lib/util/math";
import { cosInPlace } from "./cos-rounded";
import { BLOCK, blockArray, fillConstant, loadPair, max0x2, runEnd, select2, stepPair, storeAt, storePair } from "./step-block";

const PI: f64 = 3.141592653589793;

// ---- timm CosineLRScheduler ------------------------------------------------------------------

let tLr: f64 = 0.1; // the optimizer's lr (timm's base value)
let tInitial: f64 = 1;
let tLrMin: f64 = 0;
let tMul: f64 = 1;
let tDecay: f64 = 1;
let tLimit: f64 = 1;
let tWarmup: f64 = 0;
let tWarmupInit: f64 = 0;
let tWarmupStep: f64 = 0;
let tPrefix: bool = false;
let tPerEpoch: f64 = 1; // updates per epoch (1 when stepping per update)
let tK: f64 = 1;
let tFix: bool = false;
let tLogMul: f64 = 0;
// What depends on the cycle index i alone, kept for the last i (cycleFor): t_i, the offset of the
// cycle's start, the peak's half-amplitude, pow(t_i, k).
let cachedI: f64 = NaN;
let cycleTi: f64 = 0;
let cycleOffset: f64 = 0;
let cycleHalfAmp: f64 = 0;
let cycleTiK: f64 = 0;

export function configureTimm(
  lr: f64, tInitial_: f64, lrMin: f64, cycleMul: f64, cycleDecay: f64, cycleLimit: f64, warmupT: f64,
  warmupLrInit: f64, warmupPrefix: bool, updatesPerEpoch: f64, kDecay: f64, fixCycleIndex: bool,
): void {
  tLr = lr; tInitial = tInitial_; tLrMin = lrMin; tMul = cycleMul; tDecay = cycleDecay; tLimit = cycleLimit;
  tWarmup = warmupT; tWarmupInit = warmupLrInit; tPrefix = warmupPrefix; tPerEpoch = updatesPerEpoch;
  tK = kDecay; tFix = fixCycleIndex;
  // timm: self.warmup_steps = [(v - warmup_lr_init) / self.warmup_t ...] when warmup_t
  tWarmupStep = warmupT != 0 ? (lr - warmupLrInit) / warmupT : 1;
  tLogMul = log_lut(cycleMul);
  cachedI = NaN;
}

// @ts-ignore: decorator
@inline
function cycleFloat(t: f64): f64 {
  // math.floor(math.log(1 - t / self.t_initial * (1 - self.cycle_mul), self.cycle_mul)):
  // CPython's two-argument log is log(x) / log(base)
  return Math.floor(log_lut(1 - t / tInitial * (1 - tMul)) / tLogMul);
}

/** Sets the constants of cycle i (timm's _get_lr, its operations in its order). */
function cycleFor(i: f64): void {
  if (i == cachedI) return;
  cachedI = i;
  let gamma: f64;
  if (tMul != 1) {
    const p = pow_lut(tMul, i);
    cycleTi = p * tInitial;
    // t_curr = t - (1 - p) / (1 - cycle_mul) * t_initial: the subtrahend is the cycle's
    cycleOffset = (1 - p) / (1 - tMul) * tInitial;
    gamma = pow_lut(tDecay, i);
  } else {
    cycleTi = tInitial;
    gamma = tDecay == 1 ? 1.0 : pow_lut(tDecay, i);
  }
  // lr_min + 0.5 * (lr_max - lr_min) * (1 + cos(arg)), left to right: the first product is the cycle's
  cycleHalfAmp = 0.5 * (tLr * gamma - tLrMin);
  if (tK != 1) cycleTiK = pow_lut(cycleTi, tK);
}

/** The reference's cycle index for (already prefix-shifted) t, with the opt-in fix if set. */
function timmIndex(t: f64, fix: bool): f64 {
  if (tMul == 1) return Math.floor(t / tInitial);
  let i = cycleFloat(t);
  if (fix) {
    // The floored float logarithm can land one cycle off where t is a cycle's first step
    // (t = 242 for t_initial 2, cycle_mul 3): move i until 0 <= t_curr < t_i, in the same arithmetic.
    for (let guard = 0; guard < 4; guard++) {
      const p = pow_lut(tMul, i);
      const tCurr = t - (1 - p) / (1 - tMul) * tInitial;
      if (tCurr < 0) i -= 1;
      else if (tCurr >= p * tInitial) i += 1;
      else break;
    }
  }
  return i;
}

// Two lanes' cycle constants (cyclesFor).
let laneTi: v128 = f64x2.splat(0);
let laneOffset: v128 = f64x2.splat(0);
let laneHalfAmp: v128 = f64x2.splat(0);
let laneTiK: v128 = f64x2.splat(0);

/** Sets the lanes' cycle constants for each lane's cycle index (once where both are in one cycle). */
function cyclesFor(i: v128): void {
  const i0 = f64x2.extract_lane(i, 0), i1 = f64x2.extract_lane(i, 1);
  cycleFor(i0);
  laneTi = f64x2.splat(cycleTi);
  laneOffset = f64x2.splat(cycleOffset);
  laneHalfAmp = f64x2.splat(cycleHalfAmp);
  laneTiK = f64x2.splat(cycleTiK);
  if (i1 == i0) return;
  cycleFor(i1);
  laneTi = f64x2.replace_lane(laneTi, 1, cycleTi);
  laneOffset = f64x2.replace_lane(laneOffset, 1, cycleOffset);
  laneHalfAmp = f64x2.replace_lane(laneHalfAmp, 1, cycleHalfAmp);
  laneTiK = f64x2.replace_lane(laneTiK, 1, cycleTiK);
}

/**
 * Each step's value is its epoch's, e = floor(u / updates_per_epoch), an integer division for u
 * below 2^53: epoch e holds steps e * P .. e * P + P - 1. A block of epochs at a time, two epochs
 * per lane pair, in timm's _get_lr's order: epoch 0 is the constructor's value (warmup_lr_init with
 * a warmup, else the optimizer's lr); then the warmup's value below warmup_t; then the cycle index
 * (t shifted by the warmup with warmup_prefix) and lr_min from cycle_limit on; else
 * lr_min + 0.5 * (lr_max - lr_min) * (1 + cos(pi * t_curr ** k / t_i ** k)). The cos arguments,
 * their half-amplitudes, the other values and which lanes have them go to the block's arrays; then
 * the cos; then each epoch's value over its steps in the window.
 */
export function fillTimm(out: usize, start: f64, n: i32, wide: bool): void {
  const args = blockArray(0), amps = blockArray(1), values = blockArray(2), valued = blockArray(3);
  const perEpoch = tPerEpoch;
  const lastEpoch = Math.floor((start + <f64>(n - 1)) / perEpoch);
  const zero = f64x2.splat(0), warmupT = f64x2.splat(tWarmup), limit = f64x2.splat(tLimit), pi = f64x2.splat(PI);
  const initial = f64x2.splat(tWarmup != 0 ? tWarmupInit : tLr), lrMin = f64x2.splat(tLrMin), one = f64x2.splat(1);
  let e = Math.floor(start / perEpoch);
  let i = 0;
  while (i < n) {
    const m = <i32>Math.min(<f64>BLOCK, lastEpoch - e + 1);
    let cosines = false;
    for (let j = 0; j < m; j += 2) {
      const epoch = stepPair(e, j);
      const first = f64x2.eq(epoch, zero);
      const warm = f64x2.lt(epoch, warmupT);
      const t = tPrefix ? f64x2.sub(epoch, warmupT) : epoch;
      const index = tMul == 1 ? f64x2.floor(f64x2.div(t, f64x2.splat(tInitial))) : f64x2.replace_lane(f64x2.splat(timmIndex(f64x2.extract_lane(t, 0), tFix)), 1, timmIndex(f64x2.extract_lane(t, 1), tFix));
      cyclesFor(index);
      const past = v128.not(f64x2.lt(index, limit));
      const tCurr = tMul != 1 ? f64x2.sub(t, laneOffset) : f64x2.sub(t, f64x2.mul(f64x2.splat(tInitial), index));
      // math.pi * t_curr ** k / t_i ** k, left to right (CPython float pow is pow(), x ** 1.0 = x)
      const arg = tK == 1
        ? f64x2.div(f64x2.mul(pi, tCurr), laneTi)
        : f64x2.div(f64x2.mul(pi, f64x2.replace_lane(f64x2.splat(pow_lut(f64x2.extract_lane(tCurr, 0), tK)), 1, pow_lut(f64x2.extract_lane(tCurr, 1), tK))), laneTiK);
      const hasValue = v128.or(v128.or(first, warm), past);
      const warmValue = f64x2.add(f64x2.splat(tWarmupInit), f64x2.mul(epoch, f64x2.splat(tWarmupStep)));
      storeAt(args, j, select2(hasValue, zero, arg));
      storeAt(amps, j, laneHalfAmp);
      storeAt(values, j, select2(first, initial, select2(warm, warmValue, lrMin)));
      storeAt(valued, j, hasValue);
      cosines = cosines || !i64x2.all_true(hasValue);
    }
    if (cosines) {
      cosInPlace(args, m);
      for (let j = 0; j < m; j += 2) {
        const v = f64x2.add(lrMin, f64x2.mul(loadPair(amps, j), f64x2.add(one, loadPair(args, j))));
        storeAt(values, j, select2(loadPair(valued, j), loadPair(values, j), v));
      }
    }
    if (perEpoch == 1) {
      // an epoch per step: the block is the window's next m values
      for (let j = 0; j < m; j += 2) storePair(out, i + j, loadPair(values, j), wide, j + 1 < m);
      i += m;
    } else {
      for (let j = 0; j < m; j++) {
        const to = runEnd(i, n, start + <f64>i, (e + <f64>(j + 1)) * perEpoch);
        fillConstant(out, i, to, load<f64>(values + (<usize>j << 3)), wide);
        i = to;
      }
    }
    e += <f64>m;
  }
}

/** The reference's cycle index at epoch e (after warmup; -1 in the warmup), unfixed or fixed. */
export function timmCycleAt(e: f64, fix: bool): f64 {
  if (e < tWarmup) return -1;
  return timmIndex(tPrefix ? e - tWarmup : e, fix);
}

// ---- Hugging Face lambdas (LambdaLR: lr = base_lr * factor) -----------------------------------

let hBase: f64 = 0.1;
let hWarmup: f64 = 0;
let hTotal: f64 = 1; // hard restarts: num_training_steps
let hCycles: f64 = 1;
let hStable: f64 = 0; // wsd
let hDecay: f64 = 0;
let hWarmupType: i32 = 0; // 0 linear, 1 cosine, 2 1-sqrt
let hDecayType: i32 = 1;
let hMinRatio: f64 = 0;

export const SHAPE_LINEAR: i32 = 0;
export const SHAPE_COSINE: i32 = 1;
export const SHAPE_ONE_MINUS_SQRT: i32 = 2;

export function configureHardRestarts(base: f64, warmup: f64, total: f64, cycles: f64): void {
  hBase = base; hWarmup = warmup; hTotal = total; hCycles = cycles;
}

export function configureWsd(
  base: f64, warmup: f64, stable: f64, decay: f64, warmupType: i32, decayType: i32, minRatio: f64, cycles: f64,
): void {
  hBase = base; hWarmup = warmup; hStable = stable; hDecay = decay; hWarmupType = warmupType; hDecayType = decayType;
  hMinRatio = minRatio; hCycles = cycles;
}

// Python's x % 1.0 in each lane (its result takes the divisor's sign; JavaScript's the dividend's):
// fmod(x, 1.0) is x - trunc(x), exactly (x's bits below the units, +0.0 where there are none), and
// Python adds the divisor to a negative one. (AssemblyScript's f64 % is a software fmod: slow.)
// @ts-ignore: decorator
@inline
function pyModOne(x: v128): v128 {
  const m = f64x2.sub(x, f64x2.trunc(x));
  return select2(f64x2.lt(m, f64x2.splat(0)), f64x2.add(m, f64x2.splat(1.0)), m);
}

/** hBase * factor in each lane, as LambdaLR sets it. */
// @ts-ignore: decorator
@inline
function lambdaLr(factor: v128): v128 {
  return f64x2.mul(f64x2.splat(hBase), factor);
}

/**
 * Hard restarts: steps below num_warmup_steps t / max(1, w); then, with
 * progress = (t - w) / max(1, total - w), 0.0 from progress >= 1.0 on, else
 * max(0.0, 0.5 * (1.0 + cos(pi * ((num_cycles * progress) % 1.0)))).
 */
export function fillHardRestarts(out: usize, start: f64, n: i32, wide: bool): void {
  const args = blockArray(0), done = blockArray(1);
  let i = 0;
  if (start < hWarmup) {
    const stop = runEnd(0, n, start, hWarmup);
    const w = f64x2.splat(Math.max(1, hWarmup));
    for (let j = 0; j < stop; j += 2) storePair(out, j, lambdaLr(f64x2.div(stepPair(start, j), w)), wide, j + 1 < stop);
    i = stop;
  }
  const w = f64x2.splat(hWarmup), span = f64x2.splat(Math.max(1, hTotal - hWarmup)), cycles = f64x2.splat(hCycles);
  const pi = f64x2.splat(PI), one = f64x2.splat(1.0), half = f64x2.splat(0.5), zero = f64x2.splat(0.0);
  for (let b = i; b < n; b += BLOCK) {
    const m = min(BLOCK, n - b);
    let cosines = false;
    for (let j = 0; j < m; j += 2) {
      const progress = f64x2.div(f64x2.sub(stepPair(start, b + j), w), span);
      const past = f64x2.ge(progress, one);
      storeAt(done, j, past);
      storeAt(args, j, f64x2.mul(pi, pyModOne(f64x2.mul(cycles, progress))));
      cosines = cosines || !i64x2.all_true(past);
    }
    if (cosines) cosInPlace(args, m);
    for (let j = 0; j < m; j += 2) {
      const factor = select2(loadPair(done, j), zero, max0x2(f64x2.mul(half, f64x2.add(one, loadPair(args, j)))));
      storePair(out, b + j, lambdaLr(factor), wide, j + 1 < m);
    }
  }
}

/** Each lane's warmup or decay factor into LambdaLR's lr: base * max(0.0, factor * (1.0 - min_lr_ratio) + min_lr_ratio). */
// @ts-ignore: decorator
@inline
function wsdLr(factor: v128): v128 {
  return lambdaLr(max0x2(f64x2.add(f64x2.mul(factor, f64x2.splat(1.0 - hMinRatio)), f64x2.splat(hMinRatio))));
}

/**
 * One WSD phase with a shape, steps i .. stop - 1: progress = (t - from) / max(1, length), then
 * linear: up ? progress : 1.0 - progress; 1-sqrt: up ? 1.0 - sqrt(1.0 - progress) : 1.0 - sqrt(progress);
 * cosine: 0.5 * (1.0 - cos(scale * progress)) up, 0.5 * (1.0 + cos(scale * progress)) down.
 */
function wsdPhase(out: usize, start: f64, i: i32, stop: i32, wide: bool, from: f64, length: f64, shape: i32, up: bool, scale: f64): void {
  const at = f64x2.splat(from), span = f64x2.splat(Math.max(1, length)), one = f64x2.splat(1.0);
  if (shape != SHAPE_COSINE) {
    for (let j = i; j < stop; j += 2) {
      let progress = f64x2.sub(stepPair(start, j), at);
      // t / max(1, w) in the warmup (from = 0: t - 0 is t)
      progress = f64x2.div(progress, span);
      let factor: v128;
      if (shape == SHAPE_LINEAR) factor = up ? progress : f64x2.sub(one, progress);
      else factor = f64x2.sub(one, f64x2.sqrt(up ? f64x2.sub(one, progress) : progress));
      storePair(out, j, wsdLr(factor), wide, j + 1 < stop);
    }
    return;
  }
  const args = blockArray(0);
  const k = f64x2.splat(scale), half = f64x2.splat(0.5);
  for (let b = i; b < stop; b += BLOCK) {
    const m = min(BLOCK, stop - b);
    for (let j = 0; j < m; j += 2) storeAt(args, j, f64x2.mul(k, f64x2.div(f64x2.sub(stepPair(start, b + j), at), span)));
    cosInPlace(args, m);
    for (let j = 0; j < m; j += 2) {
      const c = loadPair(args, j);
      storePair(out, b + j, wsdLr(f64x2.mul(half, up ? f64x2.sub(one, c) : f64x2.add(one, c))), wide, j + 1 < m);
    }
  }
}

/**
 * WSD, by phase: warmup below w, stable (1.0) below w + stable, decay below w + stable + decay,
 * then min_lr_ratio (each boundary an integer, so each phase a run of steps).
 */
export function fillWsd(out: usize, start: f64, n: i32, wide: bool): void {
  const stableFrom = hWarmup, decayFrom = hWarmup + hStable, decayEnd = hWarmup + hStable + hDecay;
  let i = 0;
  while (i < n) {
    const t = start + <f64>i;
    let stop: i32;
    if (t < stableFrom) {
      stop = runEnd(i, n, t, stableFrom);
      wsdPhase(out, start, i, stop, wide, 0, hWarmup, hWarmupType, true, PI);
    } else if (t < decayFrom) {
      stop = runEnd(i, n, t, decayFrom);
      fillConstant(out, i, stop, hBase * 1.0, wide);
    } else if (t < decayEnd) {
      stop = runEnd(i, n, t, decayEnd);
      // pi * num_cycles * 2.0 * progress, left to right: the leading product is the phase's
      wsdPhase(out, start, i, stop, wide, decayFrom, hDecay, hDecayType, false, PI * hCycles * 2.0);
    } else {
      stop = n;
      fillConstant(out, i, stop, hBase * hMinRatio, wide);
    }
    i = stop;
  }
}
