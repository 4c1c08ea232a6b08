// The MLP trainer's memory bound: what the estimate counts, and cohorts sized to fit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_MLP_BYTES, membersWithin, mlpMemory, mlpMemoryProblem, type MlpShape } from '../../src/train/mlp-memory.js';

const SMALL: MlpShape = { features: 10, outputs: 3, classification: true, trainRows: 960, validationRows: 240, hidden: [32], batchSize: 32, optimizer: 'sgd' };

test('one-hot targets count rows x classes: 80,000 rows of 100,000 classes are refused, naming the dataset and the way out', () => {
  const shape = { ...SMALL, outputs: 100_000, trainRows: 64_000, validationRows: 16_000 };
  const targets = mlpMemory(shape).parts.find((p) => p.name === 'targets')!;
  assert.equal(targets.bytes, 4 * (2 * 64_000 + 16_000) * 100_000, 'training targets and their shuffled copy, and the validation targets');
  const problem = mlpMemoryProblem(shape)!;
  assert.equal(problem.key, 'dataset');
  assert.match(problem.message, /^the mlp trainer would hold about [\d.]+ GB per worker \(one-hot targets of 80,000 rows x 100,000 classes: [\d.]+ GB\); its limit is 2 GB: train a model this size with a trainer module \(kind: module\) or your own program \(kind: command\)$/);
  assert.equal(mlpMemoryProblem(SMALL), null, 'the quickstart\'s network fits');
});

test('a wide layer is blamed on hidden; optimizer slots count (adam holds two per weight)', () => {
  const wide = { ...SMALL, features: 20_000, hidden: [30_000] };
  assert.equal(mlpMemoryProblem(wide)?.key, 'hidden');
  const weights = (s: MlpShape) => mlpMemory(s).parts.find((p) => p.name === 'weights')!.bytes;
  assert.equal(weights({ ...SMALL, optimizer: 'adam' }), 2 * weights(SMALL));
});

test('a cohort is split into the most members that fit; members hold their own validation targets', () => {
  const shape = { ...SMALL, outputs: 2000, trainRows: 20_000, validationRows: 20_000 };
  assert.equal(mlpMemoryProblem(shape), null);
  const k = membersWithin(shape, 16);
  assert.ok(k > 1 && k < 16, String(k));
  assert.ok(mlpMemory(shape, k).total <= MAX_MLP_BYTES && mlpMemory(shape, k + 1).total > MAX_MLP_BYTES);
  assert.equal(membersWithin(SMALL, 16), 16);
});

test('a batch holds at most the training rows: a batch_size above them is not counted past them (nor refused)', () => {
  const huge = { ...SMALL, batchSize: 10_000_000 };
  assert.equal(mlpMemoryProblem(huge), null, 'a batch_size of 10^7 over 960 rows trains on all 960 at once');
  assert.deepEqual(mlpMemory(huge), mlpMemory({ ...SMALL, batchSize: SMALL.trainRows }));
  assert.notEqual(mlpMemoryProblem({ ...SMALL, trainRows: 10_000_000, batchSize: 10_000_000 }), null, 'a batch that big over as many rows is still refused');
});
