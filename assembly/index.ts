// The module's export surface. The host (src/wasm/engine.ts) calls configure, then seek, then
// fill repeatedly; values land in the buffer that reserve returns. asc generates the host's types
// from this file (asconfig "bindings": build/release.d.ts), and the host reads the constants from
// the instance, so nothing here is mirrored by hand on the other side.
export { setSchedule as configure, PEAK_REFERENCE, PEAK_CLAMP, PEAK_AMPLITUDE } from "./schedule";
export { fill, ERR_ZERO_LENGTH } from "./fill";
export { reserve } from "./memory";
// The schedule as configure stored it: read back (never written) by the host's boundary test.
export {
  firstCycleSteps, cycleMult, maxLr, minLr, warmupSteps, gamma, warmupFirstCycleOnly, peakMode, maxCycles, minAtStepZero,
} from "./schedule";
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
// The kinds outside the family (kinds.ts): configure one, then fill from any step.
export {
  configureTimm, fillTimm, timmCycleAt, configureHardRestarts, configureWsd, fillHardRestarts, fillWsd,
  SHAPE_LINEAR, SHAPE_COSINE, SHAPE_ONE_MINUS_SQRT,
} from "./kinds";
// PyTorch's OneCycleLR (its own phases, not the cycle family): configure each phase, then fill.
export { configureOneCyclePhase, fillOneCycle, ONE_CYCLE_LR, ONE_CYCLE_MOMENTUM } from "./one-cycle";
// The correctly rounded cos every kind with its own kernel uses, for its tests against CPython's math.cos.
export { cosRounded } from "./cos-rounded";
