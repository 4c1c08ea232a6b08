// Curve fills: write the next n values from the cursor into linear memory, then move the cursor.
// A cycle is two parts, warmup (s < w, warmup.ts) and cosine (w <= s < L, anneal.ts), each a
// SIMD loop; the walk here cuts the request at those parts. Every value is a pure function of
// its step, so a window starting anywhere gives the same bits as the full curve.
import { amplitudeOf } from "./amplitude";
import { anneal32, anneal64, annealFrom32, annealFrom64, table32, table64, tableFits, tableHolds } from "./anneal";
import {
  advanceCycle, cycle, cycleAmplitude, cycleLength, cycleStart, cycleWarmup, ended, equalCyclesAhead, nextCycleRepeats,
  position, setPosition, skipEqualCycles,
} from "./cycle";
import { SCRATCH_VALUES, scratchAddress } from "./memory";
import { minLr, minAtStepZero } from "./schedule";
import { inverse32, warm32, warm64 } from "./warmup";

/** Beyond this an i32 lane counter would overflow: use the f64 kernels for f32 output. */
const I32_SAFE: i64 = 1 << 30;

export const ERR_ZERO_LENGTH: i32 = -1;

// A cosine part: k values from k0 = s - w, in a cycle with d = L - w cosine steps. From the
// table when it holds d already, or when `repeats`: this fill goes on over a cycle of that length.
function cosine64(out: usize, k0: i64, k: i32, d: i64, amp: f64, repeats: bool): void {
  if (tableFits(d) && (repeats || tableHolds(d, true))) annealFrom64(out, table64(d) + (<usize>k0 << 3), k, amp, minLr);
  else anneal64(out, k0, k, d, amp, minLr);
}

function cosine32(out: usize, k0: i64, k: i32, d: i64, amp: f64, repeats: bool): void {
  if (tableFits(d) && (repeats || tableHolds(d, false))) annealFrom32(out, table32(d) + (<usize>k0 << 2), k, amp, minLr);
  else anneal32(out, k0, k, d, amp, minLr);
}

/** One part of the cursor's cycle in float64: k values from step s of the cycle. */
function part64(out: usize, s: i64, k: i32, amp: f64, repeats: bool): void {
  const w = cycleWarmup;
  if (s < w) warm64(out, s, k, <f64>w, amp, minLr);
  else cosine64(out, s - w, k, cycleLength - w, amp, repeats);
}

/** One part in float32; cycles too long for i32 lanes take the f64 kernels, demoted. */
function part32(out: usize, s: i64, k: i32, amp: f64, repeats: bool): void {
  const w = cycleWarmup;
  if (cycleLength < I32_SAFE) {
    if (s < w) warm32(out, s, k, inverse32(w), amp, minLr);
    else cosine32(out, s - w, k, cycleLength - w, amp, repeats);
    return;
  }
  const scratch = scratchAddress();
  for (let i = 0; i < k; i += SCRATCH_VALUES) {
    const m = min(SCRATCH_VALUES, k - i);
    part64(scratch, s + i, m, amp, false);
    for (let j = 0; j < m; j++) store<f32>(out + (<usize>(i + j) << 2), <f32>load<f64>(scratch + (<usize>j << 3)));
  }
}

/**
 * m whole cycles of equal length from the cursor's cycle on (the cursor at its start): each its
 * own warmup and amplitude, the cosine factors from one table. The same kernels as part64 and
 * part32, so the same bits. Returns the number of values written.
 */
function equalCycles(out: usize, m: i64, wide: bool): i32 {
  const length = <i32>cycleLength, w = <i32>cycleWarmup, d = length - w;
  if (wide) {
    const table = table64(d);
    for (let c: i64 = 0; c < m; c++) {
      const at = out + ((<usize>c * <usize>length) << 3);
      const amp = c == 0 ? cycleAmplitude : amplitudeOf(cycle + c);
      if (w > 0) warm64(at, 0, w, <f64>w, amp, minLr);
      annealFrom64(at + (<usize>w << 3), table, d, amp, minLr);
    }
  } else {
    const table = table32(d), inv = inverse32(w);
    for (let c: i64 = 0; c < m; c++) {
      const at = out + ((<usize>c * <usize>length) << 2);
      const amp = c == 0 ? cycleAmplitude : amplitudeOf(cycle + c);
      if (w > 0) warm32(at, 0, w, inv, amp, minLr);
      annealFrom32(at + (<usize>w << 2), table, d, amp, minLr);
    }
  }
  skipEqualCycles(m);
  return <i32>(m * <i64>length);
}

/**
 * Writes the next n values from the cursor to out (float64 when wide, else float32) and advances
 * the cursor. Returns n, or ERR_ZERO_LENGTH when a zero-length cycle is reached.
 */
export function fill(out: usize, n: i32, wide: bool): i32 {
  const size: usize = wide ? 8 : 4;
  let done = 0;
  while (done < n) {
    const at = out + <usize>done * size;
    const left = n - done;
    if (ended) {
      if (wide) for (let i = 0; i < left; i++) store<f64>(at + (<usize>i << 3), minLr);
      else for (let i = 0; i < left; i++) store<f32>(at + (<usize>i << 2), <f32>minLr);
      setPosition(position + left);
      break;
    }
    if (cycleLength == 0) return ERR_ZERO_LENGTH;
    const s = position - cycleStart;
    const stepZero = position == 0 && minAtStepZero;
    // Whole equal cycles from one table: when the table holds their length already or this fill
    // has two cycles or more to pay for it (and f32 cycles go through i32 lanes, as in part32).
    const d = cycleLength - cycleWarmup;
    if (s == 0 && !stepZero && tableFits(d) && (wide || cycleLength < I32_SAFE)
      && (cycleLength <= <i64>left && tableHolds(d, wide) || 2 * cycleLength <= <i64>left) && nextCycleRepeats()) {
      done += equalCycles(at, equalCyclesAhead(<i64>left / cycleLength), wide);
      continue;
    }
    let k: i32;
    if (stepZero) {
      // The reference overwrites the LR after construction with min_lr, even when w = 0.
      k = 1;
      if (wide) store<f64>(at, minLr);
      else store<f32>(at, <f32>minLr);
    } else {
      const partEnd = s < cycleWarmup ? cycleWarmup : cycleLength;
      k = <i32>min<i64>(partEnd - s, <i64>left);
      // A table is worth building when this fill has the whole next cycle to pay for it.
      const repeats = s >= cycleWarmup && <i64>k + cycleLength <= <i64>left && nextCycleRepeats();
      if (wide) part64(at, s, k, cycleAmplitude, repeats);
      else part32(at, s, k, cycleAmplitude, repeats);
    }
    done += k;
    setPosition(position + k);
    if (position - cycleStart == cycleLength) advanceCycle();
  }
  return n;
}
