// What the CSV and .npy readers share: a data file read into a feature matrix and a label column,
// the rule for what counts as a number, and how problems are worded and collected.
//
// Conventions every message keeps:
// - A file is named as the sweep file wrote it (relative to the sweep file's directory).
// - Rows count data rows from 1, the header not counted (row 1 is the first row after a CSV's
//   header, or index 0 of an .npy array). CSV messages add the file's line, counted from 1 with
//   the header as line 1, where the row starts: `row 3 (line 4)`.
// - Problems carry a key relative to the trainer's `dataset` mapping (`csv`, `label`,
//   `features[1]`, `validation.csv`, `npy.x`); the options parser puts them under `dataset.`.
// - A problem repeated on many rows is reported once per file and column, with its first row
//   and how many more there are, so a column of text gives one line, not ten thousand.
// - Text from a data file (a field, a column name, a label) is quoted with quoteField: at most
//   the offending field, cut to MAX_QUOTED characters, never a whole line. The file may not be
//   data at all: `csv:` pointed at an environment file made a header of the whole environment.

export type Task = 'classification' | 'regression';
export const TASKS: readonly Task[] = ['classification', 'regression'];

/** One problem with the data, at a key relative to the `dataset` mapping. */
export interface DataProblem {
  key: string;
  message: string;
}

/** A data file as read: features and labels, before the task says what the labels mean. */
export interface Table {
  /** The file as the sweep file names it. */
  file: string;
  rows: number;
  featureNames: string[];
  /** Row-major, rows x featureNames.length. */
  x: Float64Array;
  /** The label of each row: strings from a CSV, numbers from y.npy. */
  labels: readonly string[] | Float64Array;
  /** The label's column name (CSV), or null (y.npy has none). */
  labelName: string | null;
  /** Where row i (from 0) is, for messages: `row 3 (line 4)` or `row 3`. */
  where(i: number): string;
}

// Decimal numbers as people write them in data files: 3, -0.5, .5, 1e-3, +2. Not hex, not
// Infinity or NaN, not empty (JavaScript's Number() would take all of those).
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The number a field holds, or null when it is not a finite decimal number. */
export function parseNumber(text: string): number | null {
  const t = text.trim();
  if (!NUMBER.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/** Where a row's label is, for messages: `y.npy row 3` or `train.csv row 3 (line 4), column "species"`. */
export const labelAt = (t: Table, i: number): string => `${t.file} ${t.where(i)}${t.labelName === null ? '' : `, column ${quoteName(t.labelName)}`}`;

/** Characters of a file's text a message quotes at most (a field, a column name, a label). */
const MAX_QUOTED = 40;

/** Text from a data file as messages quote it: JSON-quoted, cut to MAX_QUOTED characters. */
export function quoteField(text: string): string {
  return text.length <= MAX_QUOTED ? JSON.stringify(text) : `${JSON.stringify(text.slice(0, MAX_QUOTED))}... (${text.length} characters)`;
}

/** A column's name as messages show it (cut: a header may be any file's first line). */
export const quoteName = quoteField;

/** Names as a list: `a, b, c` (at most `max`, then `... (N in all)`). */
export function listNames(names: readonly string[], max = 12): string {
  const shown = names.slice(0, max).map(quoteName).join(', ');
  return names.length > max ? `${shown}, ... (${names.length} in all)` : shown;
}

/** Collects problems that may repeat on many rows: one per group, with its first row and a count of the rest. */
export class RowProblems {
  private readonly groups = new Map<string, { key: string; message: string; more: string[]; count: number; note: string }>();

  /** `message` describes the first row it happens on; `row` names a later one ("7"); `note` ends the line. */
  add(key: string, group: string, message: () => string, row: string, note = ''): void {
    const g = this.groups.get(`${key}\0${group}`);
    if (!g) this.groups.set(`${key}\0${group}`, { key, message: message(), more: [], count: 0, note });
    else {
      if (g.more.length < 3) g.more.push(row);
      g.count++;
    }
  }

  get size(): number {
    return this.groups.size;
  }

  list(): DataProblem[] {
    return [...this.groups.values()].map((g) => ({
      key: g.key,
      message: (g.count === 0 ? g.message
        : `${g.message} (also ${g.count === g.more.length ? `row${g.count > 1 ? 's' : ''} ${g.more.join(', ')}` : `${g.count} more rows: ${g.more.join(', ')}, ...`})`) + g.note,
    }));
  }
}

/** Doubles as it fills: rows of numbers of unknown count, without a JS array of boxed values. */
export class GrowingFloats {
  private data = new Float64Array(1024);
  length = 0;

  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }

  /** The values, trimmed to their length (a copy, so the spare capacity is freed). */
  done(): Float64Array {
    return this.data.slice(0, this.length);
  }
}
