// The OwnCurve (kind.ts) of a kind over one of assembly/kinds.ts's kernels (timm_cosine,
// hf_cosine_restarts, wsd): the kernel fills any window (wasm/kinds.ts), and the kind's
// breakpoints, which may each be off by one (they come from the reference's float arithmetic),
// become candidates with their neighbours. No momentum: these references drive none.

import type { CurveArray } from '../../wasm/engine.js';
import { fillSteps, type StepKernel } from '../../wasm/kinds.js';
import type { KindLint, OwnCurve } from './kind.js';

export interface KernelCurve {
  kernel: StepKernel;
  end: OwnCurve['end'];
  floor: OwnCurve['floor'];
  /** Steps in [a, b) where a monotone piece may begin (each maybe off by one), or null past `limit`. */
  breakpoints(a: number, b: number, limit: number): number[] | null;
  cycleAt(step: number): number;
  lint(steps: number): KindLint[];
}

/** The distinct steps among `steps` in [start, end), sorted, or null when there are more than `limit` (a kind's breakpoints). */
export function stepsWithin(steps: Iterable<number>, start: number, end: number, limit: number): number[] | null {
  const inside = [...new Set(steps)].filter((t) => t >= start && t < end).sort((a, b) => a - b);
  return inside.length > limit ? null : inside;
}

export function kernelCurve(k: KernelCurve): OwnCurve {
  return {
    end: k.end,
    floor: k.floor,
    fill: (start: number, out: CurveArray) => fillSteps(k.kernel, start, out),
    momentum: null,
    candidates(a, b, limit) {
      const inside = k.breakpoints(a, b, limit);
      if (inside === null) return null;
      const out: number[] = [];
      for (const p of inside) for (const t of [p - 1, p, p + 1]) if (t >= a && t < b) out.push(t);
      return out;
    },
    cycleAt: (step) => k.cycleAt(step),
    lint: (steps) => k.lint(steps),
  };
}
