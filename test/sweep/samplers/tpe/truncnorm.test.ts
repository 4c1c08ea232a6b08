// erf.ts and truncnorm.ts against SciPy (and mpmath for log masses), from the fixture written
// by fixtures/make-truncnorm-fixture.py. Tolerances are relative, with an absolute floor where
// the reference is 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { erf, erfc, erfcx } from '../../../../src/sweep/samplers/tpe/erf.js';
import {
  logGaussMass,
  logNdtr,
  ndtriExp,
  truncnormLogPdf,
  truncnormPpf,
} from '../../../../src/sweep/samplers/tpe/truncnorm.js';

type Row = (number | string)[];
const fixture = JSON.parse(readFileSync(new URL('./fixtures/truncnorm.json', import.meta.url), 'utf8')) as Record<
  string,
  Row[]
>;
const num = (v: number | string): number => (v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));
const rows = (key: string): number[][] => fixture[key].map((r) => r.map(num));

function close(actual: number, expected: number, rel: number, what: string, abs = 0): void {
  if (!Number.isFinite(expected) || !Number.isFinite(actual)) {
    assert.equal(actual, expected, what);
    return;
  }
  const err = Math.abs(actual - expected);
  assert.ok(err <= rel * Math.abs(expected) + abs, `${what}: got ${actual}, SciPy ${expected} (error ${err})`);
}

test('erf, erfc and erfcx agree with SciPy to 1e-14 relative from 1e-300 to 1e20, tails included', () => {
  for (const [x, e, ec, ecx] of rows('erf')) {
    close(erf(x), e, 1e-14, `erf(${x})`, 1e-300);
    close(erfc(x), ec, 1e-13, `erfc(${x})`, 1e-300);
    close(erfcx(x), ecx, 1e-13, `erfcx(${x})`);
  }
});

test('log Phi agrees with SciPy log_ndtr in both tails (x from -1000 to 38)', () => {
  for (const [x, expected] of rows('logNdtr')) close(logNdtr(x), expected, 1e-13, `logNdtr(${x})`, 1e-300);
});

test('the inverse of log Phi agrees with SciPy ndtri_exp from y = -1e5 to -1e-100', () => {
  for (const [y, expected] of rows('ndtriExp')) close(ndtriExp(y), expected, 1e-11, `ndtriExp(${y})`);
});

test("a normal's log mass on an interval is exact far in the tails and on tiny intervals (mpmath, 50 digits)", () => {
  for (const [a, b, expected] of rows('logGaussMass')) close(logGaussMass(a, b), expected, 1e-12, `logGaussMass(${a}, ${b})`, 1e-15);
});

test('truncated normal log-density agrees with scipy.stats.truncnorm, kernels thousands of sigmas off included', () => {
  for (const [x, mu, sigma, low, high, expected] of rows('truncnormLogPdf')) {
    close(truncnormLogPdf(x, mu, sigma, low, high), expected, 1e-11, `logpdf(${x}; ${mu}, ${sigma}, [${low}, ${high}])`, 1e-12);
  }
  assert.equal(truncnormLogPdf(1.5, 0.5, 1, 0, 1), -Infinity);
});

test('truncated normal quantiles agree with scipy.stats.truncnorm.ppf and stay inside [a, b]', () => {
  for (const [q, a, b, expected] of rows('truncnormPpf')) {
    const x = truncnormPpf(q, a, b);
    close(x, expected, 1e-9, `ppf(${q}; ${a}, ${b})`, 1e-12);
    assert.ok(x >= a && x <= b, `ppf(${q}; ${a}, ${b}) = ${x} is outside [a, b]`);
  }
});
