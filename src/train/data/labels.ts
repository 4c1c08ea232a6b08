// What a label column means: the task it suggests (when the sweep file does not say), its classes,
// and the targets it gives. Classes are sorted (numbers by value, text by character codes), so the
// same data always maps a class to the same output unit, whatever the row order.

import { RowProblems, labelAt, listNames, parseNumber, quoteField, quoteName, type DataProblem, type Table, type Task } from './table.js';

/** A label of integers with at most this many distinct values is taken for classes. */
export const MAX_INFERRED_CLASSES = 20;

/** The labels as numbers, or null when one of them is not a number. */
function labelNumbers(labels: Table['labels']): Float64Array | null {
  if (labels instanceof Float64Array) return labels;
  const out = new Float64Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const v = parseNumber(labels[i]);
    if (v === null) return null;
    out[i] = v;
  }
  return out;
}

/** The task a training label suggests, and why (for --dry-run). */
export function inferTask(table: Table): { task: Task; because: string } {
  const numbers = labelNumbers(table.labels);
  if (numbers === null) {
    const text = (table.labels as readonly string[]).find((l) => parseNumber(l) === null)!;
    return { task: 'classification', because: `the label holds text, e.g. ${quoteField(text)}` };
  }
  const distinct = new Set(numbers).size;
  const integers = numbers.every(Number.isInteger);
  if (integers && distinct <= MAX_INFERRED_CLASSES) {
    return { task: 'classification', because: `the label holds ${distinct} distinct integers; set task: regression to fit them as numbers` };
  }
  return {
    task: 'regression',
    because: integers ? `the label holds ${distinct} distinct integers, more than ${MAX_INFERRED_CLASSES}` : 'the label holds numbers that are not all integers',
  };
}

/** How labels map to classes: the sorted names, and whether they are compared as numbers. */
export interface Classes {
  names: string[];
  numeric: boolean;
}

/** The training labels' classes. */
export function classesOf(table: Table): Classes {
  const numbers = labelNumbers(table.labels);
  if (numbers !== null) return { names: [...new Set(numbers)].sort((a, b) => a - b).map(String), numeric: true };
  return { names: [...new Set(table.labels as readonly string[])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)), numeric: false };
}

const nameOf = (label: string | number, numeric: boolean): string => (numeric ? String(typeof label === 'number' ? label : parseNumber(label)) : String(label));

/**
 * Class indices of a table's labels; `training` says whether the classes came from this table
 * (then one class is a problem) or from the training file (then a label it lacks is one).
 */
export function encodeClasses(table: Table, classes: Classes, key: string, training: boolean): { y: Int32Array | null; problems: DataProblem[] } {
  const index = new Map(classes.names.map((n, i) => [n, i]));
  const y = new Int32Array(table.rows);
  const problems = new RowProblems();
  for (let i = 0; i < table.rows; i++) {
    const label = table.labels[i];
    if (label === '') {
      problems.add(key, 'empty', () => `${labelAt(table, i)}: the label is empty; every row needs one`, String(i + 1));
      continue;
    }
    const k = index.get(nameOf(label, classes.numeric));
    if (k === undefined) {
      problems.add(key, 'unknown', () => `${labelAt(table, i)}: ${quoteField(String(label))} is not a class of the training data (${listNames(classes.names)})`, String(i + 1));
    } else y[i] = k;
  }
  const found = problems.list();
  if (training && found.length === 0 && classes.names.length < 2) {
    found.push({ key, message: `${table.file}: the label${table.labelName === null ? '' : ` ${quoteName(table.labelName)}`} holds one class (${quoteName(classes.names[0])}) in all ${table.rows} rows; classification needs at least 2` });
  }
  return found.length === 0 ? { y, problems: [] } : { y: null, problems: found };
}

/** Regression targets: every label must be a number; a training label must vary. */
export function regressionTargets(table: Table, key: string, training: boolean): { y: Float64Array | null; problems: DataProblem[] } {
  const y = new Float64Array(table.rows);
  const problems = new RowProblems();
  for (let i = 0; i < table.rows; i++) {
    const label = table.labels[i];
    const v = typeof label === 'number' ? label : parseNumber(label);
    if (v === null || !Number.isFinite(v)) problems.add(key, 'number', () => `${labelAt(table, i)}: must be a number for task regression, got ${typeof label === 'number' ? label : quoteField(label)}`, String(i + 1));
    else y[i] = v;
  }
  const found = problems.list();
  if (training && found.length === 0 && y.every((v) => v === y[0])) {
    found.push({ key, message: `${table.file}: the label${table.labelName === null ? '' : ` ${quoteName(table.labelName)}`} holds one value (${y[0]}) in all ${table.rows} rows; regression needs it to vary` });
  }
  return found.length === 0 ? { y, problems: [] } : { y: null, problems: found };
}
