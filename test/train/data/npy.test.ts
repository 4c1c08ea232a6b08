// The .npy reader against files NumPy wrote (test/fixtures/data/npy/make.py says how).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseNpy } from '../../../src/train/data/npy.js';
import { readNpyTable } from '../../../src/train/data/npy-table.js';

const path = (name: string) => fileURLToPath(new URL(`../../fixtures/data/npy/${name}`, import.meta.url));
const read = (name: string) => parseNpy(readFileSync(path(name)));
const X = [1.5, -2.0, 3.25, 4.0, 5.5, -6.0, 7.0, 8.0, 9.5, 0.0, 1e-3, -1e3];

test('float64 arrays read back exactly, in format versions 1 and 2', () => {
  for (const name of ['x-f8.npy', 'x-f8-v2.npy']) {
    const a = read(name);
    assert.equal(a.dtype, '<f8');
    assert.deepEqual(a.shape, [4, 3]);
    assert.deepEqual([...a.data], X, name);
  }
});

test('float32 arrays read as the float32 values NumPy stored', () => {
  const a = read('x-f4.npy');
  assert.equal(a.dtype, '<f4');
  assert.deepEqual([...a.data], [...Float32Array.from(X)]);
  assert.notEqual(a.data[10], 1e-3, '1e-3 is not a float32 value: the stored one is its rounding');
});

test('int32 and int64 arrays read as their integers, int64 beyond 2^32 too', () => {
  const ints = Array.from({ length: 12 }, (_, i) => i - 5);
  assert.deepEqual([...read('x-i4.npy').data], ints);
  const big = read('x-i8.npy');
  assert.equal(big.dtype, '<i8');
  assert.deepEqual([...big.data], ints.map((v) => v * 1e12));
  assert.deepEqual(read('y-i8.npy').shape, [4]);
});

test('files this reader does not take are refused with what to do', () => {
  assert.throws(() => read('x-fortran.npy'), { message: 'is in Fortran order; save it in C order (np.save(path, np.ascontiguousarray(arr)))' });
  assert.throws(() => read('x-big-endian.npy'), {
    message: 'holds dtype ">f8"; the data must be one of float32 (<f4), float64 (<f8), int32 (<i4), int64 (<i8), little-endian (convert with arr.astype("float32"))',
  });
  assert.throws(() => read('x-u1.npy'), { message: /^holds dtype "\|u1"; the data must be one of/ });
  assert.throws(() => parseNpy(Buffer.from('x,y\n1,2\n')), { message: 'is not an .npy file (it does not start with \\x93NUMPY)' });
  const cut = readFileSync(path('x-f8.npy')).subarray(0, 200);
  assert.throws(() => parseNpy(cut), { message: 'holds 72 bytes of data; shape (4, 3) of float64 needs 96' });
});

test('x and y become a table: features per row, labels from y, a column of width 1 taken as y', () => {
  const files = (x: string, y: string) => ({ x: { path: path(x), shown: x }, y: { path: path(y), shown: y } });
  const { table, problems } = readNpyTable(files('x-f8.npy', 'y-column.npy'), 'npy');
  assert.deepEqual(problems, []);
  assert.equal(table!.rows, 4);
  assert.deepEqual(table!.featureNames, ['column 1', 'column 2', 'column 3']);
  assert.deepEqual([...table!.labels], [1, 0, 1, 0]);
  assert.equal(table!.where(2), 'row 3');
});

test('bad .npy data is reported at npy.x or npy.y with file, row and column', () => {
  const files = (x: string, y: string) => ({ x: { path: path(x), shown: x }, y: { path: path(y), shown: y } });
  assert.deepEqual(readNpyTable(files('x-3d.npy', 'x-f8.npy'), 'npy').problems, [
    { key: 'npy.x', message: 'x-3d.npy: must hold a 2-d array (rows x features), got shape (2, 2, 3)' },
    { key: 'npy.y', message: 'x-f8.npy: must hold a 1-d array of labels, got shape (4, 3)' },
  ]);
  assert.deepEqual(readNpyTable(files('x-f8.npy', 'y-3.npy'), 'npy').problems, [
    { key: 'npy.y', message: 'y-3.npy: has 3 rows; x-f8.npy has 4' },
  ]);
  assert.deepEqual(readNpyTable(files('x-nan.npy', 'y-3.npy'), 'validation.npy').problems, [
    { key: 'validation.npy.x', message: 'x-nan.npy row 1, column 2: must be a finite number, got NaN' },
    { key: 'validation.npy.x', message: 'x-nan.npy row 3, column 1: must be a finite number, got Infinity' },
  ]);
  assert.deepEqual(readNpyTable(files('missing.npy', 'y-3.npy'), 'npy').problems, [
    { key: 'npy.x', message: `missing.npy: no such file (looked for ${path('missing.npy')})` },
  ]);
});
