// The MLP trainer's options: what the sweep file's `trainer` section may say for kind mlp.
// Normalized options are stored with the sweep, so a key added later must be left out of the
// normalized form while it has its default (otherwise every older sweep would count as changed),
// or be a TRAINER_LEGACY key (sweep/definition.ts): `engine` is one, stored always, and read as
// tfjs for a sweep stored before it.
//
// Two kinds of data:
// - `dataset: synthetic | iris` (the first form): the data keys sit beside it (samples, features,
//   classes, noise, validation_fraction, dataset_seed) and normalize exactly as they always did.
// - `dataset: { csv: ... } | { npy: ... }` (data/spec.ts): the user's files; every data key lives
//   in the mapping. The data is read here, in the main process, so bad data is refused with the
//   sweep file, before any trial runs. The stored form keeps the paths as written (relative to the
//   sweep file, so moving a project does not change its sweeps) with the features and the task
//   resolved from the data; `resolved` holds what workers need beyond it (absolute paths, the
//   training row count) and is left out of the stored form (storedMlpOptions).
// Either way, what the trainer would allocate is bounded here (mlp-memory.ts), before any trial.

import { resolve } from 'node:path';
import { mulberry32 } from '../core/random.js';
import { field, isRecord, unknownKeys, type Problems } from '../core/problems.js';
import { rules } from '../core/rules.js';
import type { ResolvedFiles } from './data/build.js';
import { loadData, type LoadedData } from './data/load.js';
import { readDatasetRequest, type DatasetRequest, type FileDataset } from './data/spec.js';
import type { Task } from './data/table.js';
import { IRIS_SAMPLES, trainCount } from './datasets.js';
import { mlpMemoryProblem, type MlpShape } from './mlp-memory.js';

/** Units of a hidden layer at most: past this one weight matrix alone outgrows a worker's memory. */
const MAX_UNITS = 65_536;

export const OPTIMIZERS = ['sgd', 'momentum', 'adam'] as const;
const DATASETS = ['synthetic', 'iris'] as const;
const ACTIVATIONS = ['relu', 'tanh', 'sigmoid'] as const;
/**
 * What trains the network: lrsweep's own SIMD kernels (wasm-mlp/), or tfjs on --backend's backend.
 * A sweep stored before the key trains with tfjs, as it always did (sweep/definition.ts TRAINER_LEGACY).
 */
export const ENGINES = ['wasm', 'tfjs'] as const;
export type Engine = (typeof ENGINES)[number];

interface NetworkOptions {
  hidden: number[];
  activation: (typeof ACTIVATIONS)[number];
  epochs: number;
  batch_size: number;
  optimizer: (typeof OPTIMIZERS)[number];
  momentum: number;
  engine: Engine;
}

export interface BuiltinMlpOptions extends NetworkOptions {
  dataset: (typeof DATASETS)[number];
  /** synthetic only */
  samples: number;
  features: number;
  classes: number;
  noise: number;
  validation_fraction: number;
  dataset_seed: number;
}

export interface FileMlpOptions extends NetworkOptions {
  dataset: FileDataset;
  /** Set by parse for the workers; not stored with the sweep. */
  resolved: ResolvedFiles;
}

export type MlpOptions = BuiltinMlpOptions | FileMlpOptions;

export const MLP_DEFAULTS: BuiltinMlpOptions = {
  dataset: 'synthetic', samples: 1000, features: 10, classes: 3, noise: 1.0, validation_fraction: 0.2,
  dataset_seed: 0, hidden: [32], activation: 'relu', epochs: 10, batch_size: 32, optimizer: 'sgd', momentum: 0.9,
  engine: 'wasm',
};

const SYNTHETIC_ONLY = ['samples', 'features', 'classes', 'noise'];

const isFileData = (o: MlpOptions): o is FileMlpOptions => typeof o.dataset === 'object';

