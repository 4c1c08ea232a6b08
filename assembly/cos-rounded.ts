// cos(x), correctly rounded (for |x| < 2^20 * pi/2), so that it equals the cos CPython calls (glibc's,
// which rounds correctly but for a vanishing fraction of arguments) where fdlibm's, 1 ulp off for
// about 1% of OneCycle's arguments, does not. Ziv's strategy:
// - fast: musl's cos (fdlibm's __rem_pio2 medium reduction and __cos/__sin, the operations of
//   cos.ts's kernels, here scalar), keeping the kernel's last rounding error as a tail lo (Fast2Sum), so hi + lo is cos(x) within
//   FAST_ERROR * |hi|; where hi + lo +- that bound rounds to hi both ways, hi is the rounded value.
// - slow (the rest, about 1 in 10): the reduction in double-double against pi/2 in three parts
//   (119 bits), then the Taylor series (its first terms in double-double; about 2^-80), rounded once.
// Nothing here is glibc's code (LGPL); the fast path is fdlibm/musl (permissive), the slow path a
// textbook series.

const INVPIO2: f64 = 6.36619772367581382433e-01;
const PIO4: f64 = 7.85398163397448278999e-01;
const PIO2_1: f64 = 1.57079632673412561417e+00;
const PIO2_1T: f64 = 6.07710050650619224932e-11;
const PIO2_2: f64 = 6.07710050630396597660e-11;
const PIO2_2T: f64 = 2.02226624879595063154e-21;
const PIO2_3: f64 = 2.02226624871116645580e-21;
const PIO2_3T: f64 = 8.47842766036889956997e-32;
const TOINT: f64 = 6755399441055744.0; // 1.5 / EPSILON
/**
 * Bound on |hi + lo - cos(x)| / |hi| for the fast path: fdlibm's polynomials are within 2^-58, the
 * reduction within 2^-80, and the terms still rounded are below 2^-59 of the result.
 */
const FAST_ERROR: f64 = 1.3877787807814457e-17; // 2^-56
const SPLIT: f64 = 134217729.0; // 2^27 + 1

// @ts-ignore: decorator
@inline
function high(x: f64): u32 {
  return <u32>(reinterpret<u64>(x) >> 32);
}

// ---- double-double helpers (value hi + lo); results in the globals rh, rl ----

let rh: f64 = 0.0;
let rl: f64 = 0.0;

// @ts-ignore: decorator
@inline
function twoSum(a: f64, b: f64): void {
  const s = a + b;
  const bb = s - a;
  rh = s;
  rl = (a - (s - bb)) + (b - bb);
}

// @ts-ignore: decorator
@inline
function twoProd(a: f64, b: f64): void {
  const p = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b), bl = b - bh;
  rh = p;
  rl = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

// @ts-ignore: decorator
@inline
function ddAdd(ah: f64, al: f64, bh: f64, bl: f64): void {
  twoSum(ah, bh);
  const sh = rh, sl = rl + al + bl;
  twoSum(sh, sl);
}

// @ts-ignore: decorator
@inline
function ddMul(ah: f64, al: f64, bh: f64, bl: f64): void {
  twoProd(ah, bh);
  const ph = rh, pl = rl + (ah * bl + al * bh);
  twoSum(ph, pl);
}

/** (ah + al) / d for a small integer d. */
// @ts-ignore: decorator
@inline
function ddDiv(ah: f64, al: f64, d: f64): void {
  const q1 = ah / d;
  twoProd(q1, d);
  const r = ((ah - rh) - rl) + al;
  const q2 = r / d;
  twoSum(q1, q2);
}

// ---- slow path ----

/**
 * cos (odd = false) or sin (odd = true) of y = yh + yl, |y| <= pi/4 + a little; the result in rh,
 * rl. The first terms in double-double, the rest (below (pi/4)^10 / 10!, 2.5e-8) in double, so the
 * sum is within about 2^-80: far inside the fast path's 2^-56, at a seventh of a whole
 * double-double series' cost.
 */
function series(yh: f64, yl: f64, odd: bool): void {
  ddMul(yh, yl, yh, yl);
  const sh = -rh, sl = -rl; // -y^2
  let th: f64 = 1.0, tl: f64 = 0.0; // the term
  if (odd) { th = yh; tl = yl; }
  let ah = th, al = tl; // the sum
  let k: f64 = odd ? 1.0 : 0.0;
  for (let n = 0; n < 4; n++) {
    ddMul(th, tl, sh, sl);
    ddDiv(rh, rl, (k + 1.0) * (k + 2.0));
    th = rh; tl = rl;
    k += 2.0;
    ddAdd(ah, al, th, tl);
    ah = rh; al = rl;
  }
  let tail: f64 = 0.0;
  let t = th;
  for (let n = 0; n < 12; n++) {
    t = t * sh / ((k + 1.0) * (k + 2.0));
    k += 2.0;
    tail += t;
    if (abs(t) < 1e-34) break;
  }
  ddAdd(ah, al, tail, 0.0);
}

