// Shared by the wasm MLP engine's tests: the tfjs engine as the reference, the models and curves the
// tests train, and the disagreement measure the tolerances are stated in. The wasm engine draws its
// initial weights without tfjs (glorot.ts), so every comparison covers that too.
import { fileURLToPath } from 'node:url';
import { trainCohort, type MemberResult } from '../../../src/train/mlp-cohort.js';
import { trainWasmCohort, type WasmCohortOptions } from '../../../src/train/wasm-mlp/cohort.js';
import { datasetFor } from '../../../src/train/mlp-dataset.js';
import { mlp } from '../../../src/train/mlp.js';
import { MLP_DEFAULTS, mlpSteps, type BuiltinMlpOptions, type MlpOptions } from '../../../src/train/mlp-options.js';
import { loadTf } from '../../../src/train/backend.js';
import { mulberry32 } from '../../../src/core/random.js';
import type { EpochMetrics } from '../../../src/train/cohort-task.js';

export const tf = await loadTf('wasm');

/**
 * Synthetic classes, 160 training rows / 16 = 10 steps an epoch. 64 hidden units, then 7: a
 * width that is not a multiple of 4, so the kernels' padding lanes are exercised.
 */
export const SMALL: BuiltinMlpOptions = { ...MLP_DEFAULTS, samples: 200, features: 4, classes: 3, noise: 0.5, hidden: [64, 7], epochs: 5, batch_size: 16 };
/** The benchmark's model (bench/cohort.ts): 20-64-3, batch 32, 25 steps an epoch. */
export const BENCH: BuiltinMlpOptions = { ...MLP_DEFAULTS, samples: 1000, features: 20, classes: 3, hidden: [64], epochs: 10, batch_size: 32 };

/** CSV regression (prices around 1000; 80 training rows) or classes (test/fixtures/data). */
export function csvOptions(task: 'regression' | 'classification', o: Partial<MlpOptions> = {}): MlpOptions {
  const dataset = task === 'regression'
    ? { csv: 'regression.csv', label: 'price', features: ['x1', 'x2'] }
    : { csv: 'classes.csv', label: 'species' };
  return fixtureOptions({ dataset, hidden: [64, 7], epochs: 5, batch_size: 16, ...o });
}

/** .npy data (test/fixtures/data/npy: 4 rows, 3 features, 3 classes; 3 training rows). */
export const npyOptions = (o: Partial<MlpOptions> = {}): MlpOptions =>
  fixtureOptions({ dataset: { npy: { x: 'npy/x-f8.npy', y: 'npy/y-i8.npy' }, validation_fraction: 0.25 }, hidden: [8], epochs: 3, batch_size: 2, ...o });

const fixtureOptions = (raw: Record<string, unknown>): MlpOptions =>
  mlp.parse!(raw, { baseDir: fileURLToPath(new URL('../../fixtures/data/', import.meta.url)) });

/** A different LR at every step, between 0.2 and 1 times peak: a step that took its neighbour's LR shows. */
export function curve(c: MlpOptions, id: number, peak: number): Float64Array {
  const random = mulberry32(100 + id);
  return Float64Array.from({ length: mlpSteps(c) }, () => peak * (0.2 + 0.8 * random()));
}

export function wasmCohort(c: MlpOptions, seed: number, curves: Float64Array[], options: WasmCohortOptions = {}): MemberResult[] {
  return trainWasmCohort(c, datasetFor(c), seed, curves, options);
}

export function tfjsCohort(c: MlpOptions, seed: number, curves: Float64Array[]): MemberResult[] {
  return trainCohort(tf, c, datasetFor(c), seed, curves);
}

// TOLERANCE, relative, on every metric of every epoch. Not exact: both engines do the optimizer's
// update op for op (the same float32 operations in the same order), but the matMuls sum in a
// different order (ours k = 0, 1, ... with the bias last; tfjs wasm's batched loop sums in blocks)
// and exp, log, tanh and the sigmoid are different float32 approximations (ours: AssemblyScript's
// Mathf in the loss, assembly/mlp/vector-math.ts in the layers), so the first forward pass already differs by
// about 1e-7 and training carries that along. How far depends on the optimizer: SGD passes a
// difference on in proportion to the gradient; momentum sums ~1 / (1 - 0.9) = 10 steps of it;
// Adam divides by sqrt(v), which magnifies the small gradients' relative differences.
// Measured worst over the models below (5 to 10 epochs, 50 to 250 steps; K = 7, every activation,
// both tasks): sgd 8.1e-7, momentum 4.5e-6, adam 8.5e-6. The tolerances leave a ~5x margin; the
// bugs they guard against are far larger (an LR one step late: > 1e-3 here, asserted in agreement.test.ts;
// mlp-cohort.test.ts measured Adam's epsilon at 1e-8 instead of tfjs's 1e-7 at 4.5e-1).
export const TOLERANCE = { sgd: 5e-6, momentum: 3e-5, adam: 5e-5 } as const;
export const METRICS = ['train_loss', 'val_loss', 'val_accuracy', 'val_mae'] as const;

/** Relative difference of each metric of each epoch, |got - want| / |want| (0 when both are 0 or both null). */
export function relativeDifferences(got: EpochMetrics[], want: EpochMetrics[]): number[][] {
  return got.map((g, i) => METRICS.map((key) => {
    const [a, b] = [g[key], want[i][key]];
    if (a === null || b === null) return a === b ? 0 : Infinity;
    return a === b ? 0 : Math.abs(a - b) / Math.abs(b);
  }));
}

/** The worst relative difference over every epoch and metric. */
export const worst = (got: EpochMetrics[], want: EpochMetrics[]) => Math.max(0, ...relativeDifferences(got, want).flat());
