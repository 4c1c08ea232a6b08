// Reading CSV data files: what spreadsheets and pandas write is read as meant, and every problem
// is reported with its file, row (data rows from 1, the header not counted), line and column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataReadStopped, MAX_DATA_BYTES, readCsv, type CsvSelection } from '../../../src/train/data/csv.js';

const dir = mkdtempSync(join(tmpdir(), 'lrsweep-csv-'));
const KEYS = { file: 'csv', label: 'label', feature: (i: number) => `features[${i}]` };

function read(text: string | Buffer, select: Partial<CsvSelection> = {}, name = 'data.csv') {
  writeFileSync(join(dir, name), text);
  return readCsv(join(dir, name), name, { label: 'y', features: null, ...select }, KEYS);
}

function problems(text: string | Buffer, select: Partial<CsvSelection> = {}) {
  const r = read(text, select);
  assert.equal(r.table, null, 'a file with problems gives no table');
  return r.problems.map((p) => `${p.key}: ${p.message}`);
}

test('a BOM, CRLF line ends, quoted headers with spaces, blank lines and spaces around fields are read as meant', () => {
  const text = '\uFEFF"sepal length", "petal width" ,y\r\n1.5,2,setosa\r\n\r\n 3 , -4e-1 , "virginica"\r\n';
  const { table, problems } = read(text);
  assert.deepEqual(problems, []);
  assert.deepEqual(table!.featureNames, ['sepal length', 'petal width']);
  assert.deepEqual([...table!.x], [1.5, 2, 3, -0.4]);
  assert.deepEqual(table!.labels, ['setosa', 'virginica']);
  assert.equal(table!.labelName, 'y');
  assert.deepEqual([table!.where(0), table!.where(1)], ['row 1 (line 2)', 'row 2 (line 4)']);
});

test('features may be chosen and ordered; other columns are not read at all', () => {
  const { table, problems } = read('id,b,a,y\nr1,1,2,u\nr2,3,4,v\n', { features: ['a', 'b'] });
  assert.deepEqual(problems, []);
  assert.deepEqual(table!.featureNames, ['a', 'b']);
  assert.deepEqual([...table!.x], [2, 1, 4, 3]);
});

test('a quoted field over two lines keeps the line numbers of the rows after it right', () => {
  const text = 'x,y\n1,"two\nlines"\nnot a number,b\n';
  assert.deepEqual(problems(text), ['csv: data.csv row 2 (line 4), column "x": must be a number, got "not a number"; features are every column but the label unless dataset.features lists them']);
});

test('a value that is not a number is reported once per column, with its first row and the count of the rest', () => {
  const rows = ['a,b,y', '1,2,u', '1,x,u', 'NaN,2,v', '1,,v', '1,0x10,v', '1,Infinity,v', '1,2,v', '1,3 4,u'];
  assert.deepEqual(problems(`${rows.join('\n')}\n`, { features: ['a', 'b'] }), [
    'csv: data.csv row 2 (line 3), column "b": must be a number, got "x" (also 4 more rows: 4, 5, 6, ...)',
    'csv: data.csv row 3 (line 4), column "a": must be a number, got "NaN"',
  ]);
  assert.deepEqual(problems('a,y\n1,u\nx,u\ny,v\n', { features: ['a'] }), ['csv: data.csv row 2 (line 3), column "a": must be a number, got "x" (also row 3)']);
});

test('missing files, empty files and files without rows are refused', () => {
  assert.deepEqual(readCsv(join(dir, 'none.csv'), 'none.csv', { label: 'y', features: null }, KEYS).problems, [
    { key: 'csv', message: `none.csv: no such file (looked for ${join(dir, 'none.csv')})` },
  ]);
  mkdirSync(join(dir, 'folder.csv'), { recursive: true });
  assert.deepEqual(readCsv(join(dir, 'folder.csv'), 'folder.csv', { label: 'y', features: null }, KEYS).problems, [
    { key: 'csv', message: `folder.csv: is not a file (looked at ${join(dir, 'folder.csv')})` },
  ]);
  const empty = 'csv: data.csv: is empty (a CSV data file needs a header row and at least one data row)';
  assert.deepEqual(problems(''), [empty]);
  assert.deepEqual(problems('\uFEFF\r\n\r\n'), [empty]);
  assert.deepEqual(problems('a,y\r\n'), ['csv: data.csv: has a header but no data rows']);
});

