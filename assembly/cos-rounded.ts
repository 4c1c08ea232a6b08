// cos(x) rounded correctly (but for arguments nearer a rounding boundary than about 2^-70
// relative): the argument reduced by pi/2 in double-double (pi/2 as four parts, 150 bits), then
// the Taylor series of cos or sin with its first terms in double-double, and one final rounding.
// Python's math.cos is glibc's (IBM Accurate Mathematical Library, max error 0.548 ulp): where it
// rounds correctly, which is nearly everywhere, this agrees with it bit for bit; fdlibm's cos
// (musl, V8, NativeMath) differs from it in the last bit for about 3% of arguments.
// No FMA in WebAssembly: products are split exactly (Dekker/Veltkamp). Arguments up to 2^19 * pi.

// pi/2 in four parts, fdlibm's: the first three have 33 bits, so n * part is exact for n < 2^20
const PIO2_1: f64 = 1.57079632673412561417e+00;
const PIO2_2: f64 = 6.07710050630396597660e-11;
const PIO2_3: f64 = 2.02226624871116645580e-21;
const PIO2_3T: f64 = 8.47842766036889956997e-32;
const INV_PIO2: f64 = 6.36619772367581382433e-01;

// (-1)^k / (2k)! and (-1)^k / (2k+1)!, each a double-double hi + lo
const C2H: f64 = 0.041666666666666664; const C2L: f64 = 2.3129646346357427e-18;
const C3H: f64 = -0.001388888888888889; const C3L: f64 = 5.300543954373577e-20;
const C4H: f64 = 2.48015873015873e-05; const C4L: f64 = 2.1511947866775882e-23;
const C5: f64 = -2.755731922398589e-07;
const C6: f64 = 2.08767569878681e-09;
const C7: f64 = -1.1470745597729725e-11;
const C8: f64 = 4.779477332387385e-14;
const C9: f64 = -1.5619206968586225e-16;
const C10: f64 = 4.110317623312165e-19;
const C11: f64 = -8.896791392450574e-22;
const S1H: f64 = -0.16666666666666666; const S1L: f64 = -9.25185853854297e-18;
const S2H: f64 = 0.008333333333333333; const S2L: f64 = 1.1564823173178714e-19;
const S3H: f64 = -0.0001984126984126984; const S3L: f64 = -1.7209558293420705e-22;
const S4H: f64 = 2.7557319223985893e-06; const S4L: f64 = -1.858393274046472e-22;
const S5: f64 = -2.505210838544172e-08;
const S6: f64 = 1.6059043836821613e-10;
const S7: f64 = -7.647163731819816e-13;
const S8: f64 = 2.8114572543455206e-15;
const S9: f64 = -8.22063524662433e-18;
const S10: f64 = 1.9572941063391263e-20;

const SPLIT: f64 = 134217729.0; // 2^27 + 1

// The low part of the last double-double operation (AssemblyScript has no tuples).
let lo: f64 = 0;

/** a * b exactly as hi (returned) + lo. */
// @ts-ignore: decorator
@inline
function twoProd(a: f64, b: f64): f64 {
  const p = a * b;
  let c = SPLIT * a;
  const ah = c - (c - a), al = a - ah;
  c = SPLIT * b;
  const bh = c - (c - b), bl = b - bh;
  lo = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
  return p;
}

/** a + b exactly as hi (returned) + lo. */
// @ts-ignore: decorator
@inline
function twoSum(a: f64, b: f64): f64 {
  const s = a + b;
  const bb = s - a;
  lo = (a - (s - bb)) + (b - bb);
  return s;
}

/** (xh + xl) * (yh + yl) + (ch + cl), as hi (returned) + lo. */
// @ts-ignore: decorator
@inline
function mulAdd(xh: f64, xl: f64, yh: f64, yl: f64, ch: f64, cl: f64): f64 {
  const ph = twoProd(xh, yh);
  const pl = lo + (xh * yl + xl * yh);
  const sh = twoSum(ch, ph);
  const sl = lo + cl + pl;
  const h = sh + sl;
  lo = sl - (h - sh);
  return h;
}

/** cos(x), correctly rounded but for the rarest arguments. */
export function cosRounded(x: f64): f64 {
  const ax = Math.abs(x);
  if (!isFinite(ax)) return NaN;
  let rh: f64, rl: f64, n: i32;
  if (ax <= 0.7853981633974483) {
    rh = ax; rl = 0; n = 0;
  } else {
    const fn = Math.floor(ax * INV_PIO2 + 0.5);
    n = <i32>(<i64>fn & 3);
    const r1 = ax - fn * PIO2_1; // exact: Sterbenz, and fn * PIO2_1 has at most 53 bits
    const s1 = twoSum(r1, -(fn * PIO2_2));
    const e1 = lo;
    const s2 = twoSum(s1, -(fn * PIO2_3));
    const tail = lo + e1 - fn * PIO2_3T;
    rh = s2 + tail;
    rl = tail - (rh - s2);
  }
  // z = r^2
  let zh = twoProd(rh, rh);
  let zl = lo + 2.0 * rh * rl;
  const z = zh + zl;
  zl = zl - (z - zh);
  zh = z;
  let h: f64, l: f64;
  if ((n & 1) == 0) {
    // cos r = 1 + z(-1/2 + z(C2 + z(C3 + z(C4 + z q))))
    const q = C5 + zh * (C6 + zh * (C7 + zh * (C8 + zh * (C9 + zh * (C10 + zh * C11)))));
    h = mulAdd(zh, zl, q, 0, C4H, C4L); l = lo;
    h = mulAdd(zh, zl, h, l, C3H, C3L); l = lo;
    h = mulAdd(zh, zl, h, l, C2H, C2L); l = lo;
    h = mulAdd(zh, zl, h, l, -0.5, 0); l = lo;
    h = mulAdd(zh, zl, h, l, 1.0, 0); l = lo;
  } else {
    // sin r = r + r z(S1 + z(S2 + z(S3 + z(S4 + z q))))
    const q = S5 + zh * (S6 + zh * (S7 + zh * (S8 + zh * (S9 + zh * S10))));
    h = mulAdd(zh, zl, q, 0, S4H, S4L); l = lo;
    h = mulAdd(zh, zl, h, l, S3H, S3L); l = lo;
    h = mulAdd(zh, zl, h, l, S2H, S2L); l = lo;
    h = mulAdd(zh, zl, h, l, S1H, S1L); l = lo;
    h = mulAdd(zh, zl, h, l, 0, 0); l = lo; // z * (...)
    h = mulAdd(rh, rl, h, l, rh, rl); l = lo; // r + r * z * (...)
  }
  const v = h + l;
  // quadrants: cos, -sin, -cos, sin
  return n == 0 || n == 3 ? v : -v;
}
