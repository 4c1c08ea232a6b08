// The MLP's `dataset` mapping: the user's own data, from CSV or .npy files.
//
//   dataset:
//     csv: data/train.csv          # or npy: { x: X.npy, y: y.npy }
//     label: species               # csv only: the column to predict
//     features: [a, b]             # csv only; default: every other column
//     task: classification         # or regression; default: inferred from the label
//     validation: { csv: data/val.csv }   # default: hold out validation_fraction of the rows
//     validation_fraction: 0.2     # without validation only
//     seed: 0                      # without validation only: the held-out shuffle's seed
//
// Paths are relative to the sweep file's directory. Two forms, as everywhere in lrsweep:
// DatasetRequest is what the file says (checked for shape only, here); FileDataset is what the
// sweep stores once the data is read (paths as written, features and task resolved).

import { field, isRecord, unknownKeys, type Problems } from '../../core/problems.js';
import { rules } from '../../core/rules.js';
import { TASKS, type Task } from './table.js';

export interface NpyPaths {
  x: string;
  y: string;
}

export type DataFiles = { csv: string } | { npy: NpyPaths };

interface Holdout {
  /** Without a validation file: the share of rows held out, and the seed of the shuffle that picks them. */
  validation_fraction?: number;
  seed?: number;
}

export interface CsvDataset extends Holdout {
  csv: string;
  label: string;
  features: string[];
  task: Task;
  validation?: { csv: string };
}

export interface NpyDataset extends Holdout {
  npy: NpyPaths;
  task: Task;
  validation?: { npy: NpyPaths };
}

/** The dataset mapping as stored with the sweep. */
export type FileDataset = CsvDataset | NpyDataset;

/** What the sweep file says, before the data is read. */
export interface DatasetRequest {
  files: DataFiles;
  /** CSV only. */
  label: string | null;
  /** CSV only; null: every column but the label. */
  features: string[] | null;
  /** null: inferred from the training labels. */
  task: Task | null;
  validation: DataFiles | null;
  validation_fraction: number;
  seed: number;
}

export const HOLDOUT_DEFAULTS = { validation_fraction: 0.2, seed: 0 } as const;

const KEYS = ['csv', 'npy', 'label', 'features', 'task', 'validation', 'validation_fraction', 'seed'];

/** Every path a set of data files names, as written. */
export const pathsOf = (files: DataFiles): string[] => ('csv' in files ? [files.csv] : [files.npy.x, files.npy.y]);

/** Reads the dataset mapping at `path`; null when it has problems (all reported). */
export function readDatasetRequest(raw: Record<string, unknown>, path: string, problems: Problems): DatasetRequest | null {
  const before = problems.entries.length;
  unknownKeys(problems, raw, KEYS, path);
  const files = readFiles(raw, path, problems, 'csv: FILE (with label: COLUMN) or npy: { x: FILE, y: FILE }');
  const csv = files !== null && 'csv' in files;

  let label: string | null = null;
  if (raw.label !== undefined && files !== null && !csv) problems.add(`${path}.label`, 'applies to csv data only (with npy, y holds the labels)', undefined, false);
  else if (raw.label === undefined && csv) problems.add(`${path}.label`, 'is required with csv: the name of the column to predict', undefined, false);
  else label = field(problems, raw, 'label', `${path}.label`, rules.string, null as string | null);

  let features: string[] | null = null;
  if (raw.features !== undefined && files !== null && !csv) problems.add(`${path}.features`, 'applies to csv data only (with npy, every column of x is a feature)', undefined, false);
  else if (raw.features !== undefined) {
    if (!Array.isArray(raw.features) || raw.features.length === 0) problems.add(`${path}.features`, 'must be a non-empty list of column names', raw.features);
    else {
      const list = raw.features;
      list.forEach((v, i) => {
        const broken = rules.string(v);
        if (broken) problems.add(`${path}.features[${i}]`, broken, v);
        else if (v === raw.label) problems.add(`${path}.features[${i}]`, `is the label column ${JSON.stringify(v)}; a feature cannot be the label`, undefined, false);
        else if (list.indexOf(v) !== i) problems.add(`${path}.features[${i}]`, `is listed twice (also features[${list.indexOf(v)}])`, undefined, false);
      });
      features = list as string[];
    }
  }

  const task = field(problems, raw, 'task', `${path}.task`, rules.oneOf(TASKS), null as Task | null);

  let validation: DataFiles | null = null;
  if (raw.validation !== undefined) {
    if (!isRecord(raw.validation)) problems.add(`${path}.validation`, 'must be a mapping like the training data: { csv: FILE } or { npy: { x: FILE, y: FILE } }', raw.validation);
    else {
      unknownKeys(problems, raw.validation, ['csv', 'npy'], `${path}.validation`);
      validation = readFiles(raw.validation, `${path}.validation`, problems, csv ? 'csv: FILE, like the training data' : 'npy: { x: FILE, y: FILE }, like the training data');
      if (validation !== null && files !== null && 'csv' in validation !== csv) {
        problems.add(`${path}.validation`, `must be ${csv ? 'csv' : 'npy'} data like the training data`, undefined, false);
        validation = null;
      }
    }
    for (const key of ['validation_fraction', 'seed']) {
      if (raw[key] !== undefined) problems.add(`${path}.${key}`, `applies only without a validation file (part of the training data is held out then)`, undefined, false);
    }
  }
  const validation_fraction = field(problems, raw, 'validation_fraction', `${path}.validation_fraction`, rules.fraction, HOLDOUT_DEFAULTS.validation_fraction as number);
  const seed = field(problems, raw, 'seed', `${path}.seed`, rules.integer(0), HOLDOUT_DEFAULTS.seed as number);

  if (problems.entries.length > before || files === null) return null;
  return { files, label, features, task, validation, validation_fraction, seed };
}

function readFiles(raw: Record<string, unknown>, path: string, problems: Problems, needs: string): DataFiles | null {
  if (raw.csv !== undefined && raw.npy !== undefined) {
    problems.add(path, 'gives both csv and npy; give one', undefined, false);
    return null;
  }
  if (raw.csv !== undefined) {
    const broken = rules.string(raw.csv);
    if (broken) problems.add(`${path}.csv`, `${broken} (a CSV file's path, relative to the sweep file)`, raw.csv);
    return broken ? null : { csv: raw.csv as string };
  }
  if (raw.npy !== undefined) {
    if (!isRecord(raw.npy)) {
      problems.add(`${path}.npy`, 'must be a mapping { x: FILE, y: FILE } of .npy files', raw.npy);
      return null;
    }
    const npy = raw.npy;
    unknownKeys(problems, npy, ['x', 'y'], `${path}.npy`);
    let ok = true;
    for (const k of ['x', 'y'] as const) {
      const broken = npy[k] === undefined ? 'is required' : rules.string(npy[k]);
      if (broken) {
        problems.add(`${path}.npy.${k}`, `${broken} (an .npy file's path, relative to the sweep file)`, npy[k], npy[k] !== undefined);
        ok = false;
      }
    }
    return ok ? { npy: { x: npy.x as string, y: npy.y as string } } : null;
  }
  problems.add(path, `needs ${needs}`, undefined, false);
  return null;
}
