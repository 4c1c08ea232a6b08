// exp, tanh and the logistic sigmoid on four lanes at once, after Cephes' single-precision expf
// and tanhf (Stephen L. Moshier, Cephes Math Library 2.2: cephes/single/expf.c, tanhf.c), which
// state a peak relative error of about 2 ulp. The scalar Mathf.tanh ran at ~20 ns a value: a
// tanh network trained at a quarter of a ReLU one's speed. tfjs's own kernels are other float32
// approximations; the tests state how far the engines' numbers may differ.

/** Arguments beyond these give 2^127 or 2^-126 scaled: exp stays finite and normal (Cephes MAXLOGF, MINLOGF). */
const MAX_LOG: f32 = 88.37626266;
const MIN_LOG: f32 = -87.33654475;
const LOG2E: f32 = 1.44269504088896341;
// ln 2 split in two, so n * ln2 is exact in its first part (Cephes C1, C2).
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;

/** e^x lane by lane: x = n ln2 + r with |r| <= ln2 / 2, e^r by Cephes' polynomial, times 2^n built in the exponent bits. */
// @ts-ignore: decorator
@inline
export function expLanes(x: v128): v128 {
  const xc = f32x4.max(f32x4.min(x, f32x4.splat(MAX_LOG)), f32x4.splat(MIN_LOG));
  const n = f32x4.nearest(f32x4.mul(xc, f32x4.splat(LOG2E)));
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(n, f32x4.splat(LN2_HI))), f32x4.mul(n, f32x4.splat(LN2_LO)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  const er = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1));
  const scale = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  // A NaN argument stays NaN (the clamps above would have made it a number).
  const nan = f32x4.ne(x, x);
  return v128.bitselect(x, f32x4.mul(er, scale), nan);
}

/** 1 / (1 + e^-x) lane by lane. */
// @ts-ignore: decorator
@inline
export function sigmoidLanes(x: v128): v128 {
  const one = f32x4.splat(1);
  return f32x4.div(one, f32x4.add(one, expLanes(f32x4.neg(x))));
}

/** tanh lane by lane: Cephes' odd polynomial below |x| = 0.625, 1 - 2 / (e^2|x| + 1) with x's sign above. */
// @ts-ignore: decorator
@inline
export function tanhLanes(x: v128): v128 {
  const one = f32x4.splat(1);
  const a = f32x4.abs(x);
  const big = f32x4.sub(one, f32x4.div(f32x4.splat(2), f32x4.add(expLanes(f32x4.add(a, a)), one)));
  const signed = v128.or(big, v128.and(x, f32x4.splat(-0.0)));
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-3.33332819422e-1));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
  return v128.bitselect(signed, small, f32x4.gt(a, f32x4.splat(0.625)));
}
