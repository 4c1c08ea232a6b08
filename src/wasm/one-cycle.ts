// Typed wrapper over the OneCycle kernel (assembly/one-cycle.ts): the phases configured, then
// filled from any step through kinds.ts fillSteps, as the other kinds with their own kernel.

import type { CurveArray } from './engine.js';
import { fillSteps } from './kinds.js';

/** One phase as torch's OneCycleLR holds it: end_step and the values at its edges. */
export interface OneCyclePhase {
  end: number;
  lrFrom: number;
  lrTo: number;
  momentumFrom: number;
  momentumTo: number;
}

export interface OneCycleShape {
  phases: readonly OneCyclePhase[];
  linear: boolean;
}

/** Writes the LR (or the momentum) of steps start .. start + out.length - 1 into out (its type picks the dtype). */
export function fillOneCycle(shape: OneCycleShape, start: number, out: CurveArray, momentum: boolean): void {
  fillSteps({
    configure: (k) => shape.phases.forEach((p, i) => {
      k.configureOneCyclePhase(i, shape.phases.length, shape.linear, p.end, p.lrFrom, p.lrTo, p.momentumFrom, p.momentumTo);
    }),
    fill: (k, ptr, from, n, wide) => k.fillOneCycle(ptr, from, n, wide, momentum ? k.ONE_CYCLE_MOMENTUM.value : k.ONE_CYCLE_LR.value),
  }, start, out);
}
