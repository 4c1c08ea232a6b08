// The warmup part of a cycle: value = ((peak - min_lr) * s) / w + min_lr for s = 0 .. w - 1, in
// the reference's order (f64), or min_lr + (peak - min_lr) * (s * (1 / w)) in float32. Lanes hold
// exact integers, and a run's last partial vector is computed again at the run's end, overlapping
// values already written with the same bits: every value is a pure function of its step.

/** k warmup values from step s0 of a cycle with warmup w, in float64. */
// @ts-ignore: decorator
@inline
export function warm64(out: usize, s0: i64, k: i32, w: f64, amp: f64, minLr: f64): void {
  const vamp = f64x2.splat(amp), vw = f64x2.splat(w), vmin = f64x2.splat(minLr), two = f64x2.splat(2.0);
  if (k < 2) {
    store<f64>(out, f64x2.extract_lane(f64x2.add(f64x2.div(f64x2.mul(vamp, f64x2.splat(<f64>s0)), vw), vmin), 0));
    return;
  }
  let s = f64x2(<f64>s0, <f64>(s0 + 1));
  let i = 0;
  for (; i + 2 <= k; i += 2) {
    v128.store(out + (<usize>i << 3), f64x2.add(f64x2.div(f64x2.mul(vamp, s), vw), vmin));
    s = f64x2.add(s, two);
  }
  if (i < k) {
    s = f64x2(<f64>(s0 + k - 2), <f64>(s0 + k - 1));
    v128.store(out + (<usize>(k - 2) << 3), f64x2.add(f64x2.div(f64x2.mul(vamp, s), vw), vmin));
  }
}

/** 1 / w as the float32 warmup takes it (the caller computes it once per cycle length). */
// @ts-ignore: decorator
@inline
export function inverse32(w: i64): f32 {
  return <f32>(1.0 / <f64>w);
}

/** The same in float32 (inv = inverse32(w)), for cycles shorter than 2^30 (lanes count in i32). */
// @ts-ignore: decorator
@inline
export function warm32(out: usize, s0: i64, k: i32, inv: f32, amp: f64, minLr: f64): void {
  const vamp = f32x4.splat(<f32>amp), vinv = f32x4.splat(inv), vmin = f32x4.splat(<f32>minLr);
  if (k < 4) {
    const s = i32x4(<i32>s0, <i32>s0 + 1, <i32>s0 + 2, <i32>s0 + 3);
    const v = f32x4.add(vmin, f32x4.mul(vamp, f32x4.mul(f32x4.convert_i32x4_s(s), vinv)));
    store<f32>(out, f32x4.extract_lane(v, 0));
    if (k > 1) store<f32>(out + 4, f32x4.extract_lane(v, 1));
    if (k > 2) store<f32>(out + 8, f32x4.extract_lane(v, 2));
    return;
  }
  const four = i32x4.splat(4);
  let s = i32x4(<i32>s0, <i32>s0 + 1, <i32>s0 + 2, <i32>s0 + 3);
  let i = 0;
  for (; i + 4 <= k; i += 4) {
    v128.store(out + (<usize>i << 2), f32x4.add(vmin, f32x4.mul(vamp, f32x4.mul(f32x4.convert_i32x4_s(s), vinv))));
    s = i32x4.add(s, four);
  }
  if (i < k) {
    const e = <i32>s0 + k - 4;
    s = i32x4(e, e + 1, e + 2, e + 3);
    v128.store(out + (<usize>(k - 4) << 2), f32x4.add(vmin, f32x4.mul(vamp, f32x4.mul(f32x4.convert_i32x4_s(s), vinv))));
  }
}
