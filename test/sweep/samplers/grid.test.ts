// The grid sampler with order: shuffled: a seeded bijection on config indices (shuffle.ts) that
// never builds the grid, a permutation of the listed grid, spread over it, and --extend keeping
// the sweep's trial numbers with the new configs shuffled after them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../../src/storage/sqlite.js';
import { checkSweep } from '../../../src/sweep/file.js';
import { registerSweep, registerTrials } from '../../../src/sweep/register.js';
import { countConfigs, plan } from '../../../src/sweep/space.js';
import { shuffle } from '../../../src/sweep/samplers/shuffle.js';
import type { Sweep } from '../../../src/sweep/definition.js';

const base = {
  name: 'g',
  schedule: { first_cycle_steps: 40, min_lr: 0.001 },
  trainer: { kind: 'quadratic', epochs: 2, steps_per_epoch: 10 },
};
const shuffled = { kind: 'grid', order: 'shuffled' };
const planOf = (s: Sweep) => [...plan(s, 20)];

test('shuffle is a bijection on [0, n) with its inverse, for sizes around powers of two', () => {
  for (const n of [0, 1, 2, 3, 4, 5, 15, 16, 17, 255, 1000, 4097]) {
    const order = shuffle(n, 'k');
    const seen = Array.from({ length: n }, (_, i) => order.at(i));
    assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i), `n=${n}`);
    seen.forEach((x, i) => assert.equal(order.positionOf(x), i));
  }
  const n = 2 ** 52;
  const big = shuffle(n, 'k');
  for (const i of [0, 1, n - 1, 123456789012]) assert.equal(big.positionOf(big.at(i)), i);
  assert.throws(() => shuffle(2 ** 52 + 2, 'k'), { message: 'shuffle: n must be an integer from 0 to 2^52, got 4503599627370498' });
  assert.throws(() => shuffle(10, 'k').at(10), { message: 'shuffle: position must be an integer in [0, 10), got 10' });
});

test('a shuffled grid is a permutation of the listed grid; the same seed gives the same order, another seed another', async () => {
  const parameters = { cycle_mult: { values: [1, 2, 3] }, gamma: { values: [0.5, 0.7, 0.9, 1] }, warmup_steps: { values: [0, 1, 2, 3, 4] } };
  const listed = planOf((await checkSweep({ ...base, parameters, repeats: 2 })).sweep);
  const one = planOf((await checkSweep({ ...base, parameters, repeats: 2, method: shuffled, seed: 1 })).sweep);
  const again = planOf((await checkSweep({ ...base, parameters, repeats: 2, method: shuffled, seed: 1 })).sweep);
  const other = planOf((await checkSweep({ ...base, parameters, repeats: 2, method: shuffled, seed: 2 })).sweep);
  const key = (t: { hash: string; repeat: number; seed: number }) => `${t.hash}:${t.repeat}:${t.seed}`;
  assert.equal(listed.length, 120);
  assert.deepEqual(one.map(key).sort(), listed.map(key).sort(), 'the same trials (hashes, repeats, seeds)');
  assert.notDeepEqual(one.map(key), listed.map(key));
  assert.deepEqual(one.map(key), again.map(key));
  assert.notDeepEqual(one.map(key), other.map(key));
  assert.deepEqual(one.slice(0, 2).map((t) => t.repeat), [0, 1], 'each config\'s repeats together');
  // The order depends on the grid and the seed, not on the file's key order (which identity ignores).
  const reordered = { warmup_steps: parameters.warmup_steps, gamma: parameters.gamma, cycle_mult: parameters.cycle_mult };
  assert.deepEqual(planOf((await checkSweep({ ...base, parameters: reordered, repeats: 2, method: shuffled, seed: 1 })).sweep).map(key), one.map(key));
});

test('a 2^30-config shuffled grid capped at 1,000 configs gives 1,000 distinct configs spread over every dimension, without building the grid', async () => {
  const values = (f: (i: number) => number) => ({ values: Array.from({ length: 32 }, (_, i) => f(i)) });
  const parameters = {
    first_cycle_steps: values((i) => 100 + 10 * i), warmup_steps: values((i) => i), cycle_mult: values((i) => 1 + i / 8),
    max_lr: values((i) => 0.1 + i / 100), gamma: values((i) => 0.3 + i / 50), max_cycles: values((i) => 1 + i),
  };
  for (const cap of [{ trials: 1000 }, { budget: { max_trials: 1000 } }]) {
    const { sweep } = await checkSweep({ ...base, schedule: { min_lr: 0.001 }, parameters, method: shuffled, ...cap });
    assert.equal(countConfigs(sweep), 'trials' in cap ? 1000 : 2 ** 30);
    const trials = planOf(sweep);
    assert.equal(trials.length, 1000);
    assert.equal(new Set(trials.map((t) => t.hash)).size, 1000);
    for (const key of Object.keys(parameters)) {
      const low = trials.filter((t) => t.origin[key] < 16).length;
      assert.ok(low >= 400 && low <= 600, `${key}: ${low} of 1000 configs in the lower half of its values`);
    }
  }
});

