// What a label column means: the task it suggests, its classes (sorted, so the mapping is stable),
// and its targets; with the problems a label can have.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classesOf, encodeClasses, inferTask, MAX_INFERRED_CLASSES, regressionTargets } from '../../../src/train/data/labels.js';
import type { Table } from '../../../src/train/data/table.js';

function table(labels: string[] | number[]): Table {
  return {
    file: 'train.csv', rows: labels.length, featureNames: ['x'], x: new Float64Array(labels.length),
    labels: typeof labels[0] === 'number' ? Float64Array.from(labels as number[]) : (labels as string[]),
    labelName: 'y', where: (i) => `row ${i + 1} (line ${i + 2})`,
  };
}

test('text labels mean classification, whatever else the column holds', () => {
  assert.deepEqual(inferTask(table(['1', '2', 'cat', '3.5'])), { task: 'classification', because: 'the label holds text, e.g. "cat"' });
});

test(`integers with at most ${MAX_INFERRED_CLASSES} distinct values mean classes; more of them, or fractions, mean regression`, () => {
  const few = Array.from({ length: 100 }, (_, i) => String(i % MAX_INFERRED_CLASSES));
  assert.deepEqual(inferTask(table(few)), { task: 'classification', because: `the label holds ${MAX_INFERRED_CLASSES} distinct integers; set task: regression to fit them as numbers` });
  const many = Array.from({ length: 100 }, (_, i) => String(i % (MAX_INFERRED_CLASSES + 1)));
  assert.deepEqual(inferTask(table(many)), { task: 'regression', because: `the label holds ${MAX_INFERRED_CLASSES + 1} distinct integers, more than ${MAX_INFERRED_CLASSES}` });
  assert.deepEqual(inferTask(table(['1', '2', '2.5'])), { task: 'regression', because: 'the label holds numbers that are not all integers' });
  assert.equal(inferTask(table([0, 1, 1, 0])).task, 'classification', 'y.npy of 0/1');
  assert.equal(inferTask(table(['1.0', '2.0', '1'])).task, 'classification', '1.0 is an integer');
});

test('classes are sorted: numbers by value, text by character codes; labels map to their index', () => {
  const numbers = table(['10', '9', '2', '10', '2.0']);
  const classes = classesOf(numbers);
  assert.deepEqual(classes, { names: ['2', '9', '10'], numeric: true });
  assert.deepEqual([...encodeClasses(numbers, classes, 'label', true).y!], [2, 1, 0, 2, 0]);
  const text = table(['b', 'B', 'a', 'b']);
  assert.deepEqual(classesOf(text), { names: ['B', 'a', 'b'], numeric: false });
  assert.deepEqual([...encodeClasses(text, classesOf(text), 'label', true).y!], [2, 0, 1, 2]);
});

test('a training label with one class, an empty label, and a validation label the training data lacks are refused', () => {
  const one = table(['a', 'a', 'a']);
  assert.deepEqual(encodeClasses(one, classesOf(one), 'label', true).problems, [
    { key: 'label', message: 'train.csv: the label "y" holds one class ("a") in all 3 rows; classification needs at least 2' },
  ]);
  const train = table(['a', 'b']);
  const validation = { ...table(['a', 'c', '', 'c', 'd']), file: 'val.csv' };
  assert.deepEqual(encodeClasses(validation, classesOf(train), 'validation.csv', false).problems, [
    { key: 'validation.csv', message: 'val.csv row 2 (line 3), column "y": "c" is not a class of the training data ("a", "b") (also rows 4, 5)' },
    { key: 'validation.csv', message: 'val.csv row 3 (line 4), column "y": the label is empty; every row needs one' },
  ]);
});

test('regression targets must be numbers, and a training target must vary', () => {
  assert.deepEqual([...regressionTargets(table(['1.5', '-2', '3e2']), 'label', true).y!], [1.5, -2, 300]);
  assert.deepEqual(regressionTargets(table(['1.5', 'n/a', '']), 'label', true).problems, [
    { key: 'label', message: 'train.csv row 2 (line 3), column "y": must be a number for task regression, got "n/a" (also row 3)' },
  ]);
  assert.deepEqual(regressionTargets(table([4, 4]), 'npy.y', true).problems, [
    { key: 'npy.y', message: 'train.csv: the label "y" holds one value (4) in all 2 rows; regression needs it to vary' },
  ]);
  assert.deepEqual(regressionTargets(table([4, 4]), 'validation.npy.y', false).problems, [], 'a constant validation target is fine');
});
