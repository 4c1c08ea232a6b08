// The Multi-Power Law (Luo et al., ICLR 2025, arXiv 2503.12811), written from the paper's formula
// and the public repository's objective (thu-yao-01-luo/MultiPowerLaw, MIT; nothing copied):
//
//   L(t) = L0 + A·(S1(t) + S_W)^(−α) − LD(t)
//   LD(t) = B · Σ_{k = p+1..t} (η_{k−1} − η_k) · G(η_k^(−γ) · S_k(t)),   S_k(t) = Σ_{τ = k..t} η_τ
//   G(x)  = 1 − (C·x + 1)^(−β)
//
// η are the learning rates divided by max_lr; t is a 0-based step index and L(t) the training
// loss after steps 0..t. p is the end of the first warmup (the first peak): the first warmup's LRs
// count in S1 (as S_W; so S1(t) + S_W is simply the sum of every LR so far) and its rise is not
// in LD. Every later rise of the LR (a restart's jump, a restart's warmup) has η_{k−1} − η_k < 0
// and enters LD with that negative sign: the loss goes up after a restart and falls again.
//
// finalLoss is O(T) (suffix sums; the fitted law's use on 10^4 candidates); lossCurve is O(T^2)
// and only for whole curves.

/** The seven positive parameters. Not identifiable from a few runs: never show them as meaningful. */
export interface LawParams {
  L0: number;
  A: number;
  alpha: number;
  B: number;
  C: number;
  beta: number;
  gamma: number;
}

export const LAW_PARAM_NAMES = ['L0', 'A', 'alpha', 'B', 'C', 'beta', 'gamma'] as const;

export const paramsToArray = (p: LawParams): number[] => LAW_PARAM_NAMES.map((k) => p[k]);
export const paramsFromArray = (a: ArrayLike<number>): LawParams =>
  Object.fromEntries(LAW_PARAM_NAMES.map((k, i) => [k, a[i]])) as unknown as LawParams;

/**
 * LRs at or below this (relative to max_lr) count as this, so η^(−γ) stays finite: a step at
 * LR 0 then gives G ≈ 1 as soon as any LR follows it, and 0 while none does.
 */
export const ETA_FLOOR = 1e-12;

/** A schedule prepared for the law: LRs normalised by max_lr, their prefix sums and the first peak. */
export interface LawCurve {
  /** η_t = lr_t / max_lr, floored at ETA_FLOOR. */
  eta: Float64Array;
  /** prefix[t] = η_0 + ... + η_{t−1} (prefix[0] = 0). */
  prefix: Float64Array;
  /** The end of the first warmup: the first t with η_{t+1} <= η_t (0 when the LR never rises first). */
  peak: number;
}

/** The end of the first warmup: the first step whose next LR is not higher. */
export function firstPeak(lr: ArrayLike<number>): number {
  let p = 0;
  while (p + 1 < lr.length && lr[p + 1] > lr[p]) p++;
  return p;
}

/** Prepares an LR curve (one value per step) for the law; maxLr is the sweep's max_lr (the normaliser). */
export function prepareCurve(lr: ArrayLike<number>, maxLr: number): LawCurve {
  if (!(maxLr > 0) || !Number.isFinite(maxLr)) throw new Error(`max_lr must be a positive finite number to normalise the LRs, got ${maxLr}`);
  const n = lr.length;
  const eta = new Float64Array(n);
  const prefix = new Float64Array(n + 1);
  for (let t = 0; t < n; t++) {
    const v = lr[t] / maxLr;
    if (!Number.isFinite(v)) throw new Error(`the LR of step ${t} is not a finite number: ${lr[t]}`);
    eta[t] = v > ETA_FLOOR ? v : ETA_FLOOR;
    prefix[t + 1] = prefix[t] + eta[t];
  }
  return { eta, prefix, peak: firstPeak(eta) };
}

/** G(x) = 1 − (C·x + 1)^(−β). */
export const decayShape = (x: number, C: number, beta: number): number => 1 - Math.exp(-beta * Math.log1p(C * x));

/** The law's loss after steps 0..t, exactly: O(t). */
export function lossAt(p: LawParams, curve: LawCurve, t: number): number {
  const { eta, prefix, peak } = curve;
  const total = prefix[t + 1];
  let drop = 0;
  for (let k = peak + 1; k <= t; k++) {
    const gap = eta[k - 1] - eta[k];
    if (gap === 0) continue;
    const x = Math.exp(-p.gamma * Math.log(eta[k])) * (total - prefix[k]);
    drop += gap * decayShape(x, p.C, p.beta);
  }
  return p.L0 + p.A * Math.pow(total, -p.alpha) - p.B * drop;
}

/**
 * The law's loss averaged over the last `window` steps (1: the final step), from up to `samples`
 * evenly spaced steps of that window; O(samples·T). The prediction a candidate is ranked by.
 */
export function finalLoss(p: LawParams, curve: LawCurve, window = 1, samples = 3): number {
  const n = curve.eta.length;
  const w = Math.max(1, Math.min(window, n));
  const m = Math.max(1, Math.min(samples, w));
  let sum = 0;
  for (let i = 0; i < m; i++) sum += lossAt(p, curve, n - w + Math.floor(((i + 0.5) * w) / m));
  return sum / m;
}

/** The law's loss after every step: O(T^2); for charts and the law pruner, not for ranking. */
export function lossCurve(p: LawParams, curve: LawCurve): Float64Array {
  const n = curve.eta.length;
  const out = new Float64Array(n);
  for (let t = 0; t < n; t++) out[t] = lossAt(p, curve, t);
  return out;
}
