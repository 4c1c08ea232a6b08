// lrsweep's samplers on a bench objective, as a sweep uses them: the static ones (grid with
// order: shuffled, random, sobol) through their entries' draws (a duplicate config dropped, or
// redrawn where the sampler redraws), the adaptive one (tpe) through its entry's suggest the way
// sweep/ask.ts asks: each ask seeded by askSeed(sweep, trials so far), configs chosen in the same
// ask passed back as running (the constant liar), a config already tried redrawn, a batch's
// values told only once the whole batch is scored (a cohort, or `batch` workers finishing
// together). Returns the best value after each trial.

import { mulberry32 } from '../../src/core/random.js';
import { MAX_MISSES, askSeed } from '../../src/sweep/ask.js';
import type { MethodSpec, Sweep } from '../../src/sweep/definition.js';
import { type AdaptiveSampler, type Observed, samplerOf, staticSampler } from '../../src/sweep/samplers/index.js';
import type { Params, SearchObjective } from './objectives.js';

export type Curve = number[];

function keyOf(keys: readonly string[], config: Params): string {
  return JSON.stringify(keys.map((k) => config[k]));
}

function pick(keys: readonly string[], config: Params): Params {
  return Object.fromEntries(keys.map((k) => [k, config[k]]));
}

/** The running best of `values`, padded to `trials` with its last value (a sampler that ran out of configs). */
function bests(values: number[], trials: number): Curve {
  let b = Infinity;
  const out = values.map((v) => (b = Math.min(b, v)));
  while (out.length < trials) out.push(b);
  return out;
}

/** A static sampler (method, over `parameters`: the ranges, or the grid's values lists). */
export function staticCurve(obj: SearchObjective, method: MethodSpec, parameters: Sweep['parameters'], seed: number, trials: number): Curve {
  const sweep: Sweep = { ...obj.sweep, parameters, method, trials, seed };
  const sampler = staticSampler(sweep);
  const keys = Object.keys(parameters);
  const seen = new Set<string>();
  const values: number[] = [];
  for (const draw of sampler.draws()) {
    if (values.length >= trials) break;
    const key = keyOf(keys, draw.config);
    if (seen.has(key)) continue; // dropped; a sampler that redraws goes on to its next draw
    seen.add(key);
    values.push(obj.evaluate(pick(keys, draw.config)));
  }
  return bests(values, trials);
}

/** An adaptive sampler asked for `batch` configs at a time (1: one at a time). */
export function adaptiveCurve(obj: SearchObjective, method: MethodSpec, seed: number, trials: number, batch: number): Curve {
  const sweep: Sweep = { ...obj.sweep, method, trials, seed };
  const sampler = samplerOf(sweep) as AdaptiveSampler;
  const keys = Object.keys(sweep.parameters);
  const history: Observed[] = [];
  const seen = new Set<string>();
  while (history.length < trials) {
    const random = mulberry32(askSeed(sweep, history.length));
    const pending: Observed[] = [];
    let misses = 0;
    while (pending.length < Math.min(batch, trials - history.length) && misses < MAX_MISSES) {
      const [s] = sampler.suggest([...history, ...pending], 1, random);
      const key = keyOf(keys, s.params);
      if (seen.has(key)) {
        misses++;
        continue;
      }
      misses = 0;
      seen.add(key);
      pending.push({ params: pick(keys, s.params) as Observed['params'], objective: null, state: 'running' });
    }
    if (pending.length === 0) break;
    for (const p of pending) history.push({ ...p, objective: obj.evaluate(p.params), state: 'complete' });
  }
  return bests(history.map((o) => o.objective!), trials);
}

/** Milliseconds of one TPE suggestion (all parameters) at `finished` complete trials drawn at random: the median of `timed` after two unmeasured ones. */
export function suggestMs(obj: SearchObjective, method: MethodSpec, finished: number, timed: number): number {
  const sweep: Sweep = { ...obj.sweep, method, trials: finished + timed + 2, seed: 1 };
  const keys = Object.keys(sweep.parameters);
  const draws = staticSampler({ ...sweep, method: 'random', trials: finished }).draws();
  const history: Observed[] = [...draws].map((d) => ({ params: d.config, objective: obj.evaluate(pick(keys, d.config)), state: 'complete' }));
  const sampler = samplerOf(sweep) as AdaptiveSampler;
  const random = mulberry32(1);
  const times: number[] = [];
  for (let i = 0; i < 2 + timed; i++) {
    const t0 = performance.now();
    const [s] = sampler.suggest(history, 1, random);
    if (i >= 2) times.push(performance.now() - t0);
    history.push({ params: s.params, objective: obj.evaluate(pick(keys, s.params)), state: 'complete' });
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

export const TRIALS = 100;

export interface Variant {
  label: string;
  run: (obj: SearchObjective, seed: number) => Curve;
}

const tpe = (options: Record<string, unknown>, batch = 1): Variant['run'] =>
  (obj, seed) => adaptiveCurve(obj, { kind: 'tpe', ...options } as MethodSpec, seed, TRIALS, batch);

/** lrsweep's rows of the bench: the samplers, TPE batched, and the tpe options its defaults were chosen between. */
export const VARIANTS: Variant[] = [
  { label: 'grid (order: shuffled, 4^5 grid)', run: (obj, seed) => staticCurve(obj, { kind: 'grid', order: 'shuffled' }, obj.grid, seed, TRIALS) },
  { label: 'random', run: (obj, seed) => staticCurve(obj, 'random', obj.sweep.parameters, seed, TRIALS) },
  { label: 'sobol', run: (obj, seed) => staticCurve(obj, 'sobol', obj.sweep.parameters, seed, TRIALS) },
  { label: 'tpe', run: tpe({}) },
  { label: 'tpe, batches of 4', run: tpe({}, 4) },
  { label: 'tpe, batches of 8', run: tpe({}, 8) },
  { label: 'tpe (startup: sobol)', run: tpe({ startup: 'sobol' }) },
];
