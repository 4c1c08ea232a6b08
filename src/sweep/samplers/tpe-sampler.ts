// tpe: the Tree-structured Parzen Estimator (tpe/: the algorithm, written from Optuna's design), as
// an adaptive sampler: configs are suggested from the sweep's history while it runs (sweep/ask.ts
// creates their trials as results arrive). The space is the file's `parameters`: uniform ranges
// are floats, log_uniform log floats, int_uniform ints, and every `values` list is categorical
// (unordered, even when its values are numbers: TPE learns which value does well, not a trend
// between them). The first `startup_trials` configs are drawn uniformly (TPE's own startup, as
// Optuna's TPESampler falls back to random sampling), the rest from the model. Suggestions made
// while trials run treat those as running (the constant liar: tpe/index.ts), so a batch for
// several workers or a cohort spreads out. `trials` counts configs, as for random and sobol.

import { rules } from '../../core/rules.js';
import type { Config, Sweep } from '../definition.js';
import { suggestBatch, type TpeParam, type TpeSpace, type TpeTrial, type TpeValue } from './tpe/index.js';
import type { Observed, SamplerEntry, Suggestion } from './sampler.js';

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
  return { params, value: o.state === 'complete' ? o.objective : null, state: o.state };
}

export const tpe: SamplerEntry = {
  name: 'tpe',
  summary: 'a Tree-structured Parzen Estimator: configs suggested from the results so far',
  options: {
    startup_trials: { default: 10, rule: rules.integer(0), help: 'configs drawn uniformly at random before the model suggests' },
    multivariate: { default: false, rule: rules.bool, help: 'one model over all parameters together (false: one per parameter, Optuna 3.x\'s default)' },
  },
  ranges: true,
  trials: 'required',
  adaptive: true,
  create: (sweep, method) => {
    const space = tpeSpace(sweep);
    const startupTrials = method.startup_trials as number;
    return {
      adaptive: true,
      suggest(history, n, random): Suggestion[] {
        const trials = history.map((o) => toTpe(o, space));
        const finished = trials.filter((t) => t.state === 'complete' || t.state === 'diverged').length;
        const origin = finished < startupTrials ? 'startup' : 'model';
        const out = suggestBatch(space, trials, [], n, { startupTrials, multivariate: method.multivariate === true }, random);
        return out.map((params) => ({ params: params as Config, origin }));
      },
    };
  },
};
