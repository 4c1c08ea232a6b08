// Vector cosines for arguments in [0, pi], the only range the schedules use.
// Reduction: n = round(x / (pi/2)) in {0, 1, 2}, r = x - n * pi/2 in [-pi/4, pi/4] (Cody-Waite,
// pi/2 split in two parts as in fdlibm's __ieee754_rem_pio2), then
// cos(x) = cos(r), -sin(r), -cos(r) for n = 0, 1, 2. Both kernels are evaluated and selected
// per lane, so there are no branches. The f64 kernels are fdlibm's (musl src/math/__cos.c and
// __sin.c, with the reduction tail y), accurate to about 1 ulp; the golden tolerance is far wider.

// fdlibm: first 33 bits of pi/2, and pi/2 - PIO2_1.
const PIO2_1: f64 = 1.57079632673412561417e+00;
const PIO2_1T: f64 = 6.07710050650619224932e-11;
const INV_PIO2: f64 = 6.36619772367581382433e-01;

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

/** cos of each lane of x, x in [0, pi]. */
// @ts-ignore: decorator
@inline
export function cos2(x: v128): v128 {
  const n = f64x2.nearest(f64x2.mul(x, f64x2.splat(INV_PIO2)));
  const z0 = f64x2.sub(x, f64x2.mul(n, f64x2.splat(PIO2_1)));
  const t = f64x2.mul(n, f64x2.splat(PIO2_1T));
  const r = f64x2.sub(z0, t); // reduced argument
  const y = f64x2.sub(f64x2.sub(z0, r), t); // its tail

  const z = f64x2.mul(r, r);
  const w = f64x2.mul(z, z);

  // __cos(r, y)
  const cr = f64x2.add(
    f64x2.mul(z, f64x2.add(f64x2.splat(C1), f64x2.mul(z, f64x2.add(f64x2.splat(C2), f64x2.mul(z, f64x2.splat(C3)))))),
    f64x2.mul(f64x2.mul(w, w), f64x2.add(f64x2.splat(C4), f64x2.mul(z, f64x2.add(f64x2.splat(C5), f64x2.mul(z, f64x2.splat(C6)))))),
  );
  const hz = f64x2.mul(f64x2.splat(0.5), z);
  const one = f64x2.splat(1.0);
  const cw = f64x2.sub(one, hz);
  const cosr = f64x2.add(cw, f64x2.add(f64x2.sub(f64x2.sub(one, cw), hz), f64x2.sub(f64x2.mul(z, cr), f64x2.mul(r, y))));

  // __sin(r, y, 1)
  const sr = f64x2.add(
    f64x2.add(f64x2.splat(S2), f64x2.mul(z, f64x2.add(f64x2.splat(S3), f64x2.mul(z, f64x2.splat(S4))))),
    f64x2.mul(f64x2.mul(z, w), f64x2.add(f64x2.splat(S5), f64x2.mul(z, f64x2.splat(S6)))),
  );
  const v = f64x2.mul(z, r);
  const inner = f64x2.sub(f64x2.mul(z, f64x2.sub(f64x2.mul(f64x2.splat(0.5), y), f64x2.mul(v, sr))), y);
  const sinr = f64x2.sub(r, f64x2.sub(inner, f64x2.mul(v, f64x2.splat(S1))));

  const isOne = f64x2.eq(n, one);
  const isZero = f64x2.eq(n, f64x2.splat(0.0));
  const odd = v128.bitselect(f64x2.neg(sinr), f64x2.neg(cosr), isOne);
  return v128.bitselect(cosr, odd, isZero);
}

// float32: pi/2 in two f32 parts, and minimax polynomials on [-pi/4, pi/4] (Cephes sinf/cosf).
const PIO2_HI_F: f32 = 1.5707963705062866;
const PIO2_LO_F: f32 = -4.371139000186243e-8;
const INV_PIO2_F: f32 = 0.6366197723675814;

/** cos of each lane of x, x in [0, pi], computed in float32 throughout (error about 1e-7). */
// @ts-ignore: decorator
@inline
export function cos4(x: v128): v128 {
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(INV_PIO2_F)));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(n, f32x4.splat(PIO2_HI_F))), f32x4.mul(n, f32x4.splat(PIO2_LO_F)));
  const z = f32x4.mul(r, r);
  // sin(r) = r + r^3 (s1 + z (s2 + z s3)); cos(r) = 1 - z/2 + z^2 (c1 + z (c2 + z c3))
  const sp = f32x4.add(f32x4.splat(-1.6666654611e-1),
    f32x4.mul(z, f32x4.add(f32x4.splat(8.3321608736e-3), f32x4.mul(z, f32x4.splat(-1.9515295891e-4)))));
  const sinr = f32x4.add(r, f32x4.mul(f32x4.mul(z, r), sp));
  const cp = f32x4.add(f32x4.splat(4.166664568298827e-2),
    f32x4.mul(z, f32x4.add(f32x4.splat(-1.388731625493765e-3), f32x4.mul(z, f32x4.splat(2.443315711809948e-5)))));
  const cosr = f32x4.add(f32x4.sub(f32x4.splat(1.0), f32x4.mul(f32x4.splat(0.5), z)), f32x4.mul(f32x4.mul(z, z), cp));
  const one = f32x4.splat(1.0);
  const odd = v128.bitselect(f32x4.neg(sinr), f32x4.neg(cosr), f32x4.eq(n, one));
  return v128.bitselect(cosr, odd, f32x4.eq(n, f32x4.splat(0.0)));
}
