// Vector sine and cosine kernels for reduced arguments |r| <= pi/4 (anneal.ts does the reduction:
// for f64 in two parts, as fdlibm's __ieee754_rem_pio2, leaving a tail y; for f32 exactly, in
// integers). Only the kernels, no reduction and no branches.
// f64: fdlibm's __cos and __sin (musl src/math/__cos.c and __sin.c) with the reduction's tail y
// (0 in the first quadrant, where nothing is subtracted); about 1 ulp.
// f32: Cephes sinf/cosf polynomials on [-pi/4, pi/4], computed in float32 (error about 1e-7).

const C1: f64 = 4.16666666666666019037e-02;
const C2: f64 = -1.38888888888741095749e-03;
const C3: f64 = 2.48015872894767294178e-05;
const C4: f64 = -2.75573143513906633035e-07;
const C5: f64 = 2.08757232129817482790e-09;
const C6: f64 = -1.13596475577881948265e-11;

const S1: f64 = -1.66666666666666324348e-01;
const S2: f64 = 8.33333333332248946124e-03;
const S3: f64 = -1.98412698298579493134e-04;
const S4: f64 = 2.75573137070700676789e-06;
const S5: f64 = -2.50507602534068634195e-08;
const S6: f64 = 1.58969099521155010221e-10;

/** cos(r + y) of each lane, |r| <= pi/4, y the tail of r (fdlibm __cos(r, y)). */
// @ts-ignore: decorator
@inline
export function cosKernel2(r: v128, y: v128): v128 {
  const z = f64x2.mul(r, r);
  const w = f64x2.mul(z, z);
  const p = f64x2.add(
    f64x2.mul(z, f64x2.add(f64x2.splat(C1), f64x2.mul(z, f64x2.add(f64x2.splat(C2), f64x2.mul(z, f64x2.splat(C3)))))),
    f64x2.mul(f64x2.mul(w, w), f64x2.add(f64x2.splat(C4), f64x2.mul(z, f64x2.add(f64x2.splat(C5), f64x2.mul(z, f64x2.splat(C6)))))),
  );
  const hz = f64x2.mul(f64x2.splat(0.5), z);
  const one = f64x2.splat(1.0);
  const hw = f64x2.sub(one, hz);
  // w + (((1 - w) - hz) + (z * p - r * y)): the rounding error of 1 - hz is added back
  return f64x2.add(hw, f64x2.add(f64x2.sub(f64x2.sub(one, hw), hz), f64x2.sub(f64x2.mul(z, p), f64x2.mul(r, y))));
}

/** sin(r + y) of each lane, |r| <= pi/4, y the tail of r (fdlibm __sin(r, y, 1)). */
// @ts-ignore: decorator
@inline
export function sinKernel2(r: v128, y: v128): v128 {
  const z = f64x2.mul(r, r);
  const w = f64x2.mul(z, z);
  const p = f64x2.add(
    f64x2.add(f64x2.splat(S2), f64x2.mul(z, f64x2.add(f64x2.splat(S3), f64x2.mul(z, f64x2.splat(S4))))),
    f64x2.mul(f64x2.mul(z, w), f64x2.add(f64x2.splat(S5), f64x2.mul(z, f64x2.splat(S6)))),
  );
  const v = f64x2.mul(z, r);
  // r - ((z * (y / 2 - v * p) - y) - v * S1)
  const inner = f64x2.sub(f64x2.mul(z, f64x2.sub(f64x2.mul(f64x2.splat(0.5), y), f64x2.mul(v, p))), y);
  return f64x2.sub(r, f64x2.sub(inner, f64x2.mul(v, f64x2.splat(S1))));
}

/** cos of each lane, |r| <= pi/4, in float32 (Cephes cosf). */
// @ts-ignore: decorator
@inline
export function cosKernel4(r: v128): v128 {
  const z = f32x4.mul(r, r);
  const p = f32x4.add(f32x4.splat(4.166664568298827e-2),
    f32x4.mul(z, f32x4.add(f32x4.splat(-1.388731625493765e-3), f32x4.mul(z, f32x4.splat(2.443315711809948e-5)))));
  return f32x4.add(f32x4.sub(f32x4.splat(1.0), f32x4.mul(f32x4.splat(0.5), z)), f32x4.mul(f32x4.mul(z, z), p));
}

/** sin of each lane, |r| <= pi/4, in float32 (Cephes sinf). */
// @ts-ignore: decorator
@inline
export function sinKernel4(r: v128): v128 {
  const z = f32x4.mul(r, r);
  const p = f32x4.add(f32x4.splat(-1.6666654611e-1),
    f32x4.mul(z, f32x4.add(f32x4.splat(8.3321608736e-3), f32x4.mul(z, f32x4.splat(-1.9515295891e-4)))));
  return f32x4.add(r, f32x4.mul(f32x4.mul(z, r), p));
}
