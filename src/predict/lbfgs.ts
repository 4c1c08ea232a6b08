// L-BFGS for a smooth unconstrained objective (the law's fit works on log parameters, so positive
// parameters need no bounds). Written here rather than taken from npm: the packages there are
// either unmaintained (fmin 0.0.4 has no L-BFGS; optimization-js 1.5.0 is a student project) or
// Levenberg-Marquardt (ml-levenberg-marquardt: least squares, not our Huber objective), and the
// algorithm is short. Nocedal & Wright, Numerical Optimization, Algorithm 7.4 (two-loop recursion)
// with a backtracking Armijo line search; deterministic (no randomness at all).

/** f and its gradient at x; writes the gradient into `grad` and returns f (Infinity where undefined). */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  /** Pairs kept for the inverse-Hessian estimate. */
  memory?: number;
  maxIterations?: number;
  /** Stop when the largest gradient component is below this. */
  gradientTolerance?: number;
  /** Stop when f improves by less than this, relative to max(|f|, 1), for `patience` iterations in a row. */
  relativeTolerance?: number;
  patience?: number;
}

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  iterations: number;
  /** Why it stopped: a tolerance met, no descent found along the search direction (a local minimum or kink), or the iteration limit. */
  stop: 'gradient' | 'stalled' | 'line-search' | 'iterations' | 'not-finite';
}

const DEFAULTS: Required<LbfgsOptions> = { memory: 8, maxIterations: 300, gradientTolerance: 1e-9, relativeTolerance: 1e-9, patience: 5 };

const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

export function lbfgs(objective: Objective, start: ArrayLike<number>, options: LbfgsOptions = {}): LbfgsResult {
  const o = { ...DEFAULTS, ...options };
  const n = start.length;
  let x = Float64Array.from(start);
  let g = new Float64Array(n);
  let f = objective(x, g);
  if (!Number.isFinite(f)) return { x, f, iterations: 0, stop: 'not-finite' };
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(o.memory);
  const d = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  let flat = 0;
  for (let it = 1; it <= o.maxIterations; it++) {
    if (g.reduce((m, v) => Math.max(m, Math.abs(v)), 0) < o.gradientTolerance) return { x, f, iterations: it - 1, stop: 'gradient' };
    // Two-loop recursion: d = −H·g.
    for (let i = 0; i < n; i++) d[i] = -g[i];
    for (let j = S.length - 1; j >= 0; j--) {
      alpha[j] = rho[j] * dot(S[j], d);
      for (let i = 0; i < n; i++) d[i] -= alpha[j] * Y[j][i];
    }
    if (S.length > 0) {
      const last = S.length - 1;
      const scale = dot(S[last], Y[last]) / dot(Y[last], Y[last]);
      for (let i = 0; i < n; i++) d[i] *= scale;
    } else {
      const norm = Math.sqrt(dot(g, g));
      for (let i = 0; i < n; i++) d[i] /= Math.max(norm, 1);
    }
    for (let j = 0; j < S.length; j++) {
      const beta = rho[j] * dot(Y[j], d);
      for (let i = 0; i < n; i++) d[i] += S[j][i] * (alpha[j] - beta);
    }
    let slope = dot(g, d);
    if (!(slope < 0)) {
      // Not a descent direction (a kink of the Huber loss can do this): restart from steepest descent.
      S.length = 0; Y.length = 0; rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i] / Math.max(Math.sqrt(dot(g, g)), 1);
      slope = dot(g, d);
    }
    // Backtracking: the largest step of 1, 1/2, 1/4, ... with sufficient decrease (Armijo, c = 1e-4).
    let step = 1;
    let fNew = Infinity;
    for (let tries = 0; tries < 40; tries++, step /= 2) {
      for (let i = 0; i < n; i++) xNew[i] = x[i] + step * d[i];
      fNew = objective(xNew, gNew);
      if (Number.isFinite(fNew) && fNew <= f + 1e-4 * step * slope) break;
      fNew = Infinity;
    }
    if (!Number.isFinite(fNew)) return { x, f, iterations: it, stop: 'line-search' };
    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = xNew[i] - x[i];
      y[i] = gNew[i] - g[i];
    }
    const sy = dot(s, y);
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (S.length === o.memory) { S.shift(); Y.shift(); rho.shift(); }
      S.push(s); Y.push(y); rho.push(1 / sy);
    }
    const improvement = f - fNew;
    x = Float64Array.from(xNew);
    g = Float64Array.from(gNew);
    f = fNew;
    flat = improvement <= o.relativeTolerance * Math.max(Math.abs(f), 1) ? flat + 1 : 0;
    if (flat >= o.patience) return { x, f, iterations: it, stop: 'stalled' };
  }
  return { x, f, iterations: o.maxIterations, stop: 'iterations' };
}
