// Curve fills: write the next n values from the cursor into linear memory, then move the cursor.
// A cycle is two segments, warmup (s < w) and cosine (w <= s < L); each segment is one SIMD loop.
// Every value is a pure function of its step: no running sums, and the tail of a segment goes
// through the same vector code as its body, so a window starting anywhere gives the same bits.
import { cos2, cos4 } from "./cos";
import { amplitudeOf, minLr, minAtStepZero } from "./schedule";
import { advanceCycle, cycle, cycleLength, cycleStart, cycleWarmup, ended, position, setPosition } from "./cycle";

const PI: f64 = 3.141592653589793;
/** Beyond this an i32 lane counter would overflow: use the f64 path for f32 output. */
const I32_SAFE: i64 = 1 << 30;

export const ERR_ZERO_LENGTH: i32 = -1;

// warmup, reference order: ((peak - min_lr) * s) / w + min_lr
function warm64(out: usize, s0: i64, k: i32, w: f64, amp: f64, min: f64): void {
  const vamp = f64x2.splat(amp), vw = f64x2.splat(w), vmin = f64x2.splat(min), two = f64x2.splat(2.0);
  let s = f64x2(<f64>s0, <f64>(s0 + 1));
  let i = 0;
  for (; i + 2 <= k; i += 2) {
    v128.store(out + (<usize>i << 3), f64x2.add(f64x2.div(f64x2.mul(vamp, s), vw), vmin));
    s = f64x2.add(s, two);
  }
  if (i < k) store<f64>(out + (<usize>i << 3), f64x2.extract_lane(f64x2.add(f64x2.div(f64x2.mul(vamp, s), vw), vmin), 0));
}

// cosine, reference order: min_lr + ((peak - min_lr) * (1 + cos((pi * (s - w)) / (L - w)))) / 2
function cosine64(out: usize, k0: i64, k: i32, d: f64, amp: f64, min: f64): void {
  const vamp = f64x2.splat(amp), vd = f64x2.splat(d), vmin = f64x2.splat(min);
  const vpi = f64x2.splat(PI), one = f64x2.splat(1.0), half = f64x2.splat(0.5), two = f64x2.splat(2.0);
  let kv = f64x2(<f64>k0, <f64>(k0 + 1));
  let i = 0;
  for (; i + 2 <= k; i += 2) {
    const c = cos2(f64x2.div(f64x2.mul(vpi, kv), vd));
    v128.store(out + (<usize>i << 3), f64x2.add(vmin, f64x2.mul(f64x2.mul(vamp, f64x2.add(one, c)), half)));
    kv = f64x2.add(kv, two);
  }
  if (i < k) {
    const c = cos2(f64x2.div(f64x2.mul(vpi, kv), vd));
    store<f64>(out + (<usize>i << 3), f64x2.extract_lane(f64x2.add(vmin, f64x2.mul(f64x2.mul(vamp, f64x2.add(one, c)), half)), 0));
  }
}

// float32 throughout: s and s - w go to f32 from exact integer lanes, so no value depends on
// where its segment started.
function warm32(out: usize, s0: i64, k: i32, w: f64, amp: f64, min: f64): void {
  const vamp = f32x4.splat(<f32>amp), vinv = f32x4.splat(<f32>(1.0 / w)), vmin = f32x4.splat(<f32>min);
  let s = i32x4(<i32>s0, <i32>s0 + 1, <i32>s0 + 2, <i32>s0 + 3);
  const four = i32x4.splat(4);
  let i = 0;
  for (; i + 4 <= k; i += 4) {
    v128.store(out + (<usize>i << 2), f32x4.add(vmin, f32x4.mul(vamp, f32x4.mul(f32x4.convert_i32x4_s(s), vinv))));
    s = i32x4.add(s, four);
  }
  if (i < k) storeTail32(out + (<usize>i << 2), f32x4.add(vmin, f32x4.mul(vamp, f32x4.mul(f32x4.convert_i32x4_s(s), vinv))), k - i);
}

function cosine32(out: usize, k0: i64, k: i32, d: f64, amp: f64, min: f64): void {
  const vamp = f32x4.splat(<f32>amp), vscale = f32x4.splat(<f32>(PI / d)), vmin = f32x4.splat(<f32>min);
  const one = f32x4.splat(1.0), half = f32x4.splat(0.5), four = i32x4.splat(4);
  let kv = i32x4(<i32>k0, <i32>k0 + 1, <i32>k0 + 2, <i32>k0 + 3);
  let i = 0;
  for (; i + 4 <= k; i += 4) {
    const c = cos4(f32x4.mul(f32x4.convert_i32x4_s(kv), vscale));
    v128.store(out + (<usize>i << 2), f32x4.add(vmin, f32x4.mul(f32x4.mul(vamp, f32x4.add(one, c)), half)));
    kv = i32x4.add(kv, four);
  }
  if (i < k) {
    const c = cos4(f32x4.mul(f32x4.convert_i32x4_s(kv), vscale));
    storeTail32(out + (<usize>i << 2), f32x4.add(vmin, f32x4.mul(f32x4.mul(vamp, f32x4.add(one, c)), half)), k - i);
  }
}

// @ts-ignore: decorator
@inline
function storeTail32(out: usize, v: v128, n: i32): void {
  store<f32>(out, f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(out + 4, f32x4.extract_lane(v, 1));
  if (n > 2) store<f32>(out + 8, f32x4.extract_lane(v, 2));
}

/** Cycle lengths so long that i32 lanes could overflow take the f64 path, demoted. */
function demote(out: usize, n: i32): void {
  // In place, front to back: f32 slot i never overlaps an f64 value not yet read.
  for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>load<f64>(out + (<usize>i << 3)));
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
    let k: i32;
    if (position == 0 && minAtStepZero) {
      // The reference overwrites the LR after construction with min_lr, even when w = 0.
      k = 1;
      if (wide) store<f64>(at, minLr);
      else store<f32>(at, <f32>minLr);
    } else {
      const amp = amplitudeOf(cycle);
      const w = cycleWarmup;
      const segEnd = s < w ? w : cycleLength;
      k = <i32>min<i64>(segEnd - s, <i64>left);
      const d = <f64>(cycleLength - w);
      if (wide) {
        if (s < w) warm64(at, s, k, <f64>w, amp, minLr);
        else cosine64(at, s - w, k, d, amp, minLr);
      } else if (cycleLength < I32_SAFE) {
        if (s < w) warm32(at, s, k, <f64>w, amp, minLr);
        else cosine32(at, s - w, k, d, amp, minLr);
      } else {
        if (s < w) warm64(at, s, k, <f64>w, amp, minLr);
        else cosine64(at, s - w, k, d, amp, minLr);
        demote(at, k);
      }
    }
    done += k;
    setPosition(position + k);
    if (position - cycleStart == cycleLength) advanceCycle();
  }
  return n;
}
