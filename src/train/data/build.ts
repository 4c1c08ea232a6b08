// The user's data as the network trains on it (a Dataset, dataset.ts): the training and
// validation rows (a validation file, or a held-out share of the training file by the dataset's
// seed), features standardised with the training rows' statistics, and for regression the
// target standardised too (its mean and deviation kept, so metrics are reported in its units).
// Runs in each pool worker, from the options the sweep file's check produced.

import type { ClassificationData, Dataset, RegressionData } from './dataset.js';
import { loadData, type LoadedData } from './load.js';
import { splitOrder, standardise } from './prepare.js';
import { HOLDOUT_DEFAULTS, type DatasetRequest, type FileDataset } from './spec.js';

/** What the check resolved, for the workers; not stored with the sweep. */
export interface ResolvedFiles {
  /** The absolute path of each path as the sweep file wrote it. */
  paths: Record<string, string>;
  /** Training rows when the sweep was checked: the step count depends on it. */
  train_rows: number;
  /** Why the task is what it is (for --dry-run): the sweep file says so, or what the label holds. */
  task_reason: string;
}

/** The request a stored dataset mapping makes (its features and task are explicit by then). */
export function requestOf(d: FileDataset): DatasetRequest {
  const holdout = {
    validation_fraction: d.validation_fraction ?? HOLDOUT_DEFAULTS.validation_fraction,
    seed: d.seed ?? HOLDOUT_DEFAULTS.seed,
  };
  return 'csv' in d
    ? { files: { csv: d.csv }, label: d.label, features: d.features, task: d.task, validation: d.validation ?? null, ...holdout }
    : { files: { npy: d.npy }, label: null, features: null, task: d.task, validation: d.validation ?? null, ...holdout };
}

/** Rows of a row-major [*, width] float64 array, in the order given. */
function take(source: Float64Array, width: number, rows: ArrayLike<number>): Float64Array {
  const out = new Float64Array(rows.length * width);
  for (let i = 0; i < rows.length; i++) out.set(source.subarray(rows[i] * width, (rows[i] + 1) * width), i * width);
  return out;
}

const all = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

/** Builds the Dataset from loaded data (standardising in float64, then rounding to float32 once). */
function buildDataset(data: LoadedData): Dataset {
  const features = data.train.featureNames.length;
  const { trainRows, valRows, valSource, valY } = data.validation
    ? { trainRows: all(data.train.rows), valRows: all(data.validation.rows), valSource: data.validation, valY: data.validationY! }
    : (() => {
      const order = splitOrder(data.train.rows, data.request.validation_fraction, data.request.seed);
      return { trainRows: order.train, valRows: order.validation, valSource: data.train, valY: data.trainY };
    })();
  const trainX = take(data.train.x, features, trainRows);
  const valX = take(valSource.x, features, valRows);
  standardise(trainX, [valX], features);
  const rows = { features, trainX: Float32Array.from(trainX), valX: Float32Array.from(valX) };
  if (data.task === 'classification') {
    const pick = (y: Int32Array, at: Int32Array) => Int32Array.from(at, (r) => y[r]);
    const set: ClassificationData = {
      task: 'classification', ...rows, classes: data.classes!.names.length,
      trainY: pick(data.trainY as Int32Array, trainRows), valY: pick(valY as Int32Array, valRows),
    };
    return set;
  }
  const trainY = take(data.trainY as Float64Array, 1, trainRows);
  const validationY = take(valY as Float64Array, 1, valRows);
  const { mean, sd } = standardise(trainY, [validationY], 1);
  const set: RegressionData = {
    task: 'regression', ...rows, trainY: Float32Array.from(trainY), valY: Float32Array.from(validationY), target: { mean: mean[0], sd: sd[0] },
  };
  return set;
}

// A worker trains many trials of one sweep: build its data set once.
const built = new Map<string, Dataset>();

/** The Dataset of a stored dataset mapping, read from the files the check resolved. */
export function fileDataset(d: FileDataset, resolved: ResolvedFiles, signal?: AbortSignal): Dataset {
  const key = JSON.stringify([d, resolved]);
  const hit = built.get(key);
  if (hit) return hit;
  const { data, problems } = loadData(requestOf(d), (p) => resolved.paths[p] ?? p, signal);
  if (!data) throw new Error(`the data changed since the sweep file was checked: ${problems[0].message}`);
  if (data.trainRows !== resolved.train_rows) {
    throw new Error(`the data changed since the sweep file was checked: it now gives ${data.trainRows} training rows, ${resolved.train_rows} then (the step count depends on them): run the sweep again`);
  }
  const set = buildDataset(data);
  built.clear(); // one data set per worker at a time: they can be large
  built.set(key, set);
  return set;
}
