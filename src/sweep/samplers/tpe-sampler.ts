// tpe: the Tree-structured Parzen Estimator (tpe/: the algorithm, written from Optuna's design), as
// an adaptive sampler: configs are suggested from the sweep's history while it runs (sweep/ask.ts
// creates their trials as results arrive). The space is the file's `parameters`: uniform ranges
// are floats, log_uniform log floats, int_uniform ints, and every `values` list is categorical
// (unordered, even when its values are numbers: TPE learns which value does well, not a trend
// between them). Suggestions made while trials run treat those as running (the constant liar:
// tpe/index.ts), so a batch for several workers or a cohort spreads out. `trials` counts configs,
// as for random and sobol.
// Startup: until `startup_trials` configs have finished, configs are drawn without the model:
// - startup: random (the default) draws each parameter uniformly, as Optuna's TPESampler falls
//   back to random sampling;
// - startup: sobol takes the points `method: sobol` would plan (the sweep's scrambled Sobol
//   sequence, the same mapping onto each range), point k for the k-th config of the sweep, so
//   the startup configs spread over every range as method sobol's do. A point already tried moves
//   on to the next one. The sampler keeps no state (the stored history is the truth), and
//   sweep/ask.ts asks again, with the same history, for a config the sweep refuses (constraints,
//   `cycles`): so one startup config in SOBOL_SKIP_ODDS (drawn from the ask's seeded random
//   numbers) skips 1 to 4 points ahead, and a refused point cannot stall an ask. The price: the
//   startup configs are the sequence's first points with a few skipped, so the exact balance of
//   the first 2^j points holds only where no skip was drawn (a skipped point is usually taken by
//   a later config). sweep/ask.ts telling the sampler which draws it refused would remove it.
// The default startup is random: `npm run bench search` measured no gain from sobol over 60 seeds
// on its three objectives (best after 100 trials: better on 86 seeds, worse on 86; ahead on the
// quadratic trainer, 39/21, behind on the synthetic objective, 27/33, and the MLP, 20/32), and a
// sweep stored before the option existed keeps the startup it had. One model per parameter (no
// multivariate option: tpe/index.ts says what it measured).

import { rules } from '../../core/rules.js';
import type { Config, Sweep } from '../definition.js';
import { valueAt } from './draw.js';
import { MAX_SOBOL_DIMENSIONS, sobolPoints } from './sobol.js';
import { suggestBatch, type TpeParam, type TpeSpace, type TpeTrial, type TpeValue } from './tpe/index.js';
import type { Observed, SamplerEntry, Suggestion } from './sampler.js';

export const TPE_STARTUPS = ['random', 'sobol'] as const;

/** One Sobol startup config in this many skips ahead (1 to 4 points), so that a refused point is left behind. */
export const SOBOL_SKIP_ODDS = 4;

/** TPE's view of the sweep's parameters, in name order (the order fixes how random numbers are used). */
export function tpeSpace(sweep: Pick<Sweep, 'parameters'>): TpeSpace {
  return Object.keys(sweep.parameters).sort().map((name): TpeParam => {
    const spec = sweep.parameters[name];
    if ('values' in spec) return { name, kind: 'categorical', choices: spec.values as TpeValue[] };
    if (spec.distribution === 'int_uniform') return { name, kind: 'int', low: spec.min, high: spec.max };
    return { name, kind: 'float', low: spec.min, high: spec.max, log: spec.distribution === 'log_uniform' };
  });
}

function toTpe(o: Observed, space: TpeSpace): TpeTrial {
  const params = Object.fromEntries(space.map((p) => [p.name, o.params[p.name] as TpeValue]));
  return { params, value: o.state === 'complete' || o.state === 'pruned' ? o.objective : null, state: o.state, ...(o.step === undefined ? {} : { step: o.step }) };
}

/** The sweep's Sobol points as configs of its varied parameters (method: sobol's sequence and mapping), computed as far as asked. */
function sobolConfigs(sweep: Pick<Sweep, 'parameters' | 'seed'>): (k: number) => Config {
  const keys = Object.keys(sweep.parameters).sort();
  const points = sobolPoints(keys.length, { seed: sweep.seed });
  const made: Config[] = [];
  return (k) => {
    while (made.length <= k) {
      const point = points.next().value as Uint32Array;
      made.push(Object.fromEntries(keys.map((key, d) => [key, valueAt(sweep.parameters[key], point[d] / 2 ** 32)])) as Config);
    }
    return made[k];
  };
}

export const tpe: SamplerEntry = {
  name: 'tpe',
  summary: 'a Tree-structured Parzen Estimator: configs suggested from the results so far',
  options: {
    startup_trials: { default: 10, rule: rules.integer(0), help: 'configs drawn before the model suggests (by `startup`)' },
    startup: { default: 'random', rule: rules.oneOf(TPE_STARTUPS), help: 'how the startup configs are drawn: random (uniform draws) or sobol (the sweep\'s scrambled Sobol points, balanced over every range)' },
    // The previous version offered a multivariate model; measured worse, it was removed. Its files
    // still read with `multivariate: false`; `true` is refused saying why.
    multivariate: {
      default: false, retired: true, help: 'removed',
      rule: (v) => (v === false ? null : 'must be false: the multivariate model was removed (npm run bench search measured one model per parameter better); remove the key'),
    },
  },
  ranges: true,
  trials: 'required',
  adaptive: true,
  check: (sweep, method) => {
    const n = Object.keys(sweep.parameters).length;
    return method.startup === 'sobol' && n > MAX_SOBOL_DIMENSIONS
      ? [{ path: 'method.startup', message: `sobol draws at most ${MAX_SOBOL_DIMENSIONS} varied parameters (the direction numbers it carries), got ${n}: use startup: random` }]
      : [];
  },
  create: (sweep, method) => {
    const space = tpeSpace(sweep);
    const startupTrials = method.startup_trials as number;
    const sobolAt = method.startup === 'sobol' ? sobolConfigs(sweep) : null;
    const keyOf = (params: Record<string, unknown>) => JSON.stringify(space.map((p) => params[p.name]));
    return {
      adaptive: true,
      suggest(history, n, random): Suggestion[] {
        const trials = history.map((o) => toTpe(o, space));
        const finished = trials.filter((t) => t.state === 'complete' || t.state === 'diverged' || t.state === 'pruned').length;
        if (finished < startupTrials && sobolAt) {
          const tried = new Set(history.map((o) => keyOf(o.params)));
          const out: Suggestion[] = [];
          let k = history.length;
          for (let i = 0; i < n; i++) {
            if (random() * SOBOL_SKIP_ODDS < 1) k += 1 + Math.floor(random() * 4);
            while (tried.has(keyOf(sobolAt(k)))) k++;
            tried.add(keyOf(sobolAt(k)));
            out.push({ params: { ...sobolAt(k) }, origin: 'startup' });
          }
          return out;
        }
        const origin = finished < startupTrials ? 'startup' : 'model';
        const out = suggestBatch(space, trials, [], n, { startupTrials }, random);
        return out.map((params) => ({ params: params as Config, origin }));
      },
    };
  },
};