/** What the network learns: classes for the built-in data sets; the files' task otherwise. */
export const taskOf = (o: MlpOptions): Task => (isFileData(o) ? o.dataset.task : 'classification');

/**
 * Reads the options, reporting every problem at its key; fills defaults. Relative data paths
 * start at `baseDir`, the sweep file's directory.
 */
export function readMlpOptions(raw: Record<string, unknown>, problems: Problems, baseDir = process.cwd()): MlpOptions {
  unknownKeys(problems, raw, Object.keys(MLP_DEFAULTS), '');
  const get = <K extends keyof BuiltinMlpOptions>(k: K, rule: (v: unknown) => string | null) => field(problems, raw, k, k, rule, MLP_DEFAULTS[k]);
  // Problems are listed in the order the keys were always read in: hidden, the data keys, the rest.
  const readHidden = (): number[] => {
    if (raw.hidden === undefined) return MLP_DEFAULTS.hidden;
    if (!Array.isArray(raw.hidden)) {
      problems.add('hidden', 'must be a list of layer sizes, e.g. [32, 16]', raw.hidden);
      return MLP_DEFAULTS.hidden;
    }
    raw.hidden.forEach((v, i) => {
      const broken = rules.integer(1, MAX_UNITS)(v);
      if (broken) problems.add(`hidden[${i}]`, broken, v);
    });
    return raw.hidden as number[];
  };
  const readTraining = () => {
    const options = {
      activation: get('activation', rules.oneOf(ACTIVATIONS)),
      epochs: get('epochs', rules.integer(1)),
      batch_size: get('batch_size', rules.integer(1)),
      optimizer: get('optimizer', rules.oneOf(OPTIMIZERS)),
      momentum: get('momentum', rules.unitInterval),
      engine: get('engine', rules.oneOf(ENGINES)),
    };
    if (raw.momentum !== undefined && options.optimizer !== 'momentum') problems.add('momentum', 'applies to optimizer momentum only', undefined, false);
    return options;
  };

  if (isRecord(raw.dataset)) {
    const request = readDatasetRequest(raw.dataset, 'dataset', problems);
    for (const k of SYNTHETIC_ONLY) {
      if (raw[k] !== undefined) problems.add(k, `applies to dataset synthetic only${k === 'features' ? ' (the columns to learn from are dataset.features)' : ''}`, undefined, false);
    }
    if (raw.validation_fraction !== undefined) problems.add('validation_fraction', 'with a dataset mapping, data keys live in it: write dataset.validation_fraction', undefined, false);
    if (raw.dataset_seed !== undefined) problems.add('dataset_seed', 'with a dataset mapping, data keys live in it: write dataset.seed', undefined, false);
    const net = { hidden: readHidden(), ...readTraining() };
    const data = request ? readData(request, baseDir, problems) : null;
    const placeholder = { csv: '', label: '', features: [], task: 'classification' } as FileDataset; // only seen when there are problems
    if (!data || !request) return { dataset: placeholder, ...net, resolved: { paths: {}, train_rows: 0, task_reason: '' } };
    if (problems.empty) checkMemory(problems, {
      features: data.train.featureNames.length, outputs: data.classes?.names.length ?? 1, classification: data.classes !== null,
      trainRows: data.trainRows, validationRows: data.validationRows, hidden: net.hidden, batchSize: net.batch_size, optimizer: net.optimizer,
    });
    return { dataset: storedDataset(request, data), ...net, resolved: { paths: data.paths, train_rows: data.trainRows, task_reason: data.because } };
  }

  const dataset = get('dataset', (v) => (DATASETS.includes(v as never) ? null
    : `must be one of ${DATASETS.join(', ')}, or a mapping { csv: FILE, label: COLUMN } or { npy: { x: FILE, y: FILE } }`));
  if (dataset === 'iris') {
    for (const k of SYNTHETIC_ONLY) if (raw[k] !== undefined) problems.add(k, 'applies to dataset synthetic only, not iris', undefined, false);
  }
  const hidden = readHidden();
  const data = {
    samples: get('samples', rules.integer(4)),
    features: get('features', rules.integer(1)),
    classes: get('classes', rules.integer(2)),
    noise: get('noise', rules.nonNegative),
    validation_fraction: get('validation_fraction', rules.fraction),
    dataset_seed: get('dataset_seed', rules.integer(0)),
  };
  const options: BuiltinMlpOptions = { dataset, ...data, hidden, ...readTraining() };
  if (dataset === 'iris') options.samples = IRIS_SAMPLES;
  if (problems.empty) {
    const trainRows = trainCount(options.samples, options.validation_fraction);
    checkMemory(problems, {
      features: dataset === 'iris' ? 4 : options.features, outputs: dataset === 'iris' ? 3 : options.classes, classification: true,
      trainRows, validationRows: options.samples - trainRows, hidden, batchSize: options.batch_size, optimizer: options.optimizer,
      keys: dataset === 'iris' ? undefined : { data: 'samples', targets: 'classes' },
    });
  }
  return options;
}

