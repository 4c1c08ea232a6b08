// Typed wrapper over the kernels of the kinds outside the cosine family (assembly/kinds.ts):
// each kind hands its parameters to its configure call, then the values are filled a chunk at a
// time in linear memory and copied out, as engine.ts does for the family. Every value is a pure
// function of its step, so no cursor: any window is filled from its own first step.

import type { CurveArray } from './engine.js';
import { kernels, type KernelExports } from './module.js';

/** One kind's kernel: configure(k) hands over its parameters; fill(k, ptr, start, n, wide) writes n values. */
export interface StepKernel {
  configure(k: KernelExports): void;
  fill(k: KernelExports, ptr: number, start: number, n: number, wide: boolean): void;
}

const COPY_CHUNK = 1 << 15;

/** Writes the values of steps start .. start + out.length - 1 into out (its type picks the dtype). */
export function fillSteps(kernel: StepKernel, start: number, out: CurveArray): void {
  const k = kernels();
  const wide = out instanceof Float64Array;
  const chunk = Math.min(COPY_CHUNK, out.length);
  if (chunk === 0) return;
  const ptr = k.reserve(chunk * out.BYTES_PER_ELEMENT);
  const buffer = wide ? new Float64Array(k.memory.buffer, ptr, chunk) : new Float32Array(k.memory.buffer, ptr, chunk);
  kernel.configure(k);
  for (let done = 0; done < out.length; done += chunk) {
    const n = Math.min(chunk, out.length - done);
    kernel.fill(k, ptr, start + done, n, wide);
    out.set(n === chunk ? buffer : buffer.subarray(0, n), done);
  }
}
