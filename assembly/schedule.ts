// The schedule's parameters, set once by `configure` and read by the cycle lookup and the fills.
// Globals rather than a struct: the kernels are flat functions over plain numbers.

/** Peak handling once max_lr * gamma^c falls below min_lr. */
export const PEAK_REFERENCE: i32 = 0; // the reference: the cycle turns upside down
export const PEAK_CLAMP: i32 = 1; // peak = max(max_lr * gamma^c, min_lr)
export const PEAK_AMPLITUDE: i32 = 2; // peak - min_lr = (max_lr - min_lr) * gamma^c (Keras-style)

export let firstCycleSteps: i64 = 1;
export let cycleMult: f64 = 1.0;
export let maxLr: f64 = 0.1;
export let minLr: f64 = 0.001;
export let warmupSteps: i64 = 0;
export let gamma: f64 = 1.0;
/** Warmup only in cycle 0; later cycles start at their peak. */
export let warmupFirstCycleOnly: bool = false;
export let peakMode: i32 = PEAK_REFERENCE;
/** Number of cycles after which the LR stays at min_lr; -1 = no limit. */
export let maxCycles: i64 = -1;
/** The katsura reference overwrites the LR of step 0 with min_lr (PyTorch's SGDR does not). */
export let minAtStepZero: bool = true;

export function setSchedule(
  first: f64, mult: f64, maxLr_: f64, minLr_: f64, warmup: f64, gamma_: f64,
  warmupFirstOnly: bool, peakMode_: i32, maxCycles_: f64, minAtZero: bool,
): void {
  // Integers cross from the host as f64 (exact below 2^53; no BigInt at the boundary).
  firstCycleSteps = <i64>first;
  cycleMult = mult;
  maxLr = maxLr_;
  minLr = minLr_;
  warmupSteps = <i64>warmup;
  gamma = gamma_;
  warmupFirstCycleOnly = warmupFirstOnly;
  peakMode = peakMode_;
  maxCycles = <i64>maxCycles_;
  minAtStepZero = minAtZero;
}

/** Warmup length of cycle c. */
// @ts-ignore: decorator
@inline
export function warmupOf(c: i64): i64 {
  return warmupFirstCycleOnly && c > 0 ? 0 : warmupSteps;
}
