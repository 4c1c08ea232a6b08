// glorotUniform (src/train/glorot.ts) against tfjs's own seeded glorotUniform, bit for bit: the
// golden vectors recorded from tfjs 4.22, and the installed tfjs live on its cpu and wasm backends
// (each in its own process: a process sets up tfjs on one backend) over many seeds and shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { glorotUniform } from '../../src/train/glorot.js';
import { alea } from '../../src/core/random.js';

const fixtures = fileURLToPath(new URL('../fixtures/glorot/', import.meta.url));
const hexOf = (values: Float32Array) => Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('hex');

test('glorotUniform equals the golden kernels recorded from tfjs 4.22 (seeds 0, negative, non-integer, 2^31-1)', () => {
  type Case = { seed: number; fanIn: number; fanOut: number };
  const golden = JSON.parse(readFileSync(`${fixtures}golden.json`, 'utf8')) as { cases: (Case & { float32: string })[]; hashed: (Case & { sha256: string })[] };
  assert.equal(golden.cases.length + golden.hashed.length, 8);
  for (const { seed, fanIn, fanOut, float32 } of golden.cases) assert.equal(hexOf(glorotUniform(seed, fanIn, fanOut)), float32, `seed ${seed}, ${fanIn}x${fanOut}`);
  for (const { seed, fanIn, fanOut, sha256 } of golden.hashed) {
    const w = glorotUniform(seed, fanIn, fanOut);
    assert.equal(createHash('sha256').update(new Uint8Array(w.buffer)).digest('hex'), sha256, `seed ${seed}, ${fanIn}x${fanOut}`);
  }
});

// What mlp.ts passes: the trial's seed (31-bit, sweep/hash.ts) plus the layer index; and what else tfjs accepts.
const SEEDS = [0, 1, 2, 7, 42, 1000, 123456789, 2147483646, 2147483647, 2147483648, 2147483650, -1, -12345, 0.5, 1.5, 1e21, 3.14159];
const SHAPES: [number, number][] = [[1, 1], [20, 64], [64, 3], [64, 64], [784, 256], [256, 256], [256, 10], [7, 13], [13, 1], [1, 200], [33, 65]];
const CASES: [number, number, number][] = SEEDS.flatMap((seed) => SHAPES.map(([fanIn, fanOut]): [number, number, number] => [seed, fanIn, fanOut]));

for (const backend of ['cpu', 'wasm']) {
  test(`glorotUniform equals tfjs's glorotUniform on the ${backend} backend bit for bit: ${CASES.length} seeds x shapes`, () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', `${fixtures}tfjs-glorot.ts`, backend, JSON.stringify(CASES)], { encoding: 'utf8', maxBuffer: 1 << 30 });
    const { backend: used, kernels } = JSON.parse(out) as { backend: string; kernels: string[] };
    assert.equal(used, backend);
    assert.equal(kernels.length, CASES.length);
    CASES.forEach(([seed, fanIn, fanOut], i) => {
      const mine = hexOf(glorotUniform(seed, fanIn, fanOut));
      if (mine !== kernels[i]) assert.fail(`seed ${seed}, ${fanIn}x${fanOut}: differs from tfjs (first bytes ${mine.slice(0, 16)} vs ${kernels[i].slice(0, 16)})`);
    });
  });
}

test('glorotUniform draws inside [-limit, limit) with limit sqrt(6 / (fanIn + fanOut)), and a different stream per seed', () => {
  const w = glorotUniform(3, 784, 256);
  const limit = Math.sqrt(6 / (784 + 256));
  assert.ok(w.every((v) => Math.abs(v) <= Math.fround(limit)));
  assert.ok(w.reduce((m, v) => Math.max(m, v)) > 0.99 * limit && w.reduce((m, v) => Math.min(m, v)) < -0.99 * limit);
  assert.notDeepEqual(glorotUniform(4, 784, 256).slice(0, 8), w.slice(0, 8));
  // fanIn + fanOut below 2: tfjs divides by max(1, fan average), so the limit is sqrt(3).
  assert.ok(Math.abs(glorotUniform(0, 1, 1)[0]) < Math.sqrt(3));
});

test('alea equals the seedrandom package\'s alea (the generator tfjs seeds) over 10^4 draws', async () => {
  // seedrandom is tfjs-core's dependency, so it is installed with tfjs; lrsweep does not import it.
  const { default: reference } = await import('seedrandom/lib/alea.js' as string) as { default: (seed: string) => () => number };
  for (const seed of ['0', '1', '-5', '2147483647', 'hello', '']) {
    const a = alea(seed);
    const b = reference(seed);
    for (let i = 0; i < 10_000; i++) assert.equal(a(), b(), `seed '${seed}', draw ${i}`);
  }
});
