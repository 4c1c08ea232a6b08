// The mlp trainer's `dataset` option through its parse, as the sweep file's check calls it: the
// stored form, the resolved paths and step count, every problem at its key, and the Dataset the
// workers build from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OptionsError } from '../../../src/train/contract.js';
import type { RegressionData } from '../../../src/train/data/dataset.js';
import { datasetFor } from '../../../src/train/mlp-dataset.js';
import { mlp } from '../../../src/train/mlp.js';
import type { FileMlpOptions, MlpOptions } from '../../../src/train/mlp-options.js';

const fixtures = fileURLToPath(new URL('../../fixtures/data/', import.meta.url));
const parse = (raw: unknown, baseDir = fixtures) => mlp.parse!(raw, { baseDir });

function problemsOf(raw: unknown, baseDir = fixtures): string[] {
  try {
    parse(raw, baseDir);
  } catch (e) {
    assert.ok(e instanceof OptionsError, String(e));
    return e.problems.map((p) => `${p.path}: ${p.message}`);
  }
  assert.fail('parse accepted the options');
}

test('the first form, dataset: synthetic or iris, normalizes exactly as before data files existed', () => {
  // What lrsweep stored for these sections before this change (a changed form would make every
  // older sweep count as changed), plus `engine`: a TRAINER_LEGACY key (sweep/definition.ts),
  // stored always, which a section stored without it reads as tfjs (test/sweep/mlp-engine.test.ts).
  assert.deepEqual(mlp.stored!(parse({ dataset: 'iris', epochs: 5 })), {
    dataset: 'iris', samples: 150, features: 10, classes: 3, noise: 1, validation_fraction: 0.2, dataset_seed: 0,
    hidden: [32], activation: 'relu', epochs: 5, batch_size: 32, optimizer: 'sgd', momentum: 0.9, engine: 'wasm',
  });
  assert.deepEqual(mlp.stored!(parse({})), {
    dataset: 'synthetic', samples: 1000, features: 10, classes: 3, noise: 1, validation_fraction: 0.2, dataset_seed: 0,
    hidden: [32], activation: 'relu', epochs: 10, batch_size: 32, optimizer: 'sgd', momentum: 0.9, engine: 'wasm',
  });
  assert.deepEqual(mlp.files!(parse({})), []);
});

test('a CSV dataset is stored as written, with its features and task resolved; workers get absolute paths', () => {
  const o = parse({ dataset: { csv: 'classes.csv', label: 'species' }, epochs: 2, batch_size: 16 }) as FileMlpOptions;
  assert.deepEqual(mlp.stored!(o), {
    dataset: { csv: 'classes.csv', label: 'species', features: ['sepal length', 'sepal width', 'petal length'], task: 'classification', validation_fraction: 0.2, seed: 0 },
    hidden: [32], activation: 'relu', epochs: 2, batch_size: 16, optimizer: 'sgd', momentum: 0.9, engine: 'wasm',
  });
  assert.deepEqual(o.resolved.paths, { 'classes.csv': join(fixtures, 'classes.csv') });
  assert.deepEqual(mlp.files!(o), [join(fixtures, 'classes.csv')]);
  // 90 rows, 18 held out: 72 training rows, ceil(72 / 16) = 5 steps an epoch.
  assert.equal(o.resolved.train_rows, 72);
  assert.equal(mlp.steps(o), 10);
  assert.deepEqual(mlp.metricsFor!(o), { names: ['train_loss', 'val_loss', 'val_accuracy'], because: 'task classification' });
  assert.equal(mlp.describe!(o), 'data: classes.csv, 90 rows x 3 features, label "species" (3 classes: "alpha", "beta", "gamma"), classification (the label holds text, e.g. "alpha"); validation: 20% held out (18 rows, seed 0), 72 training rows');
});

test('paths are relative to the sweep file\'s directory, not to the working directory', () => {
  const other = mkdtempSync(join(tmpdir(), 'lrsweep-base-'));
  assert.deepEqual(problemsOf({ dataset: { csv: 'classes.csv', label: 'species' } }, other), [
    `dataset.csv: classes.csv: no such file (looked for ${join(other, 'classes.csv')})`,
  ]);
  const o = parse({ dataset: { csv: join(fixtures, 'classes.csv'), label: 'species' } }, other) as FileMlpOptions;
  assert.equal((o.dataset as { csv: string }).csv, join(fixtures, 'classes.csv'), 'an absolute path stays as written');
});