test('a listed grid capped by trials takes its first configs', async () => {
  const parameters = { cycle_mult: { values: [1, 2, 3] }, gamma: { values: [0.5, 0.7, 0.9, 1] } };
  const all = planOf((await checkSweep({ ...base, parameters })).sweep);
  const capped = planOf((await checkSweep({ ...base, parameters, trials: 5, repeats: 2 })).sweep);
  assert.deepEqual(capped.map((t) => [t.hash, t.repeat]), all.slice(0, 5).flatMap((t) => [[t.hash, 0], [t.hash, 1]]));
});

test('--extend of a shuffled grid keeps every trial\'s number; the new configs are numbered after them, shuffled among themselves', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-grid-'));
  const storage = openSqlite(join(dir, 'g.db'), { mode: 'write' });
  const run = async (raw: Record<string, unknown>, extend = false) => {
    const { sweep, written } = await checkSweep(raw);
    const r = await registerSweep(storage, sweep, { file: 'g.yaml', written, extend, steps: 20, trainerHash: null });
    await registerTrials(storage, r.record.id, r.sweep, 20, { resumed: r.resumed });
    return { sweep: r.sweep, trials: await storage.trials(r.record.id) };
  };
  try {
    const before = { cycle_mult: { values: [1, 2, 3, 4] }, gamma: { values: [0.5, 0.6, 0.7, 0.8, 0.9] } };
    const first = await run({ ...base, method: shuffled, seed: 5, parameters: before });
    assert.deepEqual(first.trials.map((t) => t.configHash), planOf(first.sweep).map((t) => t.hash), 'numbered in the shuffled order');
    const after = { cycle_mult: { values: [1, 2, 3, 4, 5] }, gamma: { values: [0.5, 0.6, 0.7, 0.8, 0.9, 1] } };
    await assert.rejects(run({ ...base, method: shuffled, seed: 5, parameters: after }), { message: /run with --extend to add the new configs/ });
    const second = await run({ ...base, method: shuffled, seed: 5, parameters: after }, true);
    const numberOf = new Map(second.trials.map((t) => [t.configHash, t.number]));
    for (const t of first.trials) assert.equal(numberOf.get(t.configHash), t.number, 'an old trial keeps its number');
    const old = new Set(first.trials.map((t) => t.configHash));
    const added = second.trials.filter((t) => !old.has(t.configHash)).sort((a, b) => a.number - b.number);
    assert.equal(added.length, 30 - 20);
    assert.ok(added[0].number > Math.max(...first.trials.map((t) => t.number)), 'after every old trial');
    const newInPlan = planOf(second.sweep).map((t) => t.hash).filter((h) => !old.has(h));
    assert.deepEqual(added.map((t) => t.configHash), newInPlan, 'in the new grid\'s shuffled order');
    const listed = planOf((await checkSweep({ ...base, seed: 5, parameters: after })).sweep).map((t) => t.hash).filter((h) => !old.has(h));
    assert.notDeepEqual(newInPlan, listed, 'shuffled, not in listed order');
    // Under a cap, raising it extends (the first configs stay the first); changing the grid would pick others: refused.
    const capped = { ...base, name: 'c', method: shuffled, seed: 5, parameters: before, trials: 6 };
    const six = await run(capped);
    const ten = await run({ ...capped, trials: 10 }, true);
    assert.deepEqual(ten.trials.slice(0, 6).map((t) => [t.number, t.configHash]), six.trials.map((t) => [t.number, t.configHash]));
    assert.equal(ten.trials.length, 10);
    await assert.rejects(run({ ...capped, trials: 10, parameters: after }, true), { message: /^--extend only adds configs, but the file no longer has \d+ of its trials/ });
  } finally {
    await storage.close();
  }
});

test('order: shuffled refuses a grid past 2^52 configs', async () => {
  const values = { values: Array.from({ length: 1000 }, (_, i) => 1 + i) };
  const huge = { first_cycle_steps: { values: values.values.map((v) => v + 1000) }, warmup_steps: values, cycle_mult: values, max_cycles: values, gamma: { values: values.values.map((v) => v / 1000) }, max_lr: { values: values.values.map((v) => v / 100) } };
  await assert.rejects(checkSweep({ ...base, schedule: { min_lr: 0.001 }, parameters: huge, method: shuffled, trials: 10 }), {
    message: /parameters: the grid has 1\.00e\+18 configs; order: shuffled takes at most 2\^52/,
  });
});
