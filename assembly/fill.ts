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

// Four equal float32 cycles at a time, from the first cycle's start: each table factor and each
// warmup ratio is loaded or computed once and written into the four cycles with their own
// amplitudes. The same operations on the same operands as warm32 and annealFrom32, so the same
// bits; only the loop and the loads are shared. (Measured: 17% less time for cycles of 100 steps;
// the same for float64 was slower.)
// @ts-ignore: decorator
@inline
function fourCycles32(at: usize, c: i64, length: i32, w: i32, d: i32, table: usize, inv: f32): void {
  const stride = <usize>length << 2;
  const a0 = f32x4.splat(<f32>(c == 0 ? cycleAmplitude : amplitudeOf(cycle + c)));
  const a1 = f32x4.splat(<f32>amplitudeOf(cycle + c + 1));
  const a2 = f32x4.splat(<f32>amplitudeOf(cycle + c + 2));
  const a3 = f32x4.splat(<f32>amplitudeOf(cycle + c + 3));
  const vmin = f32x4.splat(<f32>minLr), half = f32x4.splat(0.5);
  if (w > 0) {
    const vinv = f32x4.splat(inv), four = i32x4.splat(4);
    let sv = i32x4(0, 1, 2, 3);
    for (let i = 0; i < w; i += 4) {
      if (i + 4 > w) { // the last 4 again, overlapping: the same bits
        i = w - 4;
        sv = i32x4(i, i + 1, i + 2, i + 3);
      }
      const r = f32x4.mul(f32x4.convert_i32x4_s(sv), vinv);
      const o = at + (<usize>i << 2);
      v128.store(o, f32x4.add(vmin, f32x4.mul(a0, r)));
      v128.store(o + stride, f32x4.add(vmin, f32x4.mul(a1, r)));
      v128.store(o + 2 * stride, f32x4.add(vmin, f32x4.mul(a2, r)));
      v128.store(o + 3 * stride, f32x4.add(vmin, f32x4.mul(a3, r)));
      sv = i32x4.add(sv, four);
    }
  }
  const cos = at + (<usize>w << 2);
  for (let i = 0; i < d; i += 4) {
    if (i + 4 > d) i = d - 4; // the last 4 again, overlapping: the same bits
    const f = v128.load(table + (<usize>i << 2));
    const o = cos + (<usize>i << 2);
    v128.store(o, f32x4.add(vmin, f32x4.mul(f32x4.mul(a0, f), half)));
    v128.store(o + stride, f32x4.add(vmin, f32x4.mul(f32x4.mul(a1, f), half)));
    v128.store(o + 2 * stride, f32x4.add(vmin, f32x4.mul(f32x4.mul(a2, f), half)));
    v128.store(o + 3 * stride, f32x4.add(vmin, f32x4.mul(f32x4.mul(a3, f), half)));
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
    let c: i64 = 0;
    if ((w == 0 || w >= 4) && d >= 4) for (; c + 4 <= m; c += 4) fourCycles32(out + ((<usize>c * <usize>length) << 2), c, length, w, d, table, inv);
    for (; c < m; c++) {
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