function cosSlow(x: f64): f64 {
  const fn = x * INVPIO2 + TOINT - TOINT;
  // x - fn * pi/2, pi/2 = PIO2_1 + PIO2_2 + PIO2_2T (33 + 33 + 53 bits): the first two products exact
  const r1 = x - fn * PIO2_1;
  twoSum(r1, -(fn * PIO2_2));
  ddAdd(rh, rl, -(fn * PIO2_2T), 0.0);
  const yh = rh, yl = rl;
  const n = <i32>(<i64>fn) & 3;
  series(yh, yl, (n & 1) == 1);
  const v = rh + rl;
  return n == 1 || n == 2 ? -v : v;
}

// ---- fast path ----

/** cos(x) for |x| < 2^20 * pi/2, correctly rounded. */
export function cosRounded(x: f64): f64 {
  const ix = high(x) & 0x7fffffff;
  if (ix < 0x3e46a09e) return 1.0; // |x| < 2^-27 * sqrt(2): cos(x) rounds to 1
  let y0: f64 = x, y1: f64 = 0.0, fn: f64 = 0.0;
  if (ix > 0x3fe921fb) { // |x| > pi/4: musl's __rem_pio2, medium size
    fn = x * INVPIO2 + TOINT - TOINT;
    let r = x - fn * PIO2_1;
    let w = fn * PIO2_1T;
    if (r - w < -PIO4) {
      fn -= 1.0;
      r = x - fn * PIO2_1;
      w = fn * PIO2_1T;
    } else if (r - w > PIO4) {
      fn += 1.0;
      r = x - fn * PIO2_1;
      w = fn * PIO2_1T;
    }
    y0 = r - w;
    const ex = <i32>(ix >> 20);
    let ey = <i32>((high(y0) >> 20) & 0x7ff);
    if (ex - ey > 16) {
      let t = r;
      w = fn * PIO2_2;
      r = t - w;
      w = fn * PIO2_2T - ((t - r) - w);
      y0 = r - w;
      ey = <i32>((high(y0) >> 20) & 0x7ff);
      if (ex - ey > 49) {
        t = r;
        w = fn * PIO2_3;
        r = t - w;
        w = fn * PIO2_3T - ((t - r) - w);
        y0 = r - w;
      }
    }
    y1 = (r - y0) - w;
  }
  const n = <i32>(<i64>fn) & 3;
  // fdlibm's kernels, with the rounding errors that would exceed the bound kept: y0^2 exact (as
  // zh + zl), and for sin the cubic term y0^3 * S1 in double-double; the last addition by Fast2Sum.
  twoProd(y0, y0);
  const zh = rh, zl = rl;
  let hi: f64, lo: f64;
  if ((n & 1) == 0) {
    const hz = 0.5 * zh;
    const head = 1.0 - hz;
    const tail = (((1.0 - head) - hz) - 0.5 * zl) + (zh * cosPoly(zh) - y0 * y1);
    hi = head + tail;
    lo = tail - (hi - head);
  } else {
    ddMul(zh, zl, y0, 0.0);
    ddMul(rh, rl, S1, 0.0); // v * S1, v = y0^3
    const ph = rh, pl = rl;
    const small = zh * (0.5 * y1 - (zh * y0) * sinPoly(zh)) - y1; // sin = y0 - (small - v * S1)
    twoSum(y0, ph);
    const sh = rh, sl = (rl + pl) - small;
    hi = sh + sl;
    lo = sl - (hi - sh);
  }
  const e = FAST_ERROR * abs(hi);
  if (hi + (lo + e) != hi || hi + (lo - e) != hi) return cosSlow(x);
  return n == 1 || n == 2 ? -hi : hi;
}

// The kernels' tails, in the kernels' own operations (cos.ts; fdlibm's __cos and __sin).
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

/** __cos's r: cos(x) = 1 - z/2 + z * r, z = x^2. */
// @ts-ignore: decorator
@inline
function cosPoly(z: f64): f64 {
  const w = z * z;
  return z * (C1 + z * (C2 + z * C3)) + w * w * (C4 + z * (C5 + z * C6));
}

/** __sin's r: sin(x) = x + x^3 * S1 + x^3 * z * r, z = x^2. */
// @ts-ignore: decorator
@inline
function sinPoly(z: f64): f64 {
  const w = z * z;
  return S2 + z * (S3 + z * S4) + z * w * (S5 + z * S6);
}
