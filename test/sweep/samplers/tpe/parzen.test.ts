// The Parzen estimator against Optuna 3.1's (fixtures/make-parzen-fixture.py): the same kernel
// centres and bandwidths, the same probabilities for ints and categoricals, and for floats 3.1's
// mixture as a density (each kernel's -log sigma, which 3.1 left out and Optuna 3.5 put back).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildMixture, mixtureLogPdf } from '../../../../src/sweep/samplers/tpe/parzen.js';
import { type TpeParam, toInternal } from '../../../../src/sweep/samplers/tpe/space.js';
import { TPE_DEFAULTS } from '../../../../src/sweep/samplers/tpe/tpe.js';

interface Case {
  name: string;
  param: Omit<TpeParam, 'name'>;
  observations: number[];
  mus?: number[];
  sigmas?: number[];
  points?: number[];
  logPdf?: number[];
  legacyLogPdf?: number[];
}
const { cases } = JSON.parse(readFileSync(new URL('./fixtures/parzen-optuna31.json', import.meta.url), 'utf8')) as { cases: Case[] };

function build(c: Case) {
  const p = { name: 'p', ...c.param } as TpeParam;
  // Optuna's observations of a categorical are choice indices; ours are the choices.
  const external = (v: number) => (p.kind === 'categorical' ? p.choices[v] : v);
  const rows = c.observations.map((v) => [toInternal(p, external(v))!]);
  return { p, external, mixture: buildMixture([p], rows, TPE_DEFAULTS) };
}

function assertClose(actual: ArrayLike<number>, expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  expected.forEach((e, i) => {
    const a = actual[i];
    assert.ok(Math.abs(a - e) <= 1e-12 * Math.max(1, Math.abs(e)), `${what}[${i}]: got ${a}, Optuna 3.1 ${e}`);
  });
}

for (const c of cases.filter((c) => c.mus)) {
  test(`kernel centres and bandwidths match Optuna 3.1's univariate estimator: ${c.name}`, () => {
    const dim = build(c).mixture.dims[0];
    assert.equal(dim.kind, 'numeric');
    if (dim.kind !== 'numeric') return;
    assertClose(dim.mus, c.mus!, 'mus');
    assertClose(dim.sigmas, c.sigmas!, 'sigmas');
  });
}

for (const c of cases.filter((c) => c.logPdf)) {
  test(`log-probabilities (floats: log-densities) match Optuna 3.1's estimator: ${c.name}`, () => {
    const { p, external, mixture } = build(c);
    const got = c.points!.map((v) => mixtureLogPdf(mixture, [toInternal(p, external(v))!]));
    assertClose(got, c.logPdf!, 'logPdf');
    if (p.kind === 'float') return;
    // Ints and categoricals: probabilities of the values in the space, summing to 1.
    assert.ok(Math.abs(got.reduce((s, l) => s + Math.exp(l), 0) - 1) < 1e-12);
  });
}

test('a float estimator is a density: it integrates to 1 over the range (Optuna 3.1\'s scores did not)', () => {
  for (const c of cases.filter((c) => c.param.kind === 'float' && !(c.param as { log?: boolean }).log)) {
    const { p, mixture } = build(c);
    const { low, high } = p as { low: number; high: number };
    const n = 20000;
    const h = (high - low) / n;
    let integral = 0;
    for (let i = 0; i < n; i++) integral += Math.exp(mixtureLogPdf(mixture, [low + (i + 0.5) * h])) * h;
    assert.ok(Math.abs(integral - 1) < 1e-4, `${c.name}: integral ${integral}`);
    // 3.1's scores are not a density wherever a kernel's bandwidth is not 1.
    if (c.sigmas!.some((s) => s !== 1)) assert.ok(c.logPdf!.some((v, i) => Math.abs(v - c.legacyLogPdf![i]) > 1e-3), c.name);
  }
});