test('missing columns are reported at the key that names them, listing the columns there are', () => {
  assert.deepEqual(problems('a,b,species\n1,2,u\n', { label: 'specie', features: ['a', 'c'] }), [
    'label: data.csv: has no column "specie" (its columns: "a", "b", "species")',
    'features[1]: data.csv: has no column "c" (its columns: "a", "b", "species")',
  ]);
  assert.deepEqual(problems('y\n1\n'), ['csv: data.csv: has no column besides the label "y": there is nothing to learn from']);
});

test('columns that cannot be told apart are refused: twice the same name, or no name (a saved index)', () => {
  assert.deepEqual(problems('a,b,a,y\n1,2,3,u\n'), ['csv: data.csv: has 2 columns named "a" (columns 1, 3); names must be unique']);
  assert.deepEqual(problems(',a,y\n0,1,u\n'), ['csv: data.csv: column 1 has no name in the header (a saved index? write the file without it, or list the features)']);
  // Only columns that are read must be told apart.
  assert.deepEqual(read(',a,b,b,y\n0,1,2,3,u\n', { features: ['a'] }).problems, []);
});

test('rows with another number of fields than the header, and broken quoting, are refused with their line', () => {
  assert.deepEqual(problems('a,b,y\n1,2,u\n1,2\n1,2,u,4\n'), ['csv: data.csv row 2 (line 3): has 2 fields; the header has 3 (also row 3)']);
  assert.deepEqual(problems('a,y\n1,"u\n2,v\n'), ['csv: data.csv: is not valid CSV: Quote Not Closed: the parsing is finished with an opening quote at line 3']);
});

test('a validation file must have the columns of the training file, in any order', () => {
  const sameAs = { file: 'train.csv', columns: ['a', 'b', 'y'] };
  assert.deepEqual(read('b,y,a\n1,u,2\n', { features: ['a', 'b'], sameColumnsAs: sameAs }).problems, []);
  assert.deepEqual(problems('a,c,y,d\n1,2,u,3\n', { features: ['a', 'b'], sameColumnsAs: sameAs }), [
    'csv: data.csv: must have the columns of train.csv, but it lacks "b" and has "c", "d" too',
  ]);
});

test('a file above the size limit is refused before it is read', () => {
  const path = join(dir, 'huge.csv');
  writeFileSync(path, 'a,y\n');
  truncateSync(path, MAX_DATA_BYTES + 1); // sparse: no disk is used
  assert.deepEqual(readCsv(path, 'huge.csv', { label: 'y', features: null }, KEYS).problems, [
    { key: 'csv', message: 'huge.csv: is 67,108,865 bytes; the mlp trainer reads such files whole, up to 67,108,864 bytes (64 MB): train on more with a module or command trainer' },
  ]);
  rmSync(path);
});

test('a parse looks at its stop signal every few thousand rows and stops mid-file once it fires (Ctrl-C in a pool worker)', () => {
  writeFileSync(join(dir, 'big.csv'), `a,y\n${'1,x\n'.repeat(50_000)}`);
  // As the pool's shared stop flag reads: it turns true while the parse runs, no event loop needed.
  let looks = 0;
  const signal = { get aborted() { return ++looks > 3; } } as AbortSignal;
  assert.throws(() => readCsv(join(dir, 'big.csv'), 'big.csv', { label: 'y', features: null }, KEYS, signal), DataReadStopped);
  assert.equal(looks, 4, 'it stopped at the fourth look, about 8,000 rows in, not at the end');
});
