// A trivial objective with no tfjs: SGD on a noisy quadratic f(x) = 1/2 sum_i a_i x_i^2 in a few
// dimensions, driven by the LR curve. Microseconds per trial: it measures the sweep engine's own
// overhead (pool, storage, bookkeeping), and makes tests of the run loop fast.

import { Problems, field, rules, unknownKeys } from '../sweep/problems.js';
import { mulberry32, gaussian } from './random.js';
import type { EpochMetrics, TrainerImpl, TrainerSpec, TrainJob } from './types.js';

export interface QuadraticConfig {
  kind: 'quadratic';
  dim: number;
  epochs: number;
  steps_per_epoch: number;
  noise: number;
  /** Largest curvature; curvatures are spread log-uniformly from 1 down to 1/condition of it. */
  curvature: number;
  condition: number;
}

const DEFAULTS: QuadraticConfig = { kind: 'quadratic', dim: 8, epochs: 5, steps_per_epoch: 20, noise: 0.1, curvature: 10, condition: 100 };

export const quadraticSpec: TrainerSpec<QuadraticConfig> = {
  kind: 'quadratic',
  describe: 'SGD on a noisy quadratic (no model; microseconds per trial)',
  metrics: ['val_loss', 'train_loss'],
  parse(raw, path, problems: Problems) {
    unknownKeys(problems, raw, ['kind', ...Object.keys(DEFAULTS).filter((k) => k !== 'kind')], path);
    const at = (k: string) => `${path}.${k}`;
    return {
      kind: 'quadratic',
      dim: field(problems, raw, 'dim', at('dim'), rules.positiveInt, DEFAULTS.dim),
      epochs: field(problems, raw, 'epochs', at('epochs'), rules.positiveInt, DEFAULTS.epochs),
      steps_per_epoch: field(problems, raw, 'steps_per_epoch', at('steps_per_epoch'), rules.positiveInt, DEFAULTS.steps_per_epoch),
      noise: field(problems, raw, 'noise', at('noise'), rules.nonNegative, DEFAULTS.noise),
      curvature: field(problems, raw, 'curvature', at('curvature'), rules.positive, DEFAULTS.curvature),
      condition: field(problems, raw, 'condition', at('condition'), rules.positive, DEFAULTS.condition),
    };
  },
  steps: (c) => c.epochs * c.steps_per_epoch,
};

export const quadraticTrainer: TrainerImpl<QuadraticConfig> = {
  async train(job: TrainJob<QuadraticConfig>): Promise<EpochMetrics[][]> {
    return job.curves.map((lrs) => trainOne(job.config, job.seed, lrs));
  },
};

function trainOne(c: QuadraticConfig, seed: number, lrs: Float64Array): EpochMetrics[] {
  const random = mulberry32(seed);
  const a = new Float64Array(c.dim);
  const x = new Float64Array(c.dim);
  for (let i = 0; i < c.dim; i++) {
    a[i] = c.curvature * c.condition ** (-i / Math.max(1, c.dim - 1));
    x[i] = gaussian(random);
  }
  const loss = () => {
    let f = 0;
    for (let i = 0; i < c.dim; i++) f += 0.5 * a[i] * x[i] * x[i];
    return f;
  };
  const epochs: EpochMetrics[] = [];
  let t = 0;
  for (let e = 1; e <= c.epochs; e++) {
    let sum = 0;
    for (let s = 0; s < c.steps_per_epoch; s++, t++) {
      const lr = lrs[t];
      let f = 0;
      for (let i = 0; i < c.dim; i++) {
        const g = a[i] * x[i] + c.noise * gaussian(random);
        f += 0.5 * a[i] * x[i] * x[i];
        x[i] -= lr * g;
      }
      sum += f;
    }
    epochs.push({ epoch: e, train_loss: sum / c.steps_per_epoch, val_loss: loss(), val_accuracy: null, lr: lrs[t - 1] });
  }
  return epochs;
}
