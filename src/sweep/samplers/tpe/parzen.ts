// The Parzen estimator: a weighted mixture with one kernel per observed trial plus a prior
// kernel, each kernel a product over the parameters it models (truncated normal for numbers,
// discretised for ints, a smoothed categorical for choices). TPE builds one per parameter (tpe.ts);
// the mixture takes several parameters (a kernel keeping a trial's values together) all the same.
// From Optuna's optuna/samplers/_tpe/parzen_estimator.py (`_ParzenEstimator`) and
// probability_distributions.py (`_MixtureOfProductDistribution`); bandwidths as in Optuna 3.1,
// float densities as in Optuna 3.5 (each kernel's 1/sigma, which 3.1 left out).

import { defaultWeights } from './history.js';
import { type KernelBounds, type TpeParam, fromKernelSpace, kernelBounds } from './space.js';
import { logGaussMass, normLogPdf, truncnormFromUniform } from './truncnorm.js';

export interface ParzenOptions {
  /** Weight of the prior kernel against each trial's (Optuna: prior_weight = 1.0). */
  priorWeight: number;
  /** Floor each bandwidth at range / min(100, kernels + 1) (Optuna: consider_magic_clip = True). */
  considerMagicClip: boolean;
  /** Let the outermost kernels' bandwidths reach the bounds (Optuna: consider_endpoints = False). */
  considerEndpoints: boolean;
}

interface NumericDim {
  kind: 'numeric';
  param: Exclude<TpeParam, { kind: 'categorical' }>;
  bounds: KernelBounds;
  mus: Float64Array;
  sigmas: Float64Array;
  /** Per kernel: log of its normal's mass on the bounds plus log sigma (the density's normaliser). */
  logNorm: Float64Array;
  /** Per kernel: log of its normal's mass on the bounds (for ints). */
  logMass: Float64Array;
}

interface CategoricalDim {
  kind: 'categorical';
  param: Extract<TpeParam, { kind: 'categorical' }>;
  /** Per kernel, the probability of each choice. */
  probs: Float64Array[];
}

type Dim = NumericDim | CategoricalDim;

export interface Mixture {
  dims: Dim[];
  /** Mixture weights, summing to 1; the prior kernel is the last. */
  weights: Float64Array;
  logWeights: Float64Array;
}

/**
 * Bandwidths by the neighbour rule of Optuna 3.1's univariate `_calculate_numerical_params`: the
 * kernels' centres (the prior's, the midpoint, among them) are sorted between the two bounds and
 * each gets the larger of its gaps to its neighbours; without consider_endpoints the outermost
 * two take their inner gap instead of the gap to the bound; then the magic clip keeps each within
 * [range / min(100, 1 + kernels), range]. The prior kernel's bandwidth is the whole range.
 */
function bandwidths(mus: Float64Array, b: KernelBounds, o: ParzenOptions): Float64Array {
  const n = mus.length;
  const order = Array.from(mus.keys()).sort((i, j) => mus[i] - mus[j] || i - j);
  const withEnds = [b.low, ...order.map((i) => mus[i]), b.high];
  const sorted = new Float64Array(n);
  for (let k = 0; k < n; k++) sorted[k] = Math.max(withEnds[k + 1] - withEnds[k], withEnds[k + 2] - withEnds[k + 1]);
  if (!o.considerEndpoints && withEnds.length >= 4) {
    sorted[0] = withEnds[2] - withEnds[1];
    sorted[n - 1] = withEnds[n] - withEnds[n - 1];
  }
  const range = b.high - b.low;
  const min = o.considerMagicClip ? range / Math.min(100, 1 + n) : 1e-12;
  const sigmas = new Float64Array(n);
  order.forEach((i, k) => (sigmas[i] = Math.min(range, Math.max(min, sorted[k]))));
  sigmas[n - 1] = range; // the prior
  return sigmas;
}

function numericDim(param: NumericDim['param'], obs: readonly number[], o: ParzenOptions): NumericDim {
  const bounds = kernelBounds(param);
  const mus = Float64Array.from([...obs, 0.5 * (bounds.low + bounds.high)]);
  const sigmas = bandwidths(mus, bounds, o);
  const logMass = mus.map((mu, k) => logGaussMass((bounds.low - mu) / sigmas[k], (bounds.high - mu) / sigmas[k]));
  // A density (Optuna >= 3.5; 3.1 left out log sigma: tpe/index.ts says what that measured).
  const logNorm = logMass.map((m, k) => m + Math.log(sigmas[k]));
  return { kind: 'numeric', param, bounds, mus, sigmas, logNorm, logMass };
}

