// Reading the user's data set: the training file, the validation file if any, the task, the
// classes or targets; every problem at once, each at its key in the `dataset` mapping (table.ts
// says how they are worded). The sweep file's check calls this in the main thread, before any
// trial; each pool worker calls it again (with the absolute paths the check resolved) to train.
//
// Loads are cached per file (path, modification time and size) and request, so the check, the
// step count and --dry-run's description read each file once.

import { statSync } from 'node:fs';
import { checkStopped, readCsv } from './csv.js';
import { classesOf, encodeClasses, inferTask, regressionTargets, type Classes } from './labels.js';
import { readNpyTable } from './npy-table.js';
import { heldOutCount } from './prepare.js';
import { pathsOf, type DataFiles, type DatasetRequest } from './spec.js';
import type { DataProblem, Table, Task } from './table.js';

export interface LoadedData {
  request: DatasetRequest;
  train: Table;
  validation: Table | null;
  task: Task;
  /** Why this task, for --dry-run: the sweep file set it, or what the label holds. */
  because: string;
  /** Classification only. */
  classes: Classes | null;
  /** Class indices (classification) or targets in their own units (regression), one per row of each table. */
  trainY: Int32Array | Float64Array;
  validationY: Int32Array | Float64Array | null;
  /** Rows the network trains on and is validated on (a held-out share of train when there is no validation file). */
  trainRows: number;
  validationRows: number;
  /** The absolute path of each path as the sweep file wrote it. */
  paths: Record<string, string>;
}

export interface LoadResult {
  data: LoadedData | null;
  problems: DataProblem[];
}

/** Where problems with a whole file go (its key in the dataset mapping), and its name in messages. */
const mainFile = (files: DataFiles): { key: string; shown: string } => ('csv' in files ? { key: 'csv', shown: files.csv } : { key: 'npy.x', shown: files.npy.x });

/** What the training file told about its columns, for checking the validation file against. */
interface Columns {
  file: string;
  /** CSV only. */
  header: readonly string[] | null;
  featureNames: readonly string[];
}

function readTable(files: DataFiles, request: DatasetRequest, paths: Record<string, string>, prefix: string, features: readonly string[] | null, sameAs: Columns | null, signal?: AbortSignal):
  { table: Table | null; columns: Columns | null; problems: DataProblem[] } {
  checkStopped(signal);
  if ('csv' in files) {
    const validation = prefix !== '';
    const read = readCsv(paths[files.csv], files.csv, {
      label: request.label!, features, sameColumnsAs: sameAs?.header ? { file: sameAs.file, columns: sameAs.header } : undefined,
    }, {
      file: `${prefix}csv`,
      label: validation ? `${prefix}csv` : 'label',
      feature: (i) => (validation ? `${prefix}csv` : `features[${i}]`),
    }, signal);
    const columns = read.header && read.featureNames ? { file: files.csv, header: read.header, featureNames: read.featureNames } : null;
    return { table: read.table, columns, problems: read.problems };
  }
  const read = readNpyTable({ x: { path: paths[files.npy.x], shown: files.npy.x }, y: { path: paths[files.npy.y], shown: files.npy.y } }, `${prefix}npy`);
  const columns = read.table ? { file: files.npy.x, header: null, featureNames: read.table.featureNames } : null;
  if (read.table && sameAs && read.table.featureNames.length !== sameAs.featureNames.length) {
    const features = (n: number) => `${n} feature${n === 1 ? '' : 's'} (columns)`;
    return { table: null, columns, problems: [{ key: `${prefix}npy.x`, message: `${files.npy.x}: has ${features(read.table.featureNames.length)}; the training data ${sameAs.file} has ${sameAs.featureNames.length}` }] };
  }
  return { ...read, columns };
}

