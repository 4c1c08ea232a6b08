// The MLP's choice of data set from its options: the user's files (data/build.ts) or a built-in
// set (datasets.ts), each built-in one made once per worker.

import { fileDataset } from './data/build.js';
import type { Dataset } from './data/dataset.js';
import { iris, synthetic } from './datasets.js';
import type { MlpOptions } from './mlp-options.js';

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
