// A trivial objective with no tfjs: SGD on a noisy quadratic f(x) = 1/2 sum_i a_i x_i^2 in a few
// dimensions, driven by the LR curve. Microseconds per trial: it measures the sweep engine's own
// overhead (pool, storage, bookkeeping), makes tests of the run loop fast, and has a known
// divergence point for the LR range test (plain SGD diverges above 2 / curvature).
// The seed sets the starting point and the gradient noise.

import { field, unknownKeys } from '../core/problems.js';
import { gaussian, mulberry32 } from '../core/random.js';
import { rules } from '../core/rules.js';
import { defineTrainer, type Metrics, type TrainContext } from './contract.js';
import { parseOptions } from './options.js';

export interface QuadraticOptions {
  dim: number;
  epochs: number;
  steps_per_epoch: number;
  noise: number;
  /** Largest curvature; curvatures are spread log-uniformly from it down to it / condition. */
  curvature: number;
  condition: number;
}

const QUADRATIC_DEFAULTS: QuadraticOptions = { dim: 8, epochs: 5, steps_per_epoch: 20, noise: 0.1, curvature: 10, condition: 100 };

export const quadratic = defineTrainer<QuadraticOptions>({
  metrics: ['train_loss', 'val_loss'],
  usesTf: false,
  parse(raw) {
    return parseOptions((problems) => {
      const o = (raw ?? {}) as Record<string, unknown>;
      unknownKeys(problems, o, Object.keys(QUADRATIC_DEFAULTS), '');
      const get = (k: keyof QuadraticOptions, rule: (v: unknown) => string | null) => field(problems, o, k, k, rule, QUADRATIC_DEFAULTS[k]);
      return {
        dim: get('dim', rules.integer(1, 1_000_000)),
        epochs: get('epochs', rules.integer(1)),
        steps_per_epoch: get('steps_per_epoch', rules.integer(1)),
        noise: get('noise', rules.nonNegative),
        curvature: get('curvature', rules.positive),
        condition: get('condition', rules.positive),
      };
    });
  },
  steps: (o) => o.epochs * o.steps_per_epoch,
  stepsPerEpoch: (o) => o.steps_per_epoch,
  train(ctx) {
    runQuadratic(ctx.options, ctx.seed, ctx.curve, ctx.perStep, (point, metrics) => ctx.report(point, metrics), ctx.signal);
  },
});

function runQuadratic(c: QuadraticOptions, seed: number, lrs: Float64Array, perStep: boolean,
  report: TrainContext['report'], signal: AbortSignal): void {
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
  let t = 0;
  for (let e = 1; e <= c.epochs; e++) {
    if (signal.aborted) return;
    let sum = 0;
    for (let s = 0; s < c.steps_per_epoch; s++, t++) {
      if (signal.aborted) return; // a shared flag (pool/thread.ts): free to check every step
      const lr = lrs[t];
      let f = 0;
      for (let i = 0; i < c.dim; i++) {
        const g = a[i] * x[i] + c.noise * gaussian(random);
        f += 0.5 * a[i] * x[i] * x[i];
        x[i] -= lr * g;
      }
      sum += f;
      if (perStep) report({ step: t }, { train_loss: f, lr });
    }
    const metrics: Metrics = { train_loss: sum / c.steps_per_epoch, val_loss: loss(), lr: lrs[t - 1] };
    report({ epoch: e }, metrics);
    if (!Number.isFinite(metrics.train_loss)) return; // diverged: nothing more to learn
  }
}