function load(request: DatasetRequest, paths: Record<string, string>, signal?: AbortSignal): LoadResult {
  const problems: DataProblem[] = [];
  const train = readTable(request.files, request, paths, '', request.features, null, signal);
  problems.push(...train.problems);
  // The validation file is read even when the training file has problems: every problem at once.
  const validationRead = request.validation
    ? readTable(request.validation, request, paths, 'validation.', train.columns?.featureNames ?? request.features, train.columns, signal)
    : null;
  const t = train.table;
  if (!t) return { data: null, problems: [...problems, ...(validationRead?.problems ?? [])] };
  const csv = 'csv' in request.files;
  const labelKey = csv ? 'label' : 'npy.y';

  const inferred = request.task === null ? inferTask(t) : null;
  const task = request.task ?? inferred!.task;
  const because = inferred?.because ?? 'task is set in the sweep file';
  const classes = task === 'classification' ? classesOf(t) : null;
  const trainY = classes ? encodeClasses(t, classes, labelKey, true) : regressionTargets(t, labelKey, true);
  problems.push(...trainY.problems, ...(validationRead?.problems ?? []));

  const validation = validationRead?.table ?? null;
  let validationY: Int32Array | Float64Array | null = null;
  if (validation) {
    const vKey = csv ? 'validation.csv' : 'validation.npy.y';
    const y = classes ? encodeClasses(validation, classes, vKey, false) : regressionTargets(validation, vKey, false);
    problems.push(...y.problems);
    validationY = y.y;
  }
  let trainRows = t.rows;
  let validationRows = validation?.rows ?? 0;
  if (!request.validation) {
    validationRows = heldOutCount(t.rows, request.validation_fraction);
    trainRows = t.rows - validationRows;
    if (trainRows < 1) {
      problems.push({
        key: mainFile(request.files).key,
        message: `${mainFile(request.files).shown}: has ${t.rows} row${t.rows === 1 ? '' : 's'}; holding out validation_fraction ${request.validation_fraction} of them (${validationRows}) leaves none to train on`,
      });
    }
  }
  if (problems.length > 0) return { data: null, problems };
  return {
    problems: [],
    data: { request, train: t, validation, task, because, classes, trainY: trainY.y!, validationY, trainRows, validationRows, paths },
  };
}

// A few entries: the check and every worker load one data set; a cache of one would reload
// when the training and a describe call alternate between two sweeps in one process (tests).
const MAX_CACHED = 4;
const cache = new Map<string, LoadResult>();

const cacheKey = (r: DatasetRequest, stamps: (string | null)[]): string =>
  JSON.stringify([r.files, r.label, r.features, r.task, r.validation, r.validation_fraction, r.seed, stamps]);

function remember(key: string, result: LoadResult): void {
  cache.set(key, result);
  if (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value!);
}

/** The file's identity for the cache: its path, modification time and size; null when it cannot be read. */
function stamp(path: string): string | null {
  try {
    const s = statSync(path);
    return `${path}:${s.mtimeMs}:${s.size}`;
  } catch {
    return null;
  }
}

/**
 * Reads the data a request names; `resolvePath` turns a path as written into an absolute one.
 * Throws DataReadStopped (csv.ts) when `signal` fires while it reads.
 */
export function loadData(request: DatasetRequest, resolvePath: (written: string) => string, signal?: AbortSignal): LoadResult {
  const written = [...pathsOf(request.files), ...(request.validation ? pathsOf(request.validation) : [])];
  const paths = Object.fromEntries(written.map((p) => [p, resolvePath(p)]));
  const stamps = Object.values(paths).map(stamp);
  const key = stamps.includes(null) ? null : cacheKey(request, stamps);
  const hit = key === null ? undefined : cache.get(key);
  if (hit) return hit;
  const result = load(request, paths, signal);
  if (key !== null) {
    remember(key, result);
    // The stored form asks again with its features and task resolved (steps, --dry-run, a
    // trial in this thread): the same data, so the same entry.
    if (result.data) {
      const resolved = { ...request, features: 'csv' in request.files ? result.data.train.featureNames : null, task: result.data.task };
      remember(cacheKey(resolved, stamps), result);
    }
  }
  return result;
}
