// PyTorch's OneCycleLR (torch 1.13 lr_scheduler.py), one step at a time in its order of operations:
// the phase holding step t is the first whose end_step >= t (or the last), then
//   pct = (t - start_step) / (end_step - start_step)
//   cos:    end + (start - end) / 2.0 * (cos(pi * pct) + 1)
//   linear: (end - start) * pct + start
// with start_step the previous phase's end (0 for the first). The host computes the phase ends and
// the values at their edges (initial_lr = max_lr / div_factor, ...) in float64 exactly as torch
// does (src/schedule/kinds/one-cycle.ts), so only this arithmetic and cos remain here. cos is
// correctly rounded (cos-rounded.ts), as the glibc cos CPython calls is: fdlibm's differs from it
// by an ulp for about 1% of the arguments (test/schedule/one-cycle.test.ts pins every value
// against golden vectors recorded from torch). Every value is a pure function of its step, so a
// window starting anywhere gives the same bits as the whole curve.
import { cosRounded } from "./cos-rounded";

export const ONE_CYCLE_LR: i32 = 0;
export const ONE_CYCLE_MOMENTUM: i32 = 1;

const MAX_PHASES: i32 = 3;
let phases: i32 = 2;
let linear: bool = false;
// Per phase: end_step, and the start and end of the LR and of the momentum.
const ends = new StaticArray<f64>(MAX_PHASES);
const lrFrom = new StaticArray<f64>(MAX_PHASES);
const lrTo = new StaticArray<f64>(MAX_PHASES);
const momFrom = new StaticArray<f64>(MAX_PHASES);
const momTo = new StaticArray<f64>(MAX_PHASES);

/** Sets phase i (0-based); `count` phases in all. */
export function configureOneCyclePhase(i: i32, count: i32, linear_: bool, end: f64, lr0: f64, lr1: f64, m0: f64, m1: f64): void {
  phases = count;
  linear = linear_;
  unchecked(ends[i] = end);
  unchecked(lrFrom[i] = lr0);
  unchecked(lrTo[i] = lr1);
  unchecked(momFrom[i] = m0);
  unchecked(momTo[i] = m1);
}

// ---- the schedule ----

// @ts-ignore: decorator
@inline
function anneal(from: f64, to: f64, pct: f64): f64 {
  if (linear) return (to - from) * pct + from;
  const cosOut = cosRounded(3.141592653589793 * pct) + 1.0;
  return to + (from - to) / 2.0 * cosOut;
}

/** The LR (which = ONE_CYCLE_LR) or the momentum of step t, as torch's get_lr computes it. */
export function oneCycleAt(t: f64, which: i32): f64 {
  let start: f64 = 0.0;
  for (let i = 0; i < phases; i++) {
    const end = unchecked(ends[i]);
    if (t <= end || i == phases - 1) {
      const pct = (t - start) / (end - start);
      return which == ONE_CYCLE_LR
        ? anneal(unchecked(lrFrom[i]), unchecked(lrTo[i]), pct)
        : anneal(unchecked(momFrom[i]), unchecked(momTo[i]), pct);
    }
    start = end;
  }
  return NaN; // not reached: the last phase takes every step
}

/** Writes the values of steps start .. start + n - 1 at ptr, float64 (wide) or float32 (demoted). */
export function fillOneCycle(ptr: usize, start: f64, n: i32, wide: bool, which: i32): void {
  for (let i = 0; i < n; i++) {
    const v = oneCycleAt(start + <f64>i, which);
    if (wide) store<f64>(ptr + (<usize>i << 3), v);
    else store<f32>(ptr + (<usize>i << 2), <f32>v);
  }
}