test('a regression dataset reports val_mae, and says why it is regression', () => {
  const o = parse({ dataset: { csv: 'regression.csv', label: 'price', features: ['x1', 'x2'] } });
  assert.deepEqual(mlp.metricsFor!(o), { names: ['train_loss', 'val_loss', 'val_mae'], because: 'task regression' });
  assert.match(mlp.describe!(o), /^data: regression\.csv, 100 rows x 2 features, label "price" \(numbers from 851\.85 to 1271\.19\), regression \(the label holds numbers that are not all integers\); validation: 20% held out \(20 rows, seed 0\), 80 training rows$/);
});

test('task set in the sweep file wins over what the label suggests, and --dry-run says so', () => {
  const o = parse({ dataset: { npy: { x: 'npy/x-f8.npy', y: 'npy/y-i8.npy' }, task: 'regression', validation_fraction: 0.25 } });
  assert.deepEqual(mlp.metricsFor!(o), { names: ['train_loss', 'val_loss', 'val_mae'], because: 'task regression' });
  assert.equal(mlp.describe!(o), 'data: npy/x-f8.npy and npy/y-i8.npy, 4 rows x 3 features, y (numbers from 0 to 2), regression (task is set in the sweep file); validation: 25% held out (1 row, seed 0), 3 training rows');
});

test('the keys of a dataset mapping are checked, each problem at its key', () => {
  assert.deepEqual(problemsOf({ dataset: { csv: 'classes.csv' }, validation_fraction: 0.1, dataset_seed: 2, samples: 10, features: 3 }), [
    'dataset.label: is required with csv: the name of the column to predict',
    'samples: applies to dataset synthetic only',
    'features: applies to dataset synthetic only (the columns to learn from are dataset.features)',
    'validation_fraction: with a dataset mapping, data keys live in it: write dataset.validation_fraction',
    'dataset_seed: with a dataset mapping, data keys live in it: write dataset.seed',
  ]);
  assert.deepEqual(problemsOf({ dataset: { csv: 'a.csv', npy: { x: 'x.npy', y: 'y.npy' }, label: 'y' } }), ['dataset: gives both csv and npy; give one']);
  assert.deepEqual(problemsOf({ dataset: { label: 'y', colour: 1 } }), [
    'dataset.colour: is not a known key (known: csv, npy, label, features, task, validation, validation_fraction, seed)',
    'dataset: needs csv: FILE (with label: COLUMN) or npy: { x: FILE, y: FILE }',
  ]);
  assert.deepEqual(problemsOf({ dataset: { npy: { x: 'x.npy' }, label: 'y', features: ['a'] } }), [
    'dataset.npy.y: is required (an .npy file\'s path, relative to the sweep file)',
  ]);
  assert.deepEqual(problemsOf({ dataset: { npy: { x: 'npy/x-f8.npy', y: 'npy/y-i8.npy' }, label: 'y', features: ['a'] } }), [
    'dataset.label: applies to csv data only (with npy, y holds the labels)',
    'dataset.features: applies to csv data only (with npy, every column of x is a feature)',
  ]);
  assert.deepEqual(problemsOf({ dataset: { csv: 'classes.csv', label: 'species', features: ['species', 'a', 'a', 3], task: 'ranking' } }), [
    'dataset.features[0]: is the label column "species"; a feature cannot be the label',
    'dataset.features[2]: is listed twice (also features[1])',
    'dataset.features[3]: must be a non-empty string, got 3',
    'dataset.task: must be one of classification, regression, got "ranking"',
  ]);
  assert.deepEqual(problemsOf({ dataset: { csv: 'classes.csv', label: 'species', validation: { npy: { x: 'x', y: 'y' } }, validation_fraction: 0.3, seed: 1 } }), [
    'dataset.validation: must be csv data like the training data',
    'dataset.validation_fraction: applies only without a validation file (part of the training data is held out then)',
    'dataset.seed: applies only without a validation file (part of the training data is held out then)',
  ]);
  assert.deepEqual(problemsOf({ dataset: 'mnist' }), [
    'dataset: must be one of synthetic, iris, or a mapping { csv: FILE, label: COLUMN } or { npy: { x: FILE, y: FILE } }, got "mnist"',
  ]);
});