/** Refuses options whose trials would hold more memory than the trainer allows (mlp-memory.ts). */
function checkMemory(problems: Problems, shape: MlpShape): void {
  const problem = mlpMemoryProblem(shape);
  if (problem) problems.add(problem.key, problem.message, undefined, false);
}

function readData(request: DatasetRequest, baseDir: string, problems: Problems): LoadedData | null {
  const { data, problems: found } = loadData(request, (p) => resolve(baseDir, p));
  for (const p of found) problems.add(`dataset.${p.key}`, p.message, undefined, false);
  return data;
}

/** The dataset mapping as stored: paths as written, the features and task resolved from the data. */
function storedDataset(r: DatasetRequest, data: LoadedData): FileDataset {
  const holdout = r.validation ? {} : { validation_fraction: r.validation_fraction, seed: r.seed };
  if ('csv' in r.files) {
    return { csv: r.files.csv, label: r.label!, features: data.train.featureNames, task: data.task, ...(r.validation ? { validation: r.validation as { csv: string } } : {}), ...holdout };
  }
  return { npy: r.files.npy, task: data.task, ...(r.validation ? { validation: r.validation as { npy: { x: string; y: string } } } : {}), ...holdout };
}

/** The options as the sweep stores them: without what parse resolved for the workers. */
export function storedMlpOptions(o: MlpOptions): Record<string, unknown> {
  if (!isFileData(o)) return { ...o };
  const { resolved: _resolved, ...stored } = o;
  return stored;
}

/** The files a trial's results depend on (absolute), for the sweep's content hash. */
export function mlpFiles(o: MlpOptions): string[] {
  return isFileData(o) ? [...new Set(Object.values(o.resolved.paths))].sort() : [];
}

/** The metrics a trial reports: val_accuracy for classes, val_mae for a regression target. */
export function mlpMetrics(o: MlpOptions): string[] {
  return ['train_loss', 'val_loss', taskOf(o) === 'classification' ? 'val_accuracy' : 'val_mae'];
}

/** Rows a trial trains on per epoch. */
function trainRowsOf(o: MlpOptions): number {
  return isFileData(o) ? o.resolved.train_rows : trainCount(o.samples, o.validation_fraction);
}

/** Steps of one epoch: its batches. */
export function mlpStepsPerEpoch(o: MlpOptions): number {
  return Math.ceil(trainRowsOf(o) / o.batch_size);
}

/** Steps of one trial: epochs x batches per epoch. */
export function mlpSteps(o: MlpOptions): number {
  return o.epochs * mlpStepsPerEpoch(o);
}

/**
 * The trial's data order: its own salt, so it never shares a stream with the initial weights.
 * One definition for the single-trial and the cohort trainer, which must shuffle alike.
 */
export const shuffleRandom = (seed: number) => mulberry32(seed ^ 0x51ed);
