// Typed wrapper over the OneCycle kernels (assembly/one-cycle.ts): configure the phases, then fill
// a caller's array a chunk at a time through linear memory (as engine.ts does for the family).

import type { CurveArray } from './engine.js';
import { kernels } from './module.js';

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

const COPY_CHUNK = 1 << 15;

/** Writes the LR (or the momentum) of steps start .. start + out.length - 1 into out (its type picks the dtype). */
export function fillOneCycle(shape: OneCycleShape, start: number, out: CurveArray, momentum: boolean): void {
  const k = kernels();
  const wide = out instanceof Float64Array;
  const chunk = Math.min(COPY_CHUNK, out.length);
  const ptr = k.reserve(chunk * out.BYTES_PER_ELEMENT);
  // Taken after reserve(): a memory.grow detaches every older view.
  const buffer = wide ? new Float64Array(k.memory.buffer, ptr, chunk) : new Float32Array(k.memory.buffer, ptr, chunk);
  shape.phases.forEach((p, i) => {
    k.configureOneCyclePhase(i, shape.phases.length, shape.linear, p.end, p.lrFrom, p.lrTo, p.momentumFrom, p.momentumTo);
  });
  const which = momentum ? k.ONE_CYCLE_MOMENTUM.value : k.ONE_CYCLE_LR.value;
  for (let done = 0; done < out.length; done += chunk) {
    const n = Math.min(chunk, out.length - done);
    k.fillOneCycle(ptr, start + done, n, wide, which);
    out.set(n === chunk ? buffer : buffer.subarray(0, n), done);
  }
}
