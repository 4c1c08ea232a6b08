// The one cycle lookup. Exact integer bookkeeping, never a floored float log: the reference's
// step() rule is L' = int((L - w) * m) + w with the product in float64, and that is all we use.
import { firstCycleSteps, cycleMult, warmupOf, maxCycles } from "./schedule";

/** Lengths at or above this are treated as "never ends" (no i64 overflow in start + length). */
const HUGE: i64 = 1 << 60;

// The cursor: which cycle holds the next value to produce, and where in it we are.
export let cycle: i64 = 0;
export let cycleStart: i64 = 0; // global step of the cycle's first value
export let cycleLength: i64 = 1;
export let cycleWarmup: i64 = 0;
export let position: i64 = 0; // global step of the next value
/** Set when the schedule's cycle limit is reached: every later value is min_lr. */
export let ended: bool = false;

export function setPosition(t: i64): void {
  position = t;
}

/** Length of cycle c + 1, given cycle c's length. */
export function nextLength(length: i64, c: i64): i64 {
  const body = <f64>(length - warmupOf(c)) * cycleMult;
  if (body >= <f64>HUGE) return HUGE;
  return <i64>body + warmupOf(c + 1);
}

/** Moves the cursor to the start of the next cycle. */
export function advanceCycle(): void {
  const next = nextLength(cycleLength, cycle);
  cycleStart += cycleLength;
  cycle += 1;
  cycleLength = next;
  cycleWarmup = warmupOf(cycle);
  if (maxCycles >= 0 && cycle >= maxCycles) ended = true;
}

/**
 * Puts the cursor on global step t. Returns 0, or -1 when a zero-length cycle starts at or
 * before t (the reference divides by zero there; the host reports it before calling us).
 */
export function seek(t: i64): i32 {
  cycle = 0;
  cycleStart = 0;
  cycleLength = firstCycleSteps;
  cycleWarmup = warmupOf(0);
  ended = maxCycles == 0;
  while (!ended && cycleStart + cycleLength <= t) {
    if (cycleLength == 0) return -1;
    const next = nextLength(cycleLength, cycle);
    // Once a length repeats (and the warmup with it) every later cycle has that length:
    // jump over the whole cycles at once. This covers cycle_mult = 1, the int() fixed points
    // such as first=5, m=1.1, and cycle_mult < 1 shrinking onto the warmup.
    if (next == cycleLength && warmupOf(cycle + 1) == cycleWarmup) {
      let skip = (t - cycleStart) / cycleLength;
      if (maxCycles >= 0 && cycle + skip > maxCycles) skip = maxCycles - cycle;
      cycle += skip;
      cycleStart += skip * cycleLength;
      if (maxCycles >= 0 && cycle >= maxCycles) ended = true;
      continue;
    }
    advanceCycle();
  }
  if (!ended && cycleLength == 0) return -1;
  position = t;
  return 0;
}
