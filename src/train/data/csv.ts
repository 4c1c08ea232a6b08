// Reading a CSV data file with csv-parse: a header row, then one row per example. A byte-order
// mark, CRLF line ends, quoted fields (a header "sepal length" with its space), blank lines and
// spaces around fields are ordinary and handled by the library; the delimiter is a comma.
//
// Only the selected columns are read: the label as text (the task decides later what it means)
// and the features as numbers; other columns are not looked at. Every problem is collected (see
// table.ts for how they are worded); a file with a problem gives no table.
//
// Size: the file is read whole (csv-parse's sync API) and each row is turned into numbers as it is
// parsed, so memory is the file's bytes plus 8 bytes a feature value and the label texts. Meant
// for the data sets sweeps train small networks on: up to a few hundred thousand rows; files
// above MAX_DATA_BYTES are refused. Time is mostly csv-parse's: 100,000 rows of 21 columns (16 MB)
// took 3.3 to 3.8 s here, csv-parse alone with the same options 3.3 s. The sweep file's check
// reads the file once, and each pool worker once more. A worker's parse checks its stop signal
// every few thousand rows (the pool's shared flag reads at once), so Ctrl-C stops it mid-file.

import { readFileSync, statSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { GrowingFloats, RowProblems, listNames, parseNumber, quoteField, quoteName, type DataProblem, type Table } from './table.js';

/**
 * Largest CSV file the MLP reads: every worker parses and holds its own copy, and 64 MB of CSV
 * takes about 15 s to parse here (see above), before every worker's first trial.
 */
export const MAX_DATA_BYTES = 64 * 1024 * 1024;
/** Largest .npy file: no parsing, so only memory (each worker's copy) bounds it. */
export const MAX_NPY_BYTES = 512 * 1024 * 1024;

export interface CsvSelection {
  label: string;
  /** The feature columns; null for every column but the label. */
  features: readonly string[] | null;
  /** A validation file must have the training file's columns (in any order): its file name and header. */
  sameColumnsAs?: { file: string; columns: readonly string[] };
}

/** Rows parsed between two looks at the stop signal. */
const ROWS_PER_CHECK = 4096;

/** Reading stopped by its signal (Ctrl-C): not a problem with the data. */
export class DataReadStopped extends Error {
  override name = 'DataReadStopped';
}

/** Throws DataReadStopped once the signal has fired. */
export function checkStopped(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new DataReadStopped('stopped while reading the data');
}

/** Where problems go, relative to the `dataset` mapping. */
export interface CsvKeys {
  file: string;
  label: string;
  feature(i: number): string;
}

export interface CsvRead {
  /** Null when there were problems. */
  table: Table | null;
  /** The header's column names, when the file had one. */
  header: string[] | null;
  /** The feature columns chosen, when the header had them all (even if values have problems). */
  featureNames: string[] | null;
  problems: DataProblem[];
}

/** Reads the file's bytes, or says why not, at `key`. */
export function readDataFile(path: string, shown: string, key: string, max = MAX_DATA_BYTES): { bytes: Buffer } | { problem: DataProblem } {
  let size: number;
  try {
    const s = statSync(path);
    if (!s.isFile()) return { problem: { key, message: `${shown}: is not a file (looked at ${path})` } };
    size = s.size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { problem: { key, message: code === 'ENOENT' ? `${shown}: no such file (looked for ${path})` : `${shown}: cannot read it (${code ?? (e as Error).message})` } };
  }
  if (size > max) {
    const bytes = (n: number) => n.toLocaleString('en-US');
    return { problem: { key, message: `${shown}: is ${bytes(size)} bytes; the mlp trainer reads such files whole, up to ${bytes(max)} bytes (${max / 2 ** 20} MB): train on more with a module or command trainer` } };
  }
  try {
    return { bytes: readFileSync(path) };
  } catch (e) {
    return { problem: { key, message: `${shown}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` } };
  }
}

/** Reads a CSV data file: `path` is absolute, `shown` is the name messages use. */
export function readCsv(path: string, shown: string, select: CsvSelection, keys: CsvKeys, signal?: AbortSignal): CsvRead {
  const file = readDataFile(path, shown, keys.file);
  if ('problem' in file) return { table: null, header: null, featureNames: null, problems: [file.problem] };

  const problems: DataProblem[] = [];
  const rowProblems = new RowProblems();
  let header: string[] | null = null;
  let columns: { features: number[]; label: number } | null = null;
  const x = new GrowingFloats();
  const labels: string[] = [];
  const lines: number[] = [];
  let prevLines = 0;
  let prevEmpty = 0;
  const hint = select.features === null ? '; features are every column but the label unless dataset.features lists them' : '';

  const onRecord = (record: string[], info: { lines: number; empty_lines: number }) => {
    // The line the record starts on: after the previous record's last line and any blank lines.
    const line = prevLines + 1 + (info.empty_lines - prevEmpty);
    prevLines = info.lines;
    prevEmpty = info.empty_lines;
    if (lines.length % ROWS_PER_CHECK === 0) checkStopped(signal);
    if (header === null) {
      header = record;
      columns = selectColumns(header, shown, select, keys, problems);
      return null;
    }
    if (columns === null) return null; // the header has problems: the values mean nothing yet
    const row = lines.length + 1;
    const where = `row ${row} (line ${line})`;
    if (record.length !== header.length) {
      rowProblems.add(keys.file, 'fields', () => `${shown} ${where}: has ${record.length} field${record.length === 1 ? '' : 's'}; the header has ${header!.length}`, String(row));
      lines.push(line);
      return null;
    }
    for (const j of columns.features) {
      const v = parseNumber(record[j]);
      if (v === null) rowProblems.add(keys.file, `column ${j}`, () => `${shown} ${where}, column ${quoteName(header![j])}: must be a number, got ${quoteField(record[j])}`, String(row), hint);
      x.push(v ?? Number.NaN);
    }
    labels.push(record[columns.label]);
    lines.push(line);
    return null;
  };

  try {
    parse(file.bytes, {
      bom: true, trim: true, skip_empty_lines: true, relax_column_count: true,
      on_record: (record: string[], info) => onRecord(record, info),
    });
  } catch (e) {
    if (e instanceof DataReadStopped) throw e;
    // csv-parse's messages name the line: "Quote Not Closed: the parsing is finished with an opening quote at line 2".
    return { table: null, header, featureNames: null, problems: [{ key: keys.file, message: `${shown}: is not valid CSV: ${parserMessage(e as Error)}` }] };
  }
  if (header === null) return { table: null, header, featureNames: null, problems: [{ key: keys.file, message: `${shown}: is empty (a CSV data file needs a header row and at least one data row)` }] };
  if (problems.length > 0 || columns === null) return { table: null, header, featureNames: null, problems };
  const chosen = columns as { features: number[]; label: number };
  const featureNames = chosen.features.map((j) => (header as string[])[j]);
  if (lines.length === 0) return { table: null, header, featureNames, problems: [{ key: keys.file, message: `${shown}: has a header but no data rows` }] };
  if (rowProblems.size > 0) return { table: null, header, featureNames, problems: rowProblems.list() };

  return {
    header,
    featureNames,
    problems: [],
    table: {
      file: shown,
      rows: labels.length,
      featureNames,
      x: x.done(),
      labels,
      labelName: select.label,
      where: (i) => `row ${i + 1} (line ${lines[i]})`,
    },
  };
}

/**
 * csv-parse's message, with the values it quotes cut (its "Invalid Opening Quote" quotes the
 * whole field before the quote, which may be a whole line of a file that is not CSV).
 */
function parserMessage(e: Error): string {
  const message = e.message.split('\n')[0].replace(/"((?:[^"\\]|\\.)*)"/g, (quoted) => {
    try {
      return quoteField(JSON.parse(quoted) as string);
    } catch {
      return quoted.length <= MAX_MESSAGE ? quoted : `"..." (a quoted value)`;
    }
  });
  return message.length <= MAX_MESSAGE ? message : `${message.slice(0, MAX_MESSAGE)}...`;
}

