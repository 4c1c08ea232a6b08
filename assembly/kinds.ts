// Kernels for the kinds that are not the cosine-with-warmup family (fill.ts): timm's
// CosineLRScheduler and Hugging Face's hard-restarts and warmup-stable-decay lambdas. Each value
// is a pure function of its step, computed in the reference's order of operations with the
// functions CPython's libm computes: log and pow are ~lib/util/math's log_lut and pow_lut (the ARM
// optimized-routines code that glibc >= 2.28 and musl use for log and pow), cos is correctly
// rounded (cos-rounded.ts, shared with one-cycle.ts), as glibc's nearly always is, and sqrt is
// the correctly rounded f64.sqrt.
// So a window starting anywhere gives the same bits as the curve from 0.
// The host (src/wasm/kinds.ts) configures one kind, then fills; the two globals sets are separate.
import { log_lut, pow_lut } from "~lib/util/math";
import { cosRounded } from "./cos-rounded";

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
// pow(cycle_mul, i), pow(cycle_decay, i) and pow(t_i, k) depend on i alone: kept for the last i.
let cachedI: f64 = NaN;
let cachedMulPow: f64 = 0;
let cachedDecayPow: f64 = 0;

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

// @ts-ignore: decorator
@inline
function mulPow(i: f64): f64 {
  if (i != cachedI) {
    cachedI = i;
    cachedMulPow = pow_lut(tMul, i);
    cachedDecayPow = pow_lut(tDecay, i);
  }
  return cachedMulPow;
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

/** timm's _get_lr(t) for an epoch (or update) count t. */
function timmLr(t: f64): f64 {
  if (t < tWarmup) return tWarmupInit + t * tWarmupStep;
  if (tPrefix) t = t - tWarmup;
  const i = timmIndex(t, tFix);
  let tI: f64, tCurr: f64, gamma: f64;
  if (tMul != 1) {
    const p = mulPow(i);
    tI = p * tInitial;
    tCurr = t - (1 - p) / (1 - tMul) * tInitial;
    gamma = cachedDecayPow;
  } else {
    tI = tInitial;
    tCurr = t - tInitial * i;
    gamma = tDecay == 1 ? 1.0 : pow_lut(tDecay, i);
  }
  if (!(i < tLimit)) return tLrMin;
  const lrMax = tLr * gamma;
  // math.pi * t_curr ** k / t_i ** k, left to right (CPython float pow is pow(), x ** 1.0 = x)
  const arg = tK == 1 ? PI * tCurr / tI : PI * pow_lut(tCurr, tK) / pow_lut(tI, tK);
  return tLrMin + 0.5 * (lrMax - tLrMin) * (1 + cosRounded(arg));
}

// @ts-ignore: decorator
@inline
function timmAt(u: f64): f64 {
  const e = Math.floor(u / tPerEpoch);
  // index 0 is the constructor's value: warmup_lr_init with a warmup, else the optimizer's lr
  if (e == 0) return tWarmup != 0 ? tWarmupInit : tLr;
  return timmLr(e);
}

export function fillTimm(out: usize, start: f64, n: i32, wide: bool): void {
  if (wide) for (let i = 0; i < n; i++) store<f64>(out + (<usize>i << 3), timmAt(start + <f64>i));
  else for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>timmAt(start + <f64>i));
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

// Python's max(0.0, v): 0.0 unless v > 0.0 (so -0.0 and NaN give 0.0)
// @ts-ignore: decorator
@inline
function max0(v: f64): f64 {
  return v > 0.0 ? v : 0.0;
}

// Python's float %: the result takes the divisor's sign (JavaScript's takes the dividend's)
// @ts-ignore: decorator
@inline
function pyMod(a: f64, b: f64): f64 {
  let m = a % b; // fmod, exact
  if (m != 0) {
    if ((b < 0) != (m < 0)) m += b;
  } else m = b < 0 ? -0.0 : 0.0;
  return m;
}

// @ts-ignore: decorator
@inline
function hardRestartsFactor(t: f64): f64 {
  if (t < hWarmup) return t / Math.max(1, hWarmup);
  const progress = (t - hWarmup) / Math.max(1, hTotal - hWarmup);
  if (progress >= 1.0) return 0.0;
  return max0(0.5 * (1.0 + cosRounded(PI * pyMod(hCycles * progress, 1.0))));
}

// @ts-ignore: decorator
@inline
function wsdFactor(t: f64): f64 {
  if (t < hWarmup) {
    const progress = t / Math.max(1, hWarmup);
    let factor: f64;
    if (hWarmupType == SHAPE_LINEAR) factor = progress;
    else if (hWarmupType == SHAPE_COSINE) factor = 0.5 * (1.0 - cosRounded(PI * progress));
    else factor = 1.0 - Math.sqrt(1.0 - progress);
    return max0(factor * (1.0 - hMinRatio) + hMinRatio);
  }
  if (t < hWarmup + hStable) return 1.0;
  if (t < hWarmup + hStable + hDecay) {
    const progress = (t - hWarmup - hStable) / Math.max(1, hDecay);
    let factor: f64;
    if (hDecayType == SHAPE_LINEAR) factor = 1.0 - progress;
    else if (hDecayType == SHAPE_COSINE) factor = 0.5 * (1.0 + cosRounded(PI * hCycles * 2.0 * progress));
    else factor = 1.0 - Math.sqrt(progress);
    return max0(factor * (1.0 - hMinRatio) + hMinRatio);
  }
  return hMinRatio;
}

export function fillHardRestarts(out: usize, start: f64, n: i32, wide: bool): void {
  if (wide) for (let i = 0; i < n; i++) store<f64>(out + (<usize>i << 3), hBase * hardRestartsFactor(start + <f64>i));
  else for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>(hBase * hardRestartsFactor(start + <f64>i)));
}

export function fillWsd(out: usize, start: f64, n: i32, wide: bool): void {
  if (wide) for (let i = 0; i < n; i++) store<f64>(out + (<usize>i << 3), hBase * wsdFactor(start + <f64>i));
  else for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>(hBase * wsdFactor(start + <f64>i)));
}
