// The MLP trainer's options: what the sweep file's `trainer` section may say for kind mlp.
// Normalized options are stored with the sweep, so a key added later must be left out of the
// normalized form while it has its default: otherwise every older sweep would count as changed.

import { field, unknownKeys, type Problems } from '../core/problems.js';
import { rules } from '../core/rules.js';
import { IRIS_SAMPLES, trainCount } from './datasets.js';

export const OPTIMIZERS = ['sgd', 'momentum', 'adam'] as const;
export const DATASETS = ['synthetic', 'iris'] as const;
export const ACTIVATIONS = ['relu', 'tanh', 'sigmoid'] as const;

export interface MlpOptions {
  dataset: (typeof DATASETS)[number];
  /** synthetic only */
  samples: number;
  features: number;
  classes: number;
  noise: number;
  validation_fraction: number;
  dataset_seed: number;
  hidden: number[];
  activation: (typeof ACTIVATIONS)[number];
  epochs: number;
  batch_size: number;
  optimizer: (typeof OPTIMIZERS)[number];
  momentum: number;
}

export const MLP_DEFAULTS: MlpOptions = {
  dataset: 'synthetic', samples: 1000, features: 10, classes: 3, noise: 1.0, validation_fraction: 0.2,
  dataset_seed: 0, hidden: [32], activation: 'relu', epochs: 10, batch_size: 32, optimizer: 'sgd', momentum: 0.9,
};

const SYNTHETIC_ONLY = ['samples', 'features', 'classes', 'noise'];

/** Reads the options, reporting every problem at its key; fills defaults. */
export function readMlpOptions(raw: Record<string, unknown>, problems: Problems): MlpOptions {
  unknownKeys(problems, raw, Object.keys(MLP_DEFAULTS), '');
  const get = <K extends keyof MlpOptions>(k: K, rule: (v: unknown) => string | null) => field(problems, raw, k, k, rule, MLP_DEFAULTS[k]);
  const dataset = get('dataset', rules.oneOf(DATASETS));
  if (dataset === 'iris') {
    for (const k of SYNTHETIC_ONLY) if (raw[k] !== undefined) problems.add(k, 'applies to dataset synthetic only, not iris', undefined, false);
  }
  let hidden = MLP_DEFAULTS.hidden;
  if (raw.hidden !== undefined) {
    if (!Array.isArray(raw.hidden)) problems.add('hidden', 'must be a list of layer sizes, e.g. [32, 16]', raw.hidden);
    else {
      raw.hidden.forEach((v, i) => {
        const broken = rules.integer(1)(v);
        if (broken) problems.add(`hidden[${i}]`, broken, v);
      });
      hidden = raw.hidden as number[];
    }
  }
  const options: MlpOptions = {
    dataset,
    samples: get('samples', rules.integer(4)),
    features: get('features', rules.integer(1)),
    classes: get('classes', rules.integer(2)),
    noise: get('noise', rules.nonNegative),
    validation_fraction: get('validation_fraction', rules.fraction),
    dataset_seed: get('dataset_seed', rules.integer(0)),
    hidden,
    activation: get('activation', rules.oneOf(ACTIVATIONS)),
    epochs: get('epochs', rules.integer(1)),
    batch_size: get('batch_size', rules.integer(1)),
    optimizer: get('optimizer', rules.oneOf(OPTIMIZERS)),
    momentum: get('momentum', rules.unitInterval),
  };
  if (dataset === 'iris') options.samples = IRIS_SAMPLES;
  if (raw.momentum !== undefined && options.optimizer !== 'momentum') problems.add('momentum', 'applies to optimizer momentum only', undefined, false);
  return options;
}

/** Steps of one trial: epochs x batches per epoch. */
export function mlpSteps(o: MlpOptions): number {
  return o.epochs * Math.ceil(trainCount(o.samples, o.validation_fraction) / o.batch_size);
}
