// The MLP trainer's configuration: what the sweep file's `trainer` section may say.

import { Problems, field, rules, unknownKeys } from '../sweep/problems.js';
import { IRIS_SAMPLES, trainCount } from './datasets.js';
import type { TrainerSpec } from './types.js';

export const OPTIMIZERS = ['sgd', 'momentum', 'adam'] as const;
export const DATASETS = ['synthetic', 'iris'] as const;
export const ACTIVATIONS = ['relu', 'tanh', 'sigmoid'] as const;

export interface MlpConfig {
  kind: 'mlp';
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

export const MLP_DEFAULTS: MlpConfig = {
  kind: 'mlp', dataset: 'synthetic', samples: 1000, features: 10, classes: 3, noise: 1.0, validation_fraction: 0.2,
  dataset_seed: 0, hidden: [32], activation: 'relu', epochs: 10, batch_size: 32, optimizer: 'sgd', momentum: 0.9,
};

const SYNTHETIC_ONLY = ['samples', 'features', 'classes', 'noise'];

export const mlpSpec: TrainerSpec<MlpConfig> = {
  kind: 'mlp',
  describe: 'A multilayer perceptron (tfjs) on a synthetic classification set or Iris',
  metrics: ['val_loss', 'val_accuracy', 'train_loss'],
  parse(raw, path, problems: Problems) {
    unknownKeys(problems, raw, Object.keys(MLP_DEFAULTS), path);
    const at = (k: string) => `${path}.${k}`;
    const get = <K extends keyof MlpConfig>(k: K, rule: (v: unknown) => string | null) =>
      field(problems, raw, k, at(k), rule, MLP_DEFAULTS[k]);
    const dataset = get('dataset', rules.oneOf(DATASETS));
    if (dataset === 'iris') {
      for (const k of SYNTHETIC_ONLY) if (raw[k] !== undefined) problems.add(at(k), 'applies to dataset synthetic only, not iris', undefined, false);
    }
    let hidden = MLP_DEFAULTS.hidden;
    if (raw.hidden !== undefined) {
      if (!Array.isArray(raw.hidden)) problems.add(at('hidden'), 'must be a list of layer sizes, e.g. [32, 16]', raw.hidden);
      else {
        raw.hidden.forEach((v, i) => {
          const broken = rules.positiveInt(v);
          if (broken) problems.add(`${at('hidden')}[${i}]`, broken, v);
        });
        hidden = raw.hidden as number[];
      }
    }
    const config: MlpConfig = {
      kind: 'mlp',
      dataset,
      samples: get('samples', (v) => rules.positiveInt(v) ?? ((v as number) >= 4 ? null : 'must be at least 4')),
      features: get('features', rules.positiveInt),
      classes: get('classes', (v) => rules.positiveInt(v) ?? ((v as number) >= 2 ? null : 'must be at least 2')),
      noise: get('noise', rules.nonNegative),
      validation_fraction: get('validation_fraction', (v) => (typeof v === 'number' && v > 0 && v < 1 ? null : 'must be a number between 0 and 1')),
      dataset_seed: get('dataset_seed', rules.nonNegativeInt),
      hidden,
      activation: get('activation', rules.oneOf(ACTIVATIONS)),
      epochs: get('epochs', rules.positiveInt),
      batch_size: get('batch_size', rules.positiveInt),
      optimizer: get('optimizer', rules.oneOf(OPTIMIZERS)),
      momentum: get('momentum', rules.fraction),
    };
    if (dataset === 'iris') config.samples = IRIS_SAMPLES;
    if (raw.momentum !== undefined && config.optimizer !== 'momentum') problems.add(at('momentum'), 'applies to optimizer momentum only', undefined, false);
    return config;
  },
  steps(c) {
    return c.epochs * Math.ceil(trainCount(c.samples, c.validation_fraction) / c.batch_size);
  },
};
