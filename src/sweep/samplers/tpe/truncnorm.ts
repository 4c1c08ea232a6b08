// The truncated normal distribution on [low, high]: log-density, log of a normal's mass on an
// interval, and sampling by the inverse CDF, all in log space so a kernel far from its bounds
// (a mass of 1e-300 on the interval) still gives finite, exact logs.
//
// The method is the one Optuna's optuna/samplers/_tpe/_truncnorm.py takes from SciPy's
// truncnorm (`_log_gauss_mass`, `ppf`, `_ndtri_exp`): masses in the left tail, where log Phi is
// accurate, mirrored for intervals right of 0, and 1 - Phi(a) - Phi(-b) for intervals across 0;
// the inverse CDF solves log Phi(x) = y by Newton's method. Ours differs in two places, both for
// accuracy: log Phi in the left tail is log(erfcx(-x/sqrt 2) / 2) - x^2/2 (Cody's erfcx, erf.ts)
// instead of an asymptotic series; log(Phi(b) - Phi(a)) uses log(-expm1(.)) so two close bounds
// lose no digits; a narrow interval across 0 takes its mass from erf. Checked against SciPy and
// mpmath in test/sweep/samplers/tpe/truncnorm.test.ts.

import { erf, erfc, erfcx } from './erf.js';

const SQRT1_2 = Math.SQRT1_2;
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** Phi(x), the standard normal CDF. */
export function ndtr(x: number): number {
  return x < 0 ? 0.5 * erfc(-x * SQRT1_2) : 1 - 0.5 * erfc(x * SQRT1_2);
}

/** log Phi(x), exact in both tails: -x^2/2 + ... for x -> -inf, -Phi(-x) for x -> +inf. */
export function logNdtr(x: number): number {
  if (x === -Infinity) return -Infinity;
  if (x < -1) return Math.log(0.5 * erfcx(-x * SQRT1_2)) - 0.5 * x * x;
  return Math.log1p(-0.5 * erfc(x * SQRT1_2));
}

/** log of the standard normal density. */
export function normLogPdf(z: number): number {
  return -0.5 * z * z - LOG_SQRT_2PI;
}

/** log(exp(p) - exp(q)) for p >= q. */
function logDiff(p: number, q: number): number {
  if (q === -Infinity) return p;
  return p + Math.log(-Math.expm1(q - p));
}

/** log(exp(p) + exp(q)). */
function logSum(p: number, q: number): number {
  const m = Math.max(p, q);
  if (m === -Infinity) return -Infinity;
  return m + Math.log1p(Math.exp(Math.min(p, q) - m));
}

/** log(Phi(b) - Phi(a)) for a <= b: the log of a standard normal's mass on [a, b]. */
export function logGaussMass(a: number, b: number): number {
  if (b <= 0) return logDiff(logNdtr(b), logNdtr(a));
  if (a > 0) return logDiff(logNdtr(-a), logNdtr(-b));
  // Across 0: from the mass outside when that is small (a wide interval), else from erf, whose two
  // terms then have the same sign (a narrow interval around 0 would cancel in 1 - outside).
  const outside = ndtr(a) + ndtr(-b);
  if (outside < 0.5) return Math.log1p(-outside);
  return Math.log(0.5 * (erf(b * SQRT1_2) - erf(a * SQRT1_2)));
}

/**
 * The x with log Phi(x) = y (y <= 0): Newton's method on log Phi, which is increasing and
 * concave, so after the first step the iterates climb to the root from below. Near y = 0, where
 * log Phi is flat, it solves for -x instead from log Phi(-x) = log(1 - e^y). Starting points as in
 * Optuna's `_ndtri_exp`: the tail asymptote for small Phi, the logistic approximation otherwise.
 */
export function ndtriExp(y: number): number {
  if (y === -Infinity) return -Infinity;
  if (y >= 0) return Infinity;
  const flipped = y > -1e-2;
  const z = flipped ? Math.log(-Math.expm1(y)) : y;
  let x = z < -5 ? -Math.sqrt(-2 * (z + LOG_SQRT_2PI)) : -(Math.sqrt(3) / Math.PI) * Math.log(Math.expm1(-z));
  for (let i = 0; i < 100; i++) {
    const l = logNdtr(x);
    const dx = (l - z) * Math.exp(l - normLogPdf(x));
    x -= dx;
    if (Math.abs(dx) <= 1e-12 * Math.abs(x) || !Number.isFinite(dx)) break;
  }
  return flipped ? -x : x;
}

/** The q-quantile (0 <= q <= 1) of the standard normal truncated to [a, b]. */
export function truncnormPpf(q: number, a: number, b: number): number {
  if (q <= 0) return a;
  if (q >= 1) return b;
  const logMass = logGaussMass(a, b);
  let x: number;
  if (a < 0) {
    x = ndtriExp(logSum(logNdtr(a), Math.log(q) + logMass));
  } else {
    // Mirrored, so the computation stays in the left tail where log Phi is accurate.
    x = -ndtriExp(logSum(logNdtr(-b), Math.log1p(-q) + logMass));
  }
  // Rounding can step a hair outside the interval; the kernel's support is [a, b].
  return Math.min(b, Math.max(a, x));
}

/** log-density at x of N(mu, sigma^2) truncated to [low, high]; -Infinity outside. */
export function truncnormLogPdf(x: number, mu: number, sigma: number, low: number, high: number): number {
  if (x < low || x > high) return -Infinity;
  return normLogPdf((x - mu) / sigma) - logGaussMass((low - mu) / sigma, (high - mu) / sigma) - Math.log(sigma);
}

/** One draw from N(mu, sigma^2) truncated to [low, high], by the inverse CDF at u in [0, 1). */
export function truncnormFromUniform(u: number, mu: number, sigma: number, low: number, high: number): number {
  const x = mu + sigma * truncnormPpf(u, (low - mu) / sigma, (high - mu) / sigma);
  return Math.min(high, Math.max(low, x));
}
