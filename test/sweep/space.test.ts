import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSweep as check } from '../../src/sweep/file.js';
import { configs as lazyConfigs, countConfigs, countTrials, countTrialsAtMost, plan as lazyPlan } from '../../src/sweep/space.js';
import type { Sweep } from '../../src/sweep/definition.js';

const checkSweep = async (raw: unknown) => (await check(raw)).sweep;
const configs = (s: Sweep, steps = 20) => [...lazyConfigs(s, steps)];
const plan = (s: Sweep, steps = 20) => [...lazyPlan(s, steps)];

const base = {
  name: 's',
  schedule: { first_cycle_steps: 40, max_lr: 0.1, min_lr: 0.001 },
  trainer: { kind: 'quadratic', epochs: 2, steps_per_epoch: 10 },
};

test('a grid is the cartesian product, last key fastest, defaults filled in', async () => {
  const sweep = await checkSweep({ ...base, parameters: { cycle_mult: { values: [1, 2] }, gamma: { values: [0.5, 0.9, 1] } } });
  const got = configs(sweep).map((c) => [c.config.cycle_mult, c.config.gamma]);
  assert.deepEqual(got, [[1, 0.5], [1, 0.9], [1, 1], [2, 0.5], [2, 0.9], [2, 1]]);
  assert.deepEqual(Object.entries(configs(sweep)[0].config), Object.entries({
    schedule: 'cawr', first_cycle_steps: 40, cycle_mult: 1, max_lr: 0.1, min_lr: 0.001, warmup_steps: 0, gamma: 0.5,
    warmup_first_cycle_only: false, peak_floor: 'none', allow_min_above_max: false,
  }), 'in the schedule\'s parameter order');
});

test('repeats multiply the trials, and budget.max_trials caps them', async () => {
  const sweep = await checkSweep({ ...base, parameters: { gamma: { values: [0.5, 0.9, 1] } }, repeats: 3 });
  const trials = plan(sweep);
  assert.equal(trials.length, 9);
  assert.deepEqual(trials.slice(0, 3).map((t) => t.repeat), [0, 1, 2]);
  assert.equal(plan(await checkSweep({ ...base, parameters: { gamma: { values: [0.5, 0.9, 1] } }, repeats: 3, budget: { max_trials: 4 } })).length, 4);
});

test('common random numbers: repeat r of every config has the same seed, from the seeding base; per_config gives each trial its own', async () => {
  const spec = { ...base, parameters: { gamma: { values: [0.5, 0.9, 1] } }, repeats: 3 };
  const common = plan(await checkSweep(spec));
  for (const t of common) assert.equal(t.seed, common[t.repeat].seed, 'the seed depends on the repeat only');
  assert.equal(new Set(common.map((t) => t.seed)).size, 3);
  const otherBase = plan(await checkSweep({ ...spec, seeding: { base: 1 } }));
  assert.notDeepEqual(otherBase.map((t) => t.seed), common.map((t) => t.seed));
  const perConfig = plan(await checkSweep({ ...spec, seeding: { mode: 'per_config' } }));
  assert.equal(new Set(perConfig.map((t) => t.seed)).size, 9);
});

test('configs are counted without being built, and budget.max_trials stops the generator early', async () => {
  const values = Array.from({ length: 1000 }, (_, i) => 1 + i / 1000);
  const sweep = await checkSweep({ ...base, parameters: { cycle_mult: { values }, gamma: { values: values.map((v) => v - 0.5) } }, budget: { max_trials: 7 } });
  assert.equal(countConfigs(sweep), 1_000_000);
  assert.equal(plan(sweep).length, 7);
});

test('equal configs written differently are one config (2 == 2.0)', async () => {
  const sweep = await checkSweep({ ...base, parameters: { cycle_mult: { values: [2, 2.0, 3] } } });
  assert.equal(configs(sweep).length, 2);
});

test('random sampling is seeded, stays in range, and more trials keep the earlier ones', async () => {
  const spec = {
    ...base, method: 'random', seed: 3,
    parameters: {
      cycle_mult: { min: 1, max: 2, distribution: 'uniform' },
      gamma: { min: 0.01, max: 1, distribution: 'log_uniform' },
      warmup_steps: { min: 0, max: 10, distribution: 'int_uniform' },
      peak_floor: { values: ['none', 'clamp'] },
    },
  };
  const a = configs(await checkSweep({ ...spec, trials: 200 }));
  const again = configs(await checkSweep({ ...spec, trials: 200 }));
  assert.deepEqual(a, again);
  assert.ok(a.length >= 199);
  for (const { config } of a) {
    assert.ok((config.cycle_mult as number) >= 1 && (config.cycle_mult as number) < 2);
    assert.ok((config.gamma as number) >= 0.01 && (config.gamma as number) < 1);
    assert.ok(Number.isInteger(config.warmup_steps) && (config.warmup_steps as number) >= 0 && (config.warmup_steps as number) <= 10);
    assert.ok(['none', 'clamp'].includes(config.peak_floor as string));
  }
  // int_uniform reaches both ends; log_uniform puts about half the draws below the geometric mean 0.1.
  const w = new Set(a.map((c) => c.config.warmup_steps));
  assert.ok(w.has(0) && w.has(10));
  const below = a.filter((c) => (c.config.gamma as number) < 0.1).length / a.length;
  assert.ok(below > 0.35 && below < 0.65, String(below));
  const fewer = configs(await checkSweep({ ...spec, trials: 20 }));
  assert.deepEqual(fewer, a.slice(0, fewer.length));
  const otherSeed = configs(await checkSweep({ ...spec, trials: 20, seed: 4 }));
  assert.notDeepEqual(otherSeed.map((c) => c.hash), fewer.map((c) => c.hash));
});

