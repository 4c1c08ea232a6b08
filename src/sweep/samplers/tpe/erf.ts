// erf, erfc and erfcx (exp(x^2) erfc(x)) for the truncated normal kernels: Node has none.
//
// W. J. Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969)
// 631-638, as Cody arranged them in his SPECFUN packet CALERF (netlib.org/specfun/erf, 1990):
// three rational approximations on |x| <= 0.46875, 0.46875 < |x| <= 4 and |x| > 4, good to about
// 18 significant digits in exact arithmetic. The coefficients below are the paper's; the code is
// ours. erfcx is what keeps log Phi(x) exact in the far left tail (truncnorm.ts): erfc underflows
// past x = 26.5, erfcx(x) ~ 1/(x sqrt(pi)) does not. Checked against SciPy in
// test/sweep/samplers/tpe/truncnorm.test.ts.

/** erf on |x| <= 0.46875: x P(x^2) / Q(x^2). */
const A = [3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947, 0.185777706184603153];
const B = [23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062];
/** erfcx on 0.46875 < |x| <= 4: P(x) / Q(x). */
const C = [
  0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131, 881.95222124176909,
  1712.04761263407058, 2051.07837782607147, 1230.33935479799725, 2.15311535474403846e-8,
];
const D = [
  15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963,
  4362.61909014324716, 3439.36767414372164, 1230.33935480374942,
];
/** erfcx on |x| > 4: (1/sqrt(pi) - P(1/x^2) / (x^2 Q(1/x^2))) / x. */
const P = [
  0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766,
  6.58749161529837803e-4, 0.0163153871373020978,
];
const Q = [2.56852019228982242, 1.87295284992346047, 0.527905102951428412, 0.0605183413124413191, 0.00233520497626869185];

const INV_SQRT_PI = 0.56418958354775628695;
/** Below this, erf(x) = 2x/sqrt(pi) to double precision (and x^2 does not underflow). */
const X_SMALL = 1.11e-16;
/** Above this, 1/(2x^2) is lost against 1 and erfcx(x) = 1/(x sqrt(pi)). */
const X_HUGE = 6.71e7;
/** erfc(x) underflows to 0 from here. */
const X_BIG = 26.543;

/** erf(x) for |x| <= 0.46875. */
function erfSmall(x: number): number {
  const y = Math.abs(x);
  const ysq = y > X_SMALL ? y * y : 0;
  let num = A[4] * ysq;
  let den = ysq;
  for (let i = 0; i < 3; i++) {
    num = (num + A[i]) * ysq;
    den = (den + B[i]) * ysq;
  }
  return (x * (num + A[3])) / (den + B[3]);
}

/** erfcx(y) for y > 0.46875. */
function erfcxLarge(y: number): number {
  if (y <= 4) {
    let num = C[8] * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + C[i]) * y;
      den = (den + D[i]) * y;
    }
    return (num + C[7]) / (den + D[7]);
  }
  if (y >= X_HUGE) return INV_SQRT_PI / y;
  const ysq = 1 / (y * y);
  let num = P[5] * ysq;
  let den = ysq;
  for (let i = 0; i < 4; i++) {
    num = (num + P[i]) * ysq;
    den = (den + Q[i]) * ysq;
  }
  return (INV_SQRT_PI - (ysq * (num + P[4])) / (den + Q[4])) / y;
}

/**
 * exp(-y^2) without the rounding of y^2 for large y: y is split into a multiple of 1/16 (whose
 * square is exact) and a small rest (Cody's device).
 */
function expMinusSquare(y: number): number {
  const head = Math.trunc(y * 16) / 16;
  const del = (y - head) * (y + head);
  return Math.exp(-head * head) * Math.exp(-del);
}

/** erfc(y) for y > 0.46875. */
function erfcPositive(y: number): number {
  if (y >= X_BIG) return 0;
  return expMinusSquare(y) * erfcxLarge(y);
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const y = Math.abs(x);
  if (y <= 0.46875) return erfSmall(x);
  const r = 1 - erfcPositive(y);
  return x < 0 ? -r : r;
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const y = Math.abs(x);
  if (y <= 0.46875) return 1 - erfSmall(x);
  const r = erfcPositive(y);
  return x < 0 ? 2 - r : r;
}

/** The scaled complementary error function exp(x^2) erfc(x); Infinity where that overflows. */
export function erfcx(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const y = Math.abs(x);
  if (y <= 0.46875) return Math.exp(x * x) * (1 - erfSmall(x));
  const r = erfcxLarge(y);
  if (x > 0) return r;
  // erfcx(-y) = 2 exp(y^2) - erfcx(y); exp(y^2) overflows past y = 26.6.
  if (y > 26.628) return Infinity;
  const head = Math.trunc(y * 16) / 16;
  const del = (y - head) * (y + head);
  const e = Math.exp(head * head) * Math.exp(del);
  return e + e - r;
}
