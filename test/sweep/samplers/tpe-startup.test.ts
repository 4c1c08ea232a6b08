// tpe's `startup` option (samplers/tpe-sampler.ts): startup: sobol takes the sweep's Sobol points
// (what method: sobol plans), so its first 2^k startup configs are balanced over every range; a
// point already tried moves on; asked again and again with one history (as sweep/ask.ts asks
// after a config the sweep refuses) it does not return one point forever; startup: random is the
// default and stores nothing new; more parameters than Sobol's directions are refused at the file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../../src/core/random.js';
import type { Sweep } from '../../../src/sweep/definition.js';
import { checkSweep } from '../../../src/sweep/file.js';
import { canonicalMethod, methodOf, samplerOf, type AdaptiveSampler, type Observed } from '../../../src/sweep/samplers/index.js';
import { plan } from '../../../src/sweep/space.js';

const base = {
  name: 's', schedule: { first_cycle_steps: 20 }, trials: 40, seed: 5,
  parameters: {
    max_lr: { min: 0.001, max: 1, distribution: 'log_uniform' },
    gamma: { min: 0.3, max: 1, distribution: 'uniform' },
    warmup_steps: { min: 0, max: 7, distribution: 'int_uniform' },
  },
  trainer: { kind: 'quadratic', epochs: 2, steps_per_epoch: 10 }, lint: { ignore: ['ends-mid-cycle', 'peak-below-min', 'warmup-dominates'] },
};
const KEYS = ['gamma', 'max_lr', 'warmup_steps'];
const varied = (config: Record<string, unknown>) => Object.fromEntries(KEYS.map((k) => [k, config[k]]));

async function sweepOf(method: unknown): Promise<Sweep> {
  return (await checkSweep({ ...base, method })).sweep;
}

test('startup: sobol suggests the points method: sobol plans, in order, when no skip is drawn: the first 8 balanced over every range', async () => {
  const sweep = await sweepOf({ kind: 'tpe', startup: 'sobol', startup_trials: 8 });
  const sampler = samplerOf(sweep) as AdaptiveSampler;
  const history: Observed[] = [];
  for (let i = 0; i < 8; i++) {
    const [s] = sampler.suggest(history, 1, () => 0.99); // 0.99: never the one-in-four skip
    assert.equal(s.origin, 'startup');
    history.push({ params: s.params, objective: i, state: 'complete' });
  }
  const sobol = await checkSweep({ ...base, method: 'sobol', trials: 8 });
  const planned = [...plan(sobol.sweep, sobol.trainer.steps)].map((t) => varied(t.config));
  assert.deepEqual(history.map((o) => varied(o.params)), planned);
  // Balanced: each of 8 equal slices of gamma's range, and of max_lr's log range, holds one point.
  const slices = (u: (o: Observed) => number) => new Set(history.map((o) => Math.floor(8 * u(o)))).size;
  assert.equal(slices((o) => ((o.params.gamma as number) - 0.3) / 0.7), 8);
  assert.equal(slices((o) => Math.log((o.params.max_lr as number) / 0.001) / Math.log(1000)), 8);
  assert.equal(new Set(history.map((o) => o.params.warmup_steps)).size, 8, 'warmup_steps 0..7, one each');
  // Then the model.
  assert.equal(sampler.suggest(history, 1, mulberry32(1))[0].origin, 'model');
});

test('startup: sobol passes over a point already tried, and asked again with one history it moves on within a few asks', async () => {
  const sweep = await sweepOf({ kind: 'tpe', startup: 'sobol', startup_trials: 8 });
  const sampler = samplerOf(sweep) as AdaptiveSampler;
  const [first] = sampler.suggest([], 1, () => 0.99);
  // A history whose only config is Sobol point 1: the next suggestion (index 1) is point 2, not a repeat.
  const [p1] = sampler.suggest([{ params: first.params, objective: null, state: 'running' }], 1, () => 0.99);
  const [next] = sampler.suggest([{ params: p1.params, objective: 1, state: 'complete' }], 1, () => 0.99);
  assert.notDeepEqual(varied(next.params), varied(p1.params));
  assert.notDeepEqual(varied(next.params), varied(first.params), 'index 1 is taken by the history: point 2 follows');
  // ask.ts redraws a refused config from the same history with the same random stream: the
  // same point must not come back every time.
  const random = mulberry32(3);
  const seen = new Set<string>();
  for (let i = 0; i < 20; i++) seen.add(JSON.stringify(varied(sampler.suggest([], 1, random)[0].params)));
  assert.ok(seen.size >= 2, `20 asks with one history gave ${seen.size} distinct configs`);
});

test('startup: random is the default; a sweep written without it stores method tpe as before, and startup: sobol is stored', async () => {
  assert.equal(methodOf('tpe').startup, 'random');
  assert.equal(canonicalMethod(methodOf({ kind: 'tpe', startup: 'random' })), 'tpe');
  assert.deepEqual(canonicalMethod(methodOf({ kind: 'tpe', startup: 'sobol' })), { kind: 'tpe', startup: 'sobol' });
  await assert.rejects(checkSweep({ ...base, method: { kind: 'tpe', startup: 'halton' } }), /method\.startup: must be one of random, sobol, got "halton"/);
});