test('cycles: each config gets the largest first_cycle_steps whose cycles fit, max_cycles = cycles, and cycles stays in its hash', async () => {
  const sweep = await checkSweep({ ...base, schedule: { max_lr: 0.1, min_lr: 0.001 }, parameters: { cycles: { values: [2, 3] }, cycle_mult: { values: [1, 2] } } });
  const got = configs(sweep, 100).map((c) => [c.config.cycles, c.config.cycle_mult, c.config.first_cycle_steps, c.config.max_cycles]);
  // Brute force: the largest L whose first `cycles` cycles end at or before 100 (lengths L, int(L * m), ...).
  const brute = (cycles: number, m: number) => {
    for (let L = 100; L >= 1; L--) {
      let end = 0;
      let len = L;
      for (let c = 0; c < cycles; c++) {
        end += len;
        len = Math.trunc(len * m);
      }
      if (end <= 100) return L;
    }
    return null;
  };
  assert.deepEqual(got, [[2, 1, brute(2, 1), 2], [2, 2, brute(2, 2), 2], [3, 1, brute(3, 1), 3], [3, 2, brute(3, 2), 3]]);
  assert.equal(new Set(configs(sweep, 100).map((c) => c.hash)).size, 4);
  const stats = { dropped: 0, leftovers: new Map<number, number>() };
  [...lazyPlan(sweep, 100, stats)];
  // cycle_mult 1: 50+50 (0 left), 33x3 (1); cycle_mult 2: 33+66 (1), 14+28+56 (2).
  assert.deepEqual([...stats.leftovers.entries()].sort((a, b) => a[0] - b[0]), [[0, 1], [1, 2], [2, 1]]);
});

test('constraints.end_at_cycle_end drops the configs whose last cycle does not end at the final step, and counts them', async () => {
  const sweep = await checkSweep({ ...base, schedule: { max_lr: 0.1 }, parameters: { first_cycle_steps: { values: [10, 20, 30, 25, 50] } }, constraints: { end_at_cycle_end: true } });
  const stats = { dropped: 0, leftovers: new Map<number, number>() };
  const kept = [...lazyPlan(sweep, 100, stats)].map((t) => t.config.first_cycle_steps);
  assert.deepEqual(kept, [10, 20, 25, 50]);
  assert.equal(stats.dropped, 1);
});

test('constraints.end_at_cycle_end that drops every config is refused: a sweep of no trials is a mistake', async () => {
  // 20 trainer steps: cycles of 30 and 40 steps never end there; 10 does.
  const raw = { ...base, schedule: { max_lr: 0.1 }, parameters: { first_cycle_steps: { values: [30, 40] } }, constraints: { end_at_cycle_end: true } };
  await assert.rejects(check(raw), (e: Error) => {
    assert.match(e.message, /constraints\.end_at_cycle_end: drops every config \(2\): none ends its last cycle at step 20, the trainer's last; `npx lrsweep fit --steps 20` lists settings that do/);
    return true;
  });
  const some = await checkSweep({ ...raw, parameters: { first_cycle_steps: { values: [30, 10, 40] } } });
  assert.deepEqual(plan(some).map((t) => t.config.first_cycle_steps), [10]);
});

test('countTrialsAtMost: exact where samples collide (seed 1351: samples 465 and 1254 share a 32-bit stream), never below the plan', async () => {
  const gamma = { min: 0.5, max: 1, distribution: 'uniform' };
  const colliding = await checkSweep({ ...base, method: 'random', seed: 1351, trials: 1300, repeats: 2, parameters: { gamma } });
  assert.equal(plan(colliding).length, 2 * 1299, 'one config fewer than samples');
  assert.equal(countTrials(colliding), 2 * 1300);
  assert.equal(countTrialsAtMost(colliding), 2 * 1299);
  const capped = await checkSweep({ ...base, method: 'random', seed: 1351, trials: 1300, repeats: 2, parameters: { gamma }, budget: { max_trials: 2599 } });
  assert.equal(countTrialsAtMost(capped), plan(capped).length);
  const grid = await checkSweep({ ...base, parameters: { gamma: { values: [0.5, 0.9, 1] } }, repeats: 3, budget: { max_trials: 7 } });
  assert.equal(countTrialsAtMost(grid), plan(grid).length);
  // Equal discrete draws are one config too: an overcount (a resume then walks the plan), not an undercount.
  const discrete = await checkSweep({ ...base, method: 'random', trials: 10, parameters: { gamma: { values: [0.5, 1] } } });
  assert.equal(plan(discrete).length, 2);
  assert.equal(countTrialsAtMost(discrete), 10);
});
