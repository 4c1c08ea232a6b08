// How TPE reads the history: which trials count, how they rank, how many are "good" (gamma), and
// how much each one weighs. Rules from Optuna's optuna/samplers/_tpe/sampler.py.

import type { TpeValue } from './space.js';

/**
 * complete: value is the objective (to minimize). diverged: ran, but the loss or objective went
 * NaN or infinite. pruned: stopped early, value is its last reported value (or null) at `step`.
 * failed: crashed or timed out. running: suggested, not settled (in a batch: suggested just now).
 */
export type TpeTrialState = 'complete' | 'diverged' | 'pruned' | 'failed' | 'running';

export interface TpeTrial {
  params: Record<string, TpeValue>;
  /** The objective, minimized; null when there is none (failed, diverged, running). */
  value: number | null;
  state: TpeTrialState;
  /** For a pruned trial: the step of its last reported value (later steps rank first). */
  step?: number;
}

/** Optuna's `default_gamma`: the number of good trials among n finished, min(ceil(0.1 n), 25). */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/**
 * Optuna's `default_weights`: n trials in trial order weigh 1, except that past 25 the older
 * n - 25 ramp linearly from 1/n up to 1 (numpy.linspace(1/n, 1, n - 25)), so old bad trials fade.
 */
export function defaultWeights(n: number): number[] {
  if (n < 25) return new Array<number>(n).fill(1);
  const m = n - 25;
  const ramp = m === 1 ? [1 / n] : Array.from({ length: m }, (_, i) => 1 / n + (i * (1 - 1 / n)) / (m - 1));
  return [...ramp, ...new Array<number>(25).fill(1)];
}

/** A trial's place in the ranking: smaller is better; ties keep trial order. */
function rankKey(t: TpeTrial): [number, number, number] {
  const v = t.value !== null && Number.isFinite(t.value) ? t.value : Infinity;
  switch (t.state) {
    case 'complete':
      return v === Infinity ? [2, 0, 0] : [0, 0, v];
    case 'pruned':
      return [1, -(t.step ?? -Infinity), v];
    case 'diverged':
      return [2, 0, 0];
    default:
      return [3, 0, 0];
  }
}

export interface Split {
  /** The good trials (l(x)), in trial order. */
  below: TpeTrial[];
  /** The rest (g(x)), in trial order, running trials included when the liar is on. */
  above: TpeTrial[];
  /** Finished trials: complete, diverged and pruned (running and failed ones do not count). */
  finished: number;
}

/**
 * Optuna's `_split_trials`: rank complete trials by value, then pruned ones by (later step
 * first, then value), and take the first gamma(n) as good; everything else is bad, with running
 * trials always bad (the constant liar). Failed trials are left out, as Optuna leaves FAIL out.
 * Diverged trials (Optuna has no such state: an objective that returns NaN becomes FAIL and is
 * ignored) rank behind every complete and pruned trial: for a learning rate, "this diverged" is
 * the clearest thing a trial can say, and it should push g(x) up there.
 */
export function splitHistory(history: readonly TpeTrial[], constantLiar: boolean, gamma = defaultGamma): Split {
  const used: { t: TpeTrial; i: number; key: [number, number, number] }[] = [];
  history.forEach((t, i) => {
    if (t.state === 'failed' || (t.state === 'running' && !constantLiar)) return;
    used.push({ t, i, key: rankKey(t) });
  });
  const finished = used.filter((u) => u.t.state !== 'running').length;
  const ranked = [...used].sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.key[2] - b.key[2] || a.i - b.i);
  const nBelow = Math.min(gamma(finished), finished);
  const good = new Set(ranked.slice(0, nBelow).map((u) => u.i));
  return {
    below: used.filter((u) => good.has(u.i)).map((u) => u.t),
    above: used.filter((u) => !good.has(u.i)).map((u) => u.t),
    finished,
  };
}
