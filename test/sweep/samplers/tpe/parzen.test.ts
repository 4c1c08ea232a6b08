// The Parzen estimator against Optuna 3.1's (fixtures/make-parzen-fixture.py): the same kernel
// centres and bandwidths, and the same probabilities for ints and categoricals.
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

function build(c: Case, legacyDensity = false) {
  const p = { name: 'p', ...c.param } as TpeParam;
  // Optuna's observations of a categorical are choice indices; ours are the choices.
  const external = (v: number) => (p.kind === 'categorical' ? p.choices[v] : v);
  const rows = c.observations.map((v) => [toInternal(p, external(v))!]);
  return { p, external, mixture: buildMixture([p], rows, { ...TPE_DEFAULTS, legacyDensity }) };
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
  test(`log-probabilities match Optuna 3.1's estimator: ${c.name}`, () => {
    const { p, external, mixture } = build(c);
    const got = c.points!.map((v) => mixtureLogPdf(mixture, [toInternal(p, external(v))!]));
    assertClose(got, c.logPdf!, 'logPdf');
    // They are probabilities of the values in the space: they sum to 1.
    assert.ok(Math.abs(got.reduce((s, l) => s + Math.exp(l), 0) - 1) < 1e-12);
  });
}

for (const c of cases.filter((c) => c.legacyLogPdf)) {
  test(`float log-densities equal Optuna 3.1's only with legacyDensity (3.1 left out -log sigma): ${c.name}`, () => {
    const points = (legacy: boolean) => {
      const { p, mixture } = build(c, legacy);
      return c.points!.map((v) => mixtureLogPdf(mixture, [toInternal(p, v)!]));
    };
    assertClose(points(true), c.legacyLogPdf!, 'legacy logPdf');
    // They agree only where every bandwidth is 1 (the prior alone on [0, 1]).
    const fixed = points(false);
    const differs = fixed.some((v, i) => Math.abs(v - c.legacyLogPdf![i]) > 1e-3);
    assert.equal(differs, c.sigmas!.some((s) => s !== 1), 'the density proper differs from 3.1 unless every bandwidth is 1');
  });
}
