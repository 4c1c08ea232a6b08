// The cpu backend (its own file: a thread sets up tfjs on one backend).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mlpTrainer } from '../../src/train/mlp.js';
import { MLP_DEFAULTS, mlpSpec, type MlpConfig } from '../../src/train/mlp-spec.js';
import { loadTf } from '../../src/train/backend.js';

test('--backend cpu trains too', async () => {
  const c: MlpConfig = { ...MLP_DEFAULTS, samples: 120, features: 4, hidden: [8], epochs: 3, batch_size: 16 };
  const [epochs] = await mlpTrainer.train({ config: c, seed: 1, curves: [new Float64Array(mlpSpec.steps(c)).fill(0.5)], backend: 'cpu' });
  assert.equal(epochs.length, 3);
  assert.ok(epochs[2].train_loss < epochs[0].train_loss);
  assert.equal((await loadTf('cpu')).getBackend(), 'cpu');
  assert.throws(() => loadTf('wasm'), /already set up on backend cpu/);
});