test('bad data is refused by parse, each problem at the key of what names it, with file, row and column', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-bad-'));
  writeFileSync(join(dir, 'train.csv'), 'a,b,kind\n1,2,x\n3,oops,x\n5,6,x\n');
  writeFileSync(join(dir, 'val.csv'), 'a,kind\n1,x\n');
  writeFileSync(join(dir, 'one.csv'), 'a,kind\n1,x\n2,x\n3,x\n');
  writeFileSync(join(dir, 'price.csv'), 'a,price\n1,10\n2,n/a\n3,12\n');
  writeFileSync(join(dir, 'empty.csv'), '');
  assert.deepEqual(problemsOf({ dataset: { csv: 'train.csv', label: 'kind', validation: { csv: 'val.csv' } } }, dir), [
    'dataset.csv: train.csv row 2 (line 3), column "b": must be a number, got "oops"; features are every column but the label unless dataset.features lists them',
    'dataset.validation.csv: val.csv: must have the columns of train.csv, but it lacks "b"',
  ]);
  assert.deepEqual(problemsOf({ dataset: { csv: 'train.csv', label: 'kind', features: ['a'], validation: { csv: 'val.csv' } } }, dir), [
    'dataset.label: train.csv: the label "kind" holds one class ("x") in all 3 rows; classification needs at least 2',
    'dataset.validation.csv: val.csv: must have the columns of train.csv, but it lacks "b"',
  ]);
  assert.deepEqual(problemsOf({ dataset: { csv: 'one.csv', label: 'kind' } }, dir), [
    'dataset.label: one.csv: the label "kind" holds one class ("x") in all 3 rows; classification needs at least 2',
  ]);
  assert.deepEqual(problemsOf({ dataset: { csv: 'price.csv', label: 'price', task: 'regression' } }, dir), [
    'dataset.label: price.csv row 2 (line 3), column "price": must be a number for task regression, got "n/a"',
  ]);
  assert.deepEqual(problemsOf({ dataset: { csv: 'empty.csv', label: 'price', validation: { csv: 'missing.csv' } } }, dir), [
    'dataset.csv: empty.csv: is empty (a CSV data file needs a header row and at least one data row)',
    `dataset.validation.csv: missing.csv: no such file (looked for ${join(dir, 'missing.csv')})`,
  ]);
  writeFileSync(join(dir, 'tiny.csv'), 'a,kind\n1,x\n2,y\n');
  assert.deepEqual(problemsOf({ dataset: { csv: 'tiny.csv', label: 'kind', validation_fraction: 0.9 } }, dir), [
    'dataset.csv: tiny.csv: has 2 rows; holding out validation_fraction 0.9 of them (2) leaves none to train on',
  ]);
});

test('features are standardised with the training rows\' statistics only; a regression target too, its mean and deviation kept', () => {
  const o = parse({ dataset: { csv: 'regression.csv', label: 'price', features: ['x1', 'x2'] } });
  const d = datasetFor(o) as RegressionData;
  assert.equal(d.task, 'regression');
  const columnStats = (a: Float32Array, width: number, j: number) => {
    const v = Array.from({ length: a.length / width }, (_, i) => a[i * width + j]);
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    return { mean, sd: Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length) };
  };
  for (const j of [0, 1]) {
    const train = columnStats(d.trainX, 2, j);
    assert.ok(Math.abs(train.mean) < 1e-6 && Math.abs(train.sd - 1) < 1e-6, JSON.stringify(train));
    const val = columnStats(d.valX, 2, j);
    assert.ok(Math.abs(val.mean) > 1e-3, 'the validation rows are not standardised with their own statistics');
  }
  const y = columnStats(d.trainY, 1, 0);
  assert.ok(Math.abs(y.mean) < 1e-6 && Math.abs(y.sd - 1) < 1e-6);
  // The kept mean and deviation give back the training prices in the file.
  const prices = d.trainY.map((v) => d.target.mean + d.target.sd * v);
  assert.ok(prices.every((p) => p > 850 && p < 1272), 'prices are in the file\'s range');
  assert.ok(Math.abs(d.target.mean - 1072.6) < 30, String(d.target.mean));
});

