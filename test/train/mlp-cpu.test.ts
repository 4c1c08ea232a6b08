// The cpu backend (its own file: a thread sets up tfjs on one backend).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mlp } from '../../src/train/mlp.js';
import { MLP_DEFAULTS, mlpSteps, type MlpOptions } from '../../src/train/mlp-options.js';
import { loadTf } from '../../src/train/backend.js';
import { epochsOf, trainWith } from '../helpers/train.js';

test('--backend cpu trains too, without tfjs\'s "install the node backend" banner', async (t) => {
  const warnings: unknown[] = [];
  t.mock.method(console, 'warn', (...args: unknown[]) => warnings.push(args));
  const c: MlpOptions = { ...MLP_DEFAULTS, engine: 'tfjs', samples: 120, features: 4, hidden: [8], epochs: 3, batch_size: 16 };
  const epochs = epochsOf(await trainWith(mlp, c, new Float64Array(mlpSteps(c)).fill(0.5), { backend: 'cpu' }));
  assert.deepEqual(warnings, []);
  assert.equal(epochs.length, 3);
  assert.ok(epochs[2].train_loss < epochs[0].train_loss);
  assert.equal((await loadTf('cpu')).getBackend(), 'cpu');
  assert.throws(() => loadTf('wasm'), /already set up on backend cpu/);
});
