// The one cycle lookup. Exact integer bookkeeping, never a floored float log: the reference's
// step() rule is L' = int((L - w) * m) + w with the product in float64, and that is all we use.
import { amplitudeOf } from "./amplitude";
import { firstCycleSteps, cycleMult, warmupOf, maxCycles } from "./schedule";

/** Lengths at or above this are treated as "never ends" (no i64 overflow in start + length). */
const HUGE: i64 = 1 << 60;

// The cursor: which cycle holds the next value to produce, and where in it we are.
export let cycle: i64 = 0;
export let cycleStart: i64 = 0; // global step of the cycle's first value
export let cycleLength: i64 = 1;
export let cycleWarmup: i64 = 0;
/** (peak - min_lr) of the cursor's cycle, computed when the cursor enters the cycle. */
export let cycleAmplitude: f64 = 0;
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

/** Whether the next cycle has the cursor's cycle's length and warmup (and is not past the limit). */
export function nextCycleRepeats(): bool {
  if (maxCycles >= 0 && cycle + 1 >= maxCycles) return false;
  return nextLength(cycleLength, cycle) == cycleLength && warmupOf(cycle + 1) == cycleWarmup;
}

/**
 * How many cycles from the cursor's on (its own included) have its length and warmup, up to
 * the cycle limit and to `most`. The cursor's cycle repeats for good once its successor does.
 */
export function equalCyclesAhead(most: i64): i64 {
  if (!nextCycleRepeats()) return 1;
  return maxCycles >= 0 ? min(most, maxCycles - cycle) : most;
}

/**
 * Moves the cursor from the start of its cycle over m whole cycles, where nextCycleRepeats() holds
 * (so the cycle after them has the same length and warmup again).
 */
export function skipEqualCycles(m: i64): void {
  cycle += m;
  cycleStart += m * cycleLength;
  position = cycleStart;
  if (maxCycles >= 0 && cycle >= maxCycles) ended = true;
  else cycleAmplitude = amplitudeOf(cycle);
}

/** Moves the cursor to the start of the next cycle. */
export function advanceCycle(): void {
  const next = nextLength(cycleLength, cycle);
  cycleStart += cycleLength;
  cycle += 1;
  cycleLength = next;
  cycleWarmup = warmupOf(cycle);
  if (maxCycles >= 0 && cycle >= maxCycles) ended = true;
  else cycleAmplitude = amplitudeOf(cycle);
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
  if (!ended) cycleAmplitude = amplitudeOf(cycle);
  position = t;
  return 0;
}