test('a validation file is used whole, and the split without one follows dataset.seed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-val-'));
  const rows = (n: number, from: number) => Array.from({ length: n }, (_, i) => `${from + i},${(from + i) % 2 ? 'odd' : 'even'}`).join('\n');
  writeFileSync(join(dir, 'train.csv'), `v,parity\n${rows(30, 0)}\n`);
  writeFileSync(join(dir, 'val.csv'), `parity,v\n${rows(7, 100).split('\n').map((r) => r.split(',').reverse().join(',')).join('\n')}\n`);
  const withFile = datasetFor(parse({ dataset: { csv: 'train.csv', label: 'parity', validation: { csv: 'val.csv' } } }, dir));
  assert.equal(withFile.trainY.length, 30);
  assert.equal(withFile.valY.length, 7);
  assert.deepEqual([...withFile.valY], [0, 1, 0, 1, 0, 1, 0], 'classes sorted: even 0, odd 1');
  const split = (seed: number) => datasetFor(parse({ dataset: { csv: 'train.csv', label: 'parity', seed } }, dir));
  assert.equal(split(0).trainY.length, 24);
  assert.deepEqual(split(0).valX, split(0).valX);
  assert.notDeepEqual(split(0).valX, split(1).valX);
});

test('a data file that changes after the check is read again, and a worker refuses a row count the steps were not made for', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-change-'));
  const file = join(dir, 'd.csv');
  writeFileSync(file, 'a,y\n1,u\n2,v\n3,u\n4,v\n5,u\n');
  const before = parse({ dataset: { csv: 'd.csv', label: 'y' } }, dir) as MlpOptions as FileMlpOptions;
  assert.equal(before.resolved.train_rows, 4);
  writeFileSync(file, 'a,y\n1,u\n2,v\n3,u\n4,v\n5,u\n6,v\n7,u\n8,v\n9,u\n10,v\n');
  utimesSync(file, new Date(), new Date(Date.now() + 5000));
  assert.equal((parse({ dataset: { csv: 'd.csv', label: 'y' } }, dir) as FileMlpOptions).resolved.train_rows, 8);
  assert.throws(() => datasetFor(before), {
    message: 'the data changed since the sweep file was checked: it now gives 8 training rows, 4 then (the step count depends on them): run the sweep again',
  });
});

test('an .npy dataset reads x and y; int64 labels are classes', () => {
  const o = parse({ dataset: { npy: { x: 'npy/x-f8.npy', y: 'npy/y-i8.npy' }, validation_fraction: 0.25 } }) as FileMlpOptions;
  assert.deepEqual((mlp.stored!(o) as { dataset: unknown }).dataset, { npy: { x: 'npy/x-f8.npy', y: 'npy/y-i8.npy' }, task: 'classification', validation_fraction: 0.25, seed: 0 });
  assert.equal(mlp.describe!(o), 'data: npy/x-f8.npy and npy/y-i8.npy, 4 rows x 3 features, y (3 classes: "0", "1", "2"), classification (the label holds 3 distinct integers; set task: regression to fit them as numbers); validation: 25% held out (1 row, seed 0), 3 training rows');
  const d = datasetFor(o);
  assert.equal(d.task === 'classification' && d.classes, 3);
  const r = parse({ dataset: { npy: { x: 'npy/x-f4.npy', y: 'npy/y-f4.npy' }, validation: { npy: { x: 'npy/x-f8.npy', y: 'npy/y-f4.npy' } } } });
  assert.equal(mlp.metricsFor!(r).names[2], 'val_mae');
  assert.deepEqual(problemsOf({ dataset: { npy: { x: 'npy/x-f8.npy', y: 'npy/y-i8.npy' }, validation: { npy: { x: 'npy/x-nan.npy', y: 'npy/y-3.npy' } } } }), [
    'dataset.validation.npy.x: npy/x-nan.npy row 1, column 2: must be a finite number, got NaN',
    'dataset.validation.npy.x: npy/x-nan.npy row 3, column 1: must be a finite number, got Infinity',
  ]);
});
