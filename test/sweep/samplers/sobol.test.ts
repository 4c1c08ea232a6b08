// The sobol sampler: the unscrambled sequence equals scipy's (fixture made once by
// test/fixtures/sobol/make.py), the first 2^k points are stratified per dimension scrambled or
// not, the scramble is seeded, and a sweep maps points onto its ranges and redraws what planning drops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { checkSweep } from '../../../src/sweep/file.js';
import { plan } from '../../../src/sweep/space.js';
import { MAX_SOBOL_DIMENSIONS, sobolPoints } from '../../../src/sweep/samplers/sobol.js';

const scipy = JSON.parse(readFileSync(new URL('../../fixtures/sobol/points.json', import.meta.url), 'utf8')) as
  { dimensions: number; first: number[][]; far_start: number; far: number[][] };

const take = (d: number, n: number, scramble: { seed: number } | null) => {
  const out: number[][] = [];
  for (const p of sobolPoints(d, scramble)) {
    if (out.length === n) break;
    out.push([...p]);
  }
  return out;
};

test('unscrambled points equal scipy.stats.qmc.Sobol(32, scramble=False), the first 256 and 16 from 2^20 on', () => {
  assert.equal(MAX_SOBOL_DIMENSIONS, scipy.dimensions);
  assert.deepEqual(take(scipy.dimensions, scipy.first.length, null), scipy.first);
  const far: number[][] = [];
  let n = 0;
  for (const p of sobolPoints(scipy.dimensions, null)) {
    if (n++ < scipy.far_start) continue;
    far.push([...p]);
    if (far.length === scipy.far.length) break;
  }
  assert.deepEqual(far, scipy.far);
});

/** Each of the 2^k equal bins of each dimension holds exactly one of the first 2^k points. */
function assertStratified(points: number[][], k: number, what: string) {
  for (let d = 0; d < points[0].length; d++) {
    const bins = new Set(points.slice(0, 2 ** k).map((p) => Math.floor(p[d] / 2 ** (32 - k))));
    assert.equal(bins.size, 2 ** k, `${what}: dimension ${d}, first 2^${k} points`);
  }
}

test('the first 2^k points are stratified in every dimension, scrambled or not', () => {
  for (const scramble of [null, { seed: 0 }, { seed: 1 }, { seed: 987654 }]) {
    const points = take(MAX_SOBOL_DIMENSIONS, 1024, scramble);
    for (let k = 0; k <= 10; k++) assertStratified(points, k, JSON.stringify(scramble));
  }
});

test('the scramble is seeded: the same seed gives the same points, another seed others, none at 0', () => {
  const a = take(5, 64, { seed: 3 });
  assert.deepEqual(take(5, 64, { seed: 3 }), a);
  assert.notDeepEqual(take(5, 64, { seed: 4 }), a);
  assert.notDeepEqual(a, take(5, 64, null));
  assert.ok(a[0].some((x) => x !== 0), 'point 0 is moved off the origin');
});

const base = {
  name: 's',
  schedule: { first_cycle_steps: 40, min_lr: 0.001 },
  trainer: { kind: 'quadratic', epochs: 2, steps_per_epoch: 10 },
};

test('a sobol sweep maps its points onto each range: log scale, integers and values lists, each stratified', async () => {
  const parameters = {
    max_lr: { min: 0.01, max: 10, distribution: 'log_uniform' }, gamma: { min: 0.5, max: 1 },
    warmup_steps: { min: 0, max: 15, distribution: 'int_uniform' }, cycle_mult: { values: [1, 2, 3, 4] },
  };
  const { sweep } = await checkSweep({ ...base, method: 'sobol', trials: 16, seed: 11, parameters });
  const trials = [...plan(sweep, 20)];
  assert.equal(trials.length, 16);
  const bins = (values: number[], of: (v: number) => number) => new Set(values.map(of)).size;
  const col = (key: string) => trials.map((t) => t.config[key] as number);
  assert.equal(bins(col('max_lr'), (v) => Math.floor(16 * Math.log(v / 0.01) / Math.log(1000))), 16, 'one per 16th of the log range');
  assert.equal(bins(col('gamma'), (v) => Math.floor(16 * (v - 0.5) / 0.5)), 16);
  assert.deepEqual(col('warmup_steps').sort((a, b) => a - b), Array.from({ length: 16 }, (_, i) => i), 'each integer once');
  assert.deepEqual([1, 2, 3, 4].map((v) => col('cycle_mult').filter((x) => x === v).length), [4, 4, 4, 4]);
  const again = [...plan((await checkSweep({ ...base, method: 'sobol', trials: 16, seed: 11, parameters })).sweep, 20)];
  assert.deepEqual(again.map((t) => t.hash), trials.map((t) => t.hash), 'the same seed: the same configs');
  const other = [...plan((await checkSweep({ ...base, method: 'sobol', trials: 16, seed: 12, parameters })).sweep, 20)];
  assert.notDeepEqual(other.map((t) => t.hash), trials.map((t) => t.hash));
  const plain = [...plan((await checkSweep({ ...base, method: { kind: 'sobol', scramble: false }, trials: 16, parameters })).sweep, 20)];
  assert.ok(Math.abs((plain[0].config.max_lr as number) - 0.01) < 1e-12 && plain[0].config.warmup_steps === 0, 'unscrambled, point 0 is every range\'s low end');
});

test('points that planning drops are redrawn: duplicates and constraints; a space with fewer configs than asked ends', async () => {
  // Two values lists of 2 values make 4 configs; a Sobol point maps onto them with repeats, which are redrawn.
  const small = { cycle_mult: { values: [1, 2] }, gamma: { values: [0.5, 1] } };
  const four = [...plan((await checkSweep({ ...base, method: 'sobol', trials: 4, parameters: { ...small, max_lr: { values: [0.1, 0.2, 0.3] } } })).sweep, 20)];
  assert.equal(four.length, 4);
  assert.equal(new Set(four.map((t) => t.hash)).size, 4);
  const all = [...plan((await checkSweep({ ...base, method: 'sobol', trials: 10, parameters: small })).sweep, 20)];
  assert.equal(all.length, 4, 'only 4 configs exist: planning stops after a run of draws that add none');
  // end_at_cycle_end drops configs whose last cycle does not end at step 200: the sweep still has `trials` configs.
  const { sweep } = await checkSweep({
    ...base, schedule: { min_lr: 0.001 }, trainer: { ...base.trainer, epochs: 20 }, method: 'sobol', trials: 8, repeats: 2, constraints: { end_at_cycle_end: true },
    parameters: { first_cycle_steps: { min: 10, max: 200, distribution: 'int_uniform' }, gamma: { min: 0.5, max: 1 } },
  });
  const stats = { dropped: 0, leftovers: new Map<number, number>() };
  const kept = [...plan(sweep, 200, stats)];
  assert.equal(kept.length, 16);
  assert.ok(stats.dropped > 0, 'some points were dropped and redrawn');
  for (const t of kept) assert.equal(200 % (t.config.first_cycle_steps as number), 0);
});
