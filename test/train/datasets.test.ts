import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iris, synthetic, trainCount } from '../../src/train/datasets.js';

test('iris ships with its package: 150 rows, 4 features, 3 classes, split and standardised', () => {
  const d = iris(0.2, 0);
  assert.equal(d.features, 4);
  assert.equal(d.classes, 3);
  assert.equal(d.trainY.length + d.valY.length, 150);
  assert.equal(d.valY.length, 30);
  assert.equal(d.trainY.length, trainCount(150, 0.2));
  assert.deepEqual([...new Set(d.trainY)].sort(), [0, 1, 2]);
  for (let j = 0; j < 4; j++) {
    let mean = 0;
    for (let i = 0; i < d.trainY.length; i++) mean += d.trainX[i * 4 + j];
    assert.ok(Math.abs(mean / d.trainY.length) < 1e-5, 'train features have mean 0');
  }
});

test('the synthetic set is a function of its options and seed', () => {
  const o = { samples: 100, features: 5, classes: 4, noise: 0.5, validation_fraction: 0.25, seed: 3 };
  assert.deepEqual(synthetic(o), synthetic(o));
  assert.notDeepEqual(synthetic(o).trainX, synthetic({ ...o, seed: 4 }).trainX);
  const d = synthetic(o);
  assert.equal(d.trainX.length, 75 * 5);
  assert.equal(d.valY.length, 25);
  assert.ok(d.trainY.every((y) => y >= 0 && y < 4));
});
