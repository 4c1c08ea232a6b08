// A data set as two .npy files: x, a 2-d array (rows x features), and y, the labels (1-d, or a
// column of width 1), as NumPy saves them (np.save). Problems are reported at `<key>.x` and
// `<key>.y` (e.g. `npy.x`, `validation.npy.y`), each naming the file and, for a value, its row
// and column (both from 1).

import { MAX_NPY_BYTES, readDataFile } from './csv.js';
import { NpyFormatError, parseNpy, type NpyArray } from './npy.js';
import { RowProblems, type DataProblem, type Table } from './table.js';

export interface NpyFiles {
  x: { path: string; shown: string };
  y: { path: string; shown: string };
}

const shapeText = (shape: readonly number[]) => `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;

function readArray(path: string, shown: string, key: string): { array: NpyArray } | { problem: DataProblem } {
  const file = readDataFile(path, shown, key, MAX_NPY_BYTES);
  if ('problem' in file) return file;
  try {
    return { array: parseNpy(file.bytes) };
  } catch (e) {
    if (e instanceof NpyFormatError) return { problem: { key, message: `${shown}: ${e.message}` } };
    throw e;
  }
}

export function readNpyTable(files: NpyFiles, key: string): { table: Table | null; problems: DataProblem[] } {
  const problems: DataProblem[] = [];
  const x = readArray(files.x.path, files.x.shown, `${key}.x`);
  const y = readArray(files.y.path, files.y.shown, `${key}.y`);
  if ('problem' in x) problems.push(x.problem);
  if ('problem' in y) problems.push(y.problem);
  if ('problem' in x || 'problem' in y) return { table: null, problems };

  const [xs, ys] = [x.array, y.array];
  if (xs.shape.length !== 2) problems.push({ key: `${key}.x`, message: `${files.x.shown}: must hold a 2-d array (rows x features), got shape ${shapeText(xs.shape)}` });
  else if (xs.shape[0] === 0) problems.push({ key: `${key}.x`, message: `${files.x.shown}: holds no rows (shape ${shapeText(xs.shape)})` });
  else if (xs.shape[1] === 0) problems.push({ key: `${key}.x`, message: `${files.x.shown}: holds no features (shape ${shapeText(xs.shape)})` });
  const yColumn = ys.shape.length === 1 || (ys.shape.length === 2 && ys.shape[1] === 1);
  if (!yColumn) problems.push({ key: `${key}.y`, message: `${files.y.shown}: must hold a 1-d array of labels, got shape ${shapeText(ys.shape)}` });
  if (problems.length > 0) return { table: null, problems };
  const [rows, features] = xs.shape;
  if (ys.shape[0] !== rows) return { table: null, problems: [{ key: `${key}.y`, message: `${files.y.shown}: has ${ys.shape[0]} rows; ${files.x.shown} has ${rows}` }] };

  const values = new RowProblems();
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < features; j++) {
      const v = xs.data[i * features + j];
      if (!Number.isFinite(v)) values.add(`${key}.x`, `column ${j}`, () => `${files.x.shown} row ${i + 1}, column ${j + 1}: must be a finite number, got ${v}`, String(i + 1));
    }
    if (!Number.isFinite(ys.data[i])) values.add(`${key}.y`, 'y', () => `${files.y.shown} row ${i + 1}: must be a finite number, got ${ys.data[i]}`, String(i + 1));
  }
  if (values.size > 0) return { table: null, problems: values.list() };
  return {
    problems: [],
    table: {
      file: files.y.shown,
      rows,
      featureNames: Array.from({ length: features }, (_, j) => `column ${j + 1}`),
      x: xs.data,
      labels: ys.data,
      labelName: null,
      where: (i) => `row ${i + 1}`,
    },
  };
}
