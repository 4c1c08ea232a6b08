// A cohort member stopped on its own (a pruner stopped its trial: CohortOptions.memberSignals):
// it leaves the batched computation, so the work it would have done is spared, and its mates
// finish with exactly the numbers they have in a cohort without it, bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainCohort } from '../../src/train/mlp-cohort.js';
import { datasetFor } from '../../src/train/mlp-dataset.js';
import { MLP_DEFAULTS, OPTIMIZERS, mlpSteps, type BuiltinMlpOptions as MlpConfig } from '../../src/train/mlp-options.js';
import { loadTf } from '../../src/train/backend.js';
import { mulberry32 } from '../../src/core/random.js';

const base: MlpConfig = { ...MLP_DEFAULTS, engine: 'tfjs', samples: 200, features: 4, classes: 3, noise: 0.5, hidden: [64, 8], epochs: 5, batch_size: 16 };
const SEED = 3;
const PEAK = { sgd: 0.5, momentum: 0.1, adam: 0.03 } as const;

function curve(c: MlpConfig, id: number, peak: number): Float64Array {
  const random = mulberry32(100 + id);
  return Float64Array.from({ length: mlpSteps(c) }, () => peak * (0.2 + 0.8 * random()));
}

/** Trains the cohort, stopping member `stop` once it has reported epoch `after`; the widths (K) of its batched matMuls, in order. */
async function withStop(c: MlpConfig, curves: Float64Array[], stop: number, after: number) {
  const tf = await loadTf('wasm');
  const controllers = curves.map(() => new AbortController());
  let results!: ReturnType<typeof trainCohort>;
  const profile = await tf.profile(() => {
    results = trainCohort(tf, c, datasetFor(c), SEED, curves, {
      memberSignals: controllers.map((x) => x.signal),
      onEpoch: (member, e) => {
        if (member === stop && e.epoch === after) controllers[stop].abort(new Error('pruned at epoch ' + after));
      },
    });
  });
  const widths = profile.kernels.filter((k) => k.name === 'BatchMatMul' && k.inputShapes[1]?.length === 3).map((k) => k.inputShapes[1]![0]);
  return { results, widths };
}

for (const optimizer of OPTIMIZERS) {
  test(`${optimizer}: a member stopped after epoch 2 leaves the cohort; its mates' numbers equal a cohort without it, bit for bit`, async () => {
    const c = { ...base, optimizer };
    const tf = await loadTf('wasm');
    const [a, x, b] = [0, 1, 2].map((id) => curve(c, id, PEAK[optimizer]));
    const { results, widths } = await withStop(c, [a, x, b], 1, 2);
    const without = trainCohort(tf, c, datasetFor(c), SEED, [a, b]);
    assert.deepStrictEqual([results[0], results[2]], without);
    const full = trainCohort(tf, c, datasetFor(c), SEED, [a, x, b]);
    assert.deepStrictEqual(results[1].epochs, full[1].epochs.slice(0, 2), 'the stopped member reports the epochs before its stop, as it would have');
    // Its work is spared: after the stop every batched matMul runs 2 members, not 3.
    assert.equal(widths[0], 3);
    assert.equal(widths.at(-1), 2);
    assert.ok(widths.indexOf(2) > 0 && widths.slice(widths.indexOf(2)).every((w) => w === 2), 'never 3 again once it left');
  });
}

test('a lone member left after its mate stops trains on with its twin: the numbers it has alone', async () => {
  const c = { ...base, optimizer: 'adam' as const };
  const tf = await loadTf('wasm');
  const [a, x] = [0, 1].map((id) => curve(c, id, PEAK.adam));
  const { results } = await withStop(c, [x, a], 0, 1);
  assert.deepStrictEqual(results[1], trainCohort(tf, c, datasetFor(c), SEED, [a])[0]);
  assert.equal(results[0].epochs.length, 1);
});
