// The module's export surface. The host (src/wasm/engine.ts) calls configure, then seek, then
// fill repeatedly; values land in the buffer that reserve returns.
export { setSchedule as configure, PEAK_REFERENCE, PEAK_CLAMP, PEAK_AMPLITUDE } from "./schedule";
export { fill, ERR_ZERO_LENGTH } from "./fill";
export { reserve } from "./memory";
import { seek as seekCursor, cycle, position } from "./cycle";

/** Puts the cursor on step t (an integer below 2^53). Returns 0, or -1 for a zero-length cycle. */
export function seek(t: f64): i32 {
  return seekCursor(<i64>t);
}

/** Cycle number at the cursor (restarts counted so far). */
export function currentCycle(): f64 {
  return <f64>cycle;
}

/** Global step of the next value to be filled. */
export function currentPosition(): f64 {
  return <f64>position;
}
