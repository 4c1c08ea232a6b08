// suggestTpe and suggestBatch: the sampler's two entry points (the design is in index.ts).

import { type TpeTrial, splitHistory } from './history.js';
import { type Mixture, type ParzenOptions, buildMixture, mixtureLogPdf, sampleMixture } from './parzen.js';
import { type TpeParam, type TpeSpace, type TpeValue, checkSpace, fixedValue, fromKernelSpace, sampleUniform, toInternal } from './space.js';

export interface TpeOptions extends Partial<ParzenOptions> {
  /** Until this many trials have finished (complete, diverged or pruned), draw uniformly at random. */
  startupTrials?: number;
  /** Candidates drawn from l(x) per suggestion; the best by log l(x) - log g(x) wins. */
  eiCandidates?: number;
  /** Running trials join the bad group g(x), so parallel suggestions spread out. */
  constantLiar?: boolean;
}

/** Optuna's defaults (TPESampler.__init__, univariate as in Optuna 3.x). */
export const TPE_DEFAULTS: Required<TpeOptions> = {
  startupTrials: 10,
  eiCandidates: 24,
  constantLiar: true,
  priorWeight: 1.0,
  considerMagicClip: true,
  considerEndpoints: false,
};

function resolveOptions(options: TpeOptions): Required<TpeOptions> {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const o: Required<TpeOptions> = { ...TPE_DEFAULTS, ...given };
  if (!Number.isInteger(o.startupTrials) || o.startupTrials < 0) {
    throw new RangeError(`tpe: options.startupTrials must be a non-negative integer, got ${o.startupTrials}`);
  }
  if (!Number.isInteger(o.eiCandidates) || o.eiCandidates < 1) {
    throw new RangeError(`tpe: options.eiCandidates must be a positive integer, got ${o.eiCandidates}`);
  }
  if (!Number.isFinite(o.priorWeight) || !(o.priorWeight > 0)) {
    throw new RangeError(`tpe: options.priorWeight must be a positive number, got ${o.priorWeight}`);
  }
  return o;
}

/** The rows of internal values of `params` for the trials that have all of them inside the space. */
function observations(params: readonly TpeParam[], trials: readonly TpeTrial[]): number[][] {
  const rows: number[][] = [];
  for (const t of trials) {
    const row = params.map((p) => toInternal(p, t.params[p.name]));
    if (row.every((v) => v !== undefined)) rows.push(row as number[]);
  }
  return rows;
}

/**
 * Optuna's `_sample`: eiCandidates draws from l(x), each scored log l(x) - log g(x); the first
 * highest wins. Returns the winner in internal form.
 */
function bestCandidate(params: readonly TpeParam[], below: TpeTrial[], above: TpeTrial[], o: Required<TpeOptions>, rng: () => number): number[] {
  const l: Mixture = buildMixture(params, observations(params, below), o);
  const g: Mixture = buildMixture(params, observations(params, above), o);
  const candidates = sampleMixture(l, o.eiCandidates, rng);
  let best = candidates[0];
  let bestScore = -Infinity;
  for (const c of candidates) {
    const score = mixtureLogPdf(l, c) - mixtureLogPdf(g, c);
    if (score > bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return best;
}

function toExternal(p: TpeParam, x: number): TpeValue {
  return p.kind === 'categorical' ? p.choices[x] : fromKernelSpace(p, x);
}

/**
 * The next configuration to try, given the history in trial order (values to minimize: negate
 * for maximize). Deterministic: the same space, history, options and rng state give the same
 * suggestion. Parameters with one possible value take it without using the rng.
 */
export function suggestTpe(
  space: TpeSpace,
  history: readonly TpeTrial[],
  options: TpeOptions,
  rng: () => number,
): Record<string, TpeValue> {
  checkSpace(space);
  const o = resolveOptions(options);
  const out: Record<string, TpeValue> = {};
  const free = space.filter((p) => {
    const fixed = fixedValue(p);
    if (fixed !== undefined) out[p.name] = fixed;
    return fixed === undefined;
  });
  const { below, above, finished } = splitHistory(history, o.constantLiar);
  if (finished < o.startupTrials || free.length === 0) {
    for (const p of free) out[p.name] = sampleUniform(p, rng);
    return orderedAs(space, out);
  }
  // Univariate: one estimator pair and one candidate draw per parameter, in the space's order.
  for (const p of free) out[p.name] = toExternal(p, bestCandidate([p], below, above, o, rng)[0]);
  return orderedAs(space, out);
}

function orderedAs(space: TpeSpace, values: Record<string, TpeValue>): Record<string, TpeValue> {
  return Object.fromEntries(space.map((p) => [p.name, values[p.name]]));
}

/**
 * n configurations at once, for a cohort or for n free workers: each suggestion is made as if the
 * ones before it (and `running`, the trials already out) were running trials, so with the
 * constant liar (the default) they sit in g(x) and the next suggestion moves away from them.
 */
export function suggestBatch(
  space: TpeSpace,
  history: readonly TpeTrial[],
  running: readonly Record<string, TpeValue>[],
  n: number,
  options: TpeOptions,
  rng: () => number,
): Record<string, TpeValue>[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`tpe: a batch's size must be a non-negative integer, got ${n}`);
  const pending: TpeTrial[] = running.map((params) => ({ params, value: null, state: 'running' }));
  const out: Record<string, TpeValue>[] = [];
  for (let i = 0; i < n; i++) {
    const s = suggestTpe(space, [...history, ...pending], options, rng);
    out.push(s);
    pending.push({ params: s, value: null, state: 'running' });
  }
  return out;
}
