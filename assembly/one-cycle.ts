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
import { cosInPlace } from "./cos-rounded";
import { BLOCK, blockArray, loadPair, runEnd, stepPair, storeAt, storePair } from "./step-block";

export const ONE_CYCLE_LR: i32 = 0;
export const ONE_CYCLE_MOMENTUM: i32 = 1;

const MAX_PHASES: i32 = 3;
let phases: i32 = 2;
let linear: bool = false;
// Per phase: end_step, and the start and end of the LR and of the momentum.
// Static data (literals), not `new`: the runtime's heap starts where memory.ts lays out its regions.
const ends: StaticArray<f64> = [0, 0, 0];
const lrFrom: StaticArray<f64> = [0, 0, 0];
const lrTo: StaticArray<f64> = [0, 0, 0];
const momFrom: StaticArray<f64> = [0, 0, 0];
const momTo: StaticArray<f64> = [0, 0, 0];

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

/** The first phase whose end is >= t, or the last (torch's loop over its phases). */
// @ts-ignore: decorator
@inline
function phaseOf(t: f64): i32 {
  let i = 0;
  while (i < phases - 1 && !(t <= unchecked(ends[i]))) i++;
  return i;
}

/**
 * Writes the values of steps start .. start + n - 1 at ptr, float64 (wide) or float32 (demoted):
 * the LR (which = ONE_CYCLE_LR) or the momentum, as torch's get_lr computes them. Phase by
 * phase, its constants once (the same operations on the same operands as per step):
 *   pct = (t - start_step) / (end_step - start_step)
 *   cos:    end + (start - end) / 2.0 * (cos(pi * pct) + 1)
 *   linear: (end - start) * pct + start
 */
export function fillOneCycle(ptr: usize, start: f64, n: i32, wide: bool, which: i32): void {
  let i = 0;
  while (i < n) {
    const t = start + <f64>i;
    const p = phaseOf(t);
    const end = unchecked(ends[p]);
    const from = p == 0 ? 0.0 : unchecked(ends[p - 1]);
    // the phase takes the steps up to floor(end); the last phase every step after
    const stop = p == phases - 1 ? n : runEnd(i, n, t, Math.floor(end) + 1);
    const v0 = which == ONE_CYCLE_LR ? unchecked(lrFrom[p]) : unchecked(momFrom[p]);
    const v1 = which == ONE_CYCLE_LR ? unchecked(lrTo[p]) : unchecked(momTo[p]);
    const at = f64x2.splat(from), width = f64x2.splat(end - from);
    if (linear) {
      const slope = f64x2.splat(v1 - v0), base = f64x2.splat(v0);
      for (let j = i; j < stop; j += 2) {
        const pct = f64x2.div(f64x2.sub(stepPair(start, j), at), width);
        storePair(ptr, j, f64x2.add(f64x2.mul(slope, pct), base), wide, j + 1 < stop);
      }
    } else {
      const half = f64x2.splat((v0 - v1) / 2.0), to = f64x2.splat(v1), one = f64x2.splat(1.0);
      const args = blockArray(0);
      for (let b = i; b < stop; b += BLOCK) {
        const m = min(BLOCK, stop - b);
        for (let j = 0; j < m; j += 2) {
          const pct = f64x2.div(f64x2.sub(stepPair(start, b + j), at), width);
          storeAt(args, j, f64x2.mul(f64x2.splat(3.141592653589793), pct));
        }
        cosInPlace(args, m);
        for (let j = 0; j < m; j += 2) storePair(ptr, b + j, f64x2.add(to, f64x2.mul(half, f64x2.add(loadPair(args, j), one))), wide, j + 1 < m);
      }
    }
    i = stop;
  }
}