/**
 * Optuna's `_calculate_categorical_distributions`: each trial's kernel puts prior_weight / kernels
 * on every choice and 1 more on the trial's own, normalised; the prior kernel is uniform.
 */
function categoricalDim(param: CategoricalDim['param'], obs: readonly number[], o: ParzenOptions): CategoricalDim {
  const c = param.choices.length;
  const kernels = obs.length + 1;
  const probs = obs.map((index) => {
    const row = new Float64Array(c).fill(o.priorWeight / kernels);
    row[index] += 1;
    const sum = row.reduce((s, v) => s + v, 0);
    return row.map((v) => v / sum);
  });
  probs.push(new Float64Array(c).fill(1 / c));
  return { kind: 'categorical', param, probs };
}

/**
 * The estimator over `params` from observations in internal form (obs[trial][dim]), in trial
 * order (the weights ramp by age). With no observation it is the prior alone.
 */
export function buildMixture(params: readonly TpeParam[], obs: readonly number[][], o: ParzenOptions): Mixture {
  const raw = [...defaultWeights(obs.length), o.priorWeight];
  const total = raw.reduce((s, v) => s + v, 0);
  const weights = Float64Array.from(raw, (w) => w / total);
  const dims = params.map((p, d) => {
    const column = obs.map((row) => row[d]);
    return p.kind === 'categorical' ? categoricalDim(p, column, o) : numericDim(p, column, o);
  });
  return { dims, weights, logWeights: weights.map(Math.log) };
}

function pick(probs: ArrayLike<number>, u: number): number {
  let acc = 0;
  for (let i = 0; i < probs.length - 1; i++) {
    acc += probs[i];
    if (u < acc) return i;
  }
  return probs.length - 1;
}

/**
 * `size` draws from the mixture in internal form (kernel space numbers rounded for ints, choice
 * indices): per draw a kernel by weight, then each dimension from that kernel. 1 + dims random
 * numbers per draw.
 */
export function sampleMixture(m: Mixture, size: number, rng: () => number): number[][] {
  const out: number[][] = [];
  for (let s = 0; s < size; s++) {
    const k = pick(m.weights, rng());
    out.push(
      m.dims.map((d) => {
        const u = rng();
        if (d.kind === 'categorical') return pick(d.probs[k], u);
        const x = truncnormFromUniform(u, d.mus[k], d.sigmas[k], d.bounds.low, d.bounds.high);
        // Ints are rounded here, so the density below is the integer's mass.
        return d.param.kind === 'int' ? toKernel(d.param, fromKernelSpace(d.param, x)) : x;
      }),
    );
  }
  return out;
}

function toKernel(p: NumericDim['param'], v: number): number {
  return p.log ? Math.log(v) : v;
}

/** log of dimension d's kernel k at internal value x. */
function kernelLogPdf(d: Dim, k: number, x: number): number {
  if (d.kind === 'categorical') return Math.log(d.probs[k][x]);
  const mu = d.mus[k];
  const sigma = d.sigmas[k];
  if (d.param.kind === 'float') return normLogPdf((x - mu) / sigma) - d.logNorm[k];
  // An int's probability is its kernel's mass on [v - 1/2, v + 1/2] in kernel space over the
  // mass on the bounds (Optuna 4's discretised kernels; Optuna 3.1 used the density for log ints).
  const v = d.param.log ? Math.exp(x) : x;
  const v0 = Math.round(v);
  const lo = d.param.log ? Math.log(v0 - 0.5) : v0 - 0.5;
  const hi = d.param.log ? Math.log(v0 + 0.5) : v0 + 0.5;
  return logGaussMass((lo - mu) / sigma, (hi - mu) / sigma) - d.logMass[k];
}

/** log of the mixture's density at a point in internal form. */
export function mixtureLogPdf(m: Mixture, x: readonly number[]): number {
  const n = m.weights.length;
  const terms = new Float64Array(n);
  let max = -Infinity;
  for (let k = 0; k < n; k++) {
    let t = m.logWeights[k];
    for (let d = 0; d < m.dims.length && t > -Infinity; d++) t += kernelLogPdf(m.dims[d], k, x[d]);
    terms[k] = t;
    if (t > max) max = t;
  }
  if (max === -Infinity) return -Infinity;
  let sum = 0;
  for (let k = 0; k < n; k++) sum += Math.exp(terms[k] - max);
  return max + Math.log(sum);
}
