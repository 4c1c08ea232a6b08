// The cycle-length rule on the TypeScript side (the WASM side is assembly/cycle.ts). It is the
// reference's step() rule: L' = int((L - w) * m) + w, the product in float64, int() truncating.

import type { Family } from './family.js';

/** Lengths at or above this never end within any curve we can produce (2^53 steps). */
export const HUGE_LENGTH = 2 ** 60;

export function warmupOf(f: Family, cycle: number): number {
  return f.warmupFirstCycleOnly && cycle > 0 ? 0 : f.warmupSteps;
}

/** Length of cycle `cycle + 1`, given the length of cycle `cycle`. */
export function nextCycleLength(f: Family, length: number, cycle: number): number {
  const body = (length - warmupOf(f, cycle)) * f.cycleMult;
  if (body >= HUGE_LENGTH) return HUGE_LENGTH;
  return Math.trunc(body) + warmupOf(f, cycle + 1);
}

/**
 * Where a cycle of zero length begins, if one begins before `limit` (the reference divides by
 * zero on the step() that enters it). Only cycle_mult < 1 with no warmup in that cycle shrinks
 * a cycle to zero; lengths never grow back, so the walk ends at the first repeat.
 */
export function zeroLengthCycle(f: Family, limit: number): { cycle: number; step: number } | null {
  if (f.cycleMult >= 1) return null;
  let cycle = 0;
  let start = 0;
  let length = f.firstCycleSteps;
  while (start < limit) {
    if (f.maxCycles !== null && cycle >= f.maxCycles) return null;
    if (length === 0) return { cycle, step: start };
    const next = nextCycleLength(f, length, cycle);
    if (next === length && warmupOf(f, cycle + 1) === warmupOf(f, cycle)) return null;
    start += length;
    cycle += 1;
    length = next;
  }
  return null;
}

/** Consecutive cycles of equal length and warmup: cycles firstCycle .. firstCycle + count - 1. */
export interface CycleRun {
  firstCycle: number;
  start: number;
  length: number;
  warmup: number;
  count: number;
}

/**
 * The cycles that start before `limit`, grouped into runs of equal length. After max_cycles the
 * schedule is flat at min_lr: that tail is left out (`end` says where the cycles stop). Lengths
 * only change O(log limit) times for cycle_mult > 1, so this is short even for 10^12 steps.
 */
export function cycleRuns(f: Family, limit: number): { runs: CycleRun[]; end: number } {
  const runs: CycleRun[] = [];
  let cycle = 0;
  let start = 0;
  let length = f.firstCycleSteps;
  while (start < limit && length > 0) {
    if (f.maxCycles !== null && cycle >= f.maxCycles) return { runs, end: start };
    const next = nextCycleLength(f, length, cycle);
    const warmup = warmupOf(f, cycle);
    const stable = next === length && warmupOf(f, cycle + 1) === warmup;
    let count = stable ? Math.max(1, Math.ceil((limit - start) / length)) : 1;
    if (f.maxCycles !== null) count = Math.min(count, f.maxCycles - cycle);
    const last = runs[runs.length - 1];
    if (last && last.length === length && last.warmup === warmup && last.start + last.count * last.length === start) last.count += count;
    else runs.push({ firstCycle: cycle, start, length, warmup, count });
    start += count * length;
    cycle += count;
    length = stable ? length : next;
  }
  return { runs, end: f.maxCycles !== null && cycle >= f.maxCycles ? start : Infinity };
}
