// The pure TypeScript reference: the schedules' step() rules transcribed as literally as
// possible, one step at a time, in the references' order of operations. It is the oracle the
// WASM engine is tested against and the baseline it is benchmarked against, so it stays simple:
// no seeking, no vectors, no cleverness.

import { nextCycleLength, warmupOf } from './cycles.js';
import type { Family } from './family.js';

/**
 * One scheduler, stepped like the reference's: `lr` is the value right after construction, and
 * each step() moves to the next training step. Handles both schedules through their common
 * family (see toFamily); for SGDR that is exactly torch's T_cur / T_i bookkeeping.
 */
export class ReferenceScheduler {
  private cycle = 0;
  private inCycle = -1; // the reference starts at last_epoch = -1 and steps once when built
  private length: number;
  lr = Number.NaN;

  constructor(private readonly f: Family) {
    this.length = f.firstCycleSteps;
    this.step();
    if (f.minAtStepZero) this.lr = f.minLr; // katsura overwrites every group's lr with min_lr
  }

  step(): number {
    const f = this.f;
    this.inCycle += 1;
    if (this.inCycle >= this.length) {
      this.inCycle -= this.length;
      this.length = nextCycleLength(f, this.length, this.cycle);
      this.cycle += 1;
    }
    const ended = f.maxCycles !== null && this.cycle >= f.maxCycles;
    if (this.length === 0 && !ended) throw new Error(`zero-length cycle ${this.cycle}: the reference divides by zero here`);
    this.lr = this.value();
    return this.lr;
  }

  private value(): number {
    const f = this.f;
    if (f.maxCycles !== null && this.cycle >= f.maxCycles) return f.minLr;
    const w = warmupOf(f, this.cycle);
    const s = this.inCycle;
    const decay = f.gamma ** this.cycle;
    let amplitude: number;
    if (f.peakFloor === 'amplitude') amplitude = (f.maxLr - f.minLr) * decay;
    else {
      let peak = f.maxLr * decay;
      if (f.peakFloor === 'clamp' && peak < f.minLr) peak = f.minLr;
      amplitude = peak - f.minLr;
    }
    if (s < w) return (amplitude * s) / w + f.minLr;
    return f.minLr + (amplitude * (1 + Math.cos((Math.PI * (s - w)) / (this.length - w)))) / 2;
  }
}

/** Values for steps start .. start + steps - 1, by stepping a fresh reference scheduler. */
export function referenceCurve(f: Family, steps: number, start = 0): Float64Array {
  const out = new Float64Array(steps);
  const ref = new ReferenceScheduler(f);
  for (let t = 0; t < start; t++) ref.step();
  for (let i = 0; i < steps; i++) {
    out[i] = ref.lr;
    if (i + 1 < steps) ref.step();
  }
  return out;
}