/** csv-parse's messages are a sentence; past this something else is in them. */
const MAX_MESSAGE = 240;

/** The label's and the features' column indices, or null after reporting why they cannot be chosen. */
function selectColumns(header: string[], shown: string, select: CsvSelection, keys: CsvKeys, problems: DataProblem[]): { features: number[]; label: number } | null {
  const before = problems.length;
  if (select.sameColumnsAs) {
    const { file, columns } = select.sameColumnsAs;
    const lacks = columns.filter((c) => !header.includes(c));
    const extra = header.filter((c) => !columns.includes(c));
    if (lacks.length > 0 || extra.length > 0) {
      const parts = [lacks.length ? `lacks ${listNames(lacks)}` : '', extra.length ? `has ${listNames(extra)} too` : ''].filter(Boolean);
      problems.push({ key: keys.file, message: `${shown}: must have the columns of ${file}, but it ${parts.join(' and ')}` });
      return null;
    }
  }
  // A header of one column is most likely a file that is no CSV at all (an environment file, a
  // key): its first line is not quoted, not even cut (40 characters of a key are most of it).
  const columnsList = header.length === 1
    ? `its header line is one column of ${header[0].length} characters, not quoted: is this a comma-separated file with a header row?`
    : `its columns: ${listNames(header)}`;
  const indexOf = (name: string) => header.indexOf(name);
  const label = indexOf(select.label);
  if (label < 0) problems.push({ key: keys.label, message: `${shown}: has no column ${quoteName(select.label)} (${columnsList})` });

  let features: number[];
  if (select.features === null) {
    features = header.map((_, j) => j).filter((j) => j !== label);
    if (label >= 0 && features.length === 0) problems.push({ key: keys.file, message: `${shown}: has no column besides the label ${quoteName(select.label)}: there is nothing to learn from` });
  } else {
    features = [];
    select.features.forEach((name, i) => {
      const j = indexOf(name);
      if (j < 0) problems.push({ key: keys.feature(i), message: `${shown}: has no column ${quoteName(name)} (${columnsList})` });
      else features.push(j);
    });
  }
  // Names that must be unambiguous: the ones read. An unnamed column is often a saved index.
  const seen = new Set<string>();
  for (const j of [label, ...features]) {
    if (j < 0) continue;
    const name = header[j];
    if (name === '') problems.push({ key: keys.file, message: `${shown}: column ${j + 1} has no name in the header (a saved index? write the file without it, or list the features)` });
    else if (header.indexOf(name) !== header.lastIndexOf(name) && !seen.has(name)) {
      seen.add(name);
      const at = header.flatMap((h, k) => (h === name ? [k + 1] : []));
      problems.push({ key: keys.file, message: `${shown}: has ${at.length} columns named ${quoteName(name)} (columns ${at.join(', ')}); names must be unique` });
    }
  }
  return problems.length === before ? { features, label } : null;
}
