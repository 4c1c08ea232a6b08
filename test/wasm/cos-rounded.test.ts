// assembly/cos-rounded.ts, the one cos of every kind with its own kernel (timm_cosine,
// hf_cosine_restarts, wsd, one_cycle), against cos rounded correctly by mpmath at 200 bits
// (test/fixtures/golden-cos-rounded.json.gz, made by scripts/golden/cos_rounded.py): arguments of
// the ranges the kernels use, and the 4000 of 200,000 whose cos lies nearest a rounding midpoint,
// where a cos only nearly correctly rounded goes the wrong way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { kernels } from '../../src/wasm/module.js';

interface CosGolden {
  hardest_ulps_from_midpoint: number;
  cases: [string, string][];
}

/** Python's float.hex() text back to the double. */
function fromHex(text: string): number {
  const m = text.match(/^(-?)0x([01])\.([0-9a-f]*)p([+-]\d+)$/);
  if (!m) throw new Error(`not a float hex: ${text}`);
  const [, sign, lead, frac, exp] = m;
  const mantissa = Number(lead) + (frac === '' ? 0 : Number.parseInt(frac, 16) / 16 ** frac.length);
  const value = mantissa * 2 ** Number(exp);
  return sign === '-' ? -value : value;
}

const golden = JSON.parse(gunzipSync(readFileSync(new URL('../fixtures/golden-cos-rounded.json.gz', import.meta.url))).toString('utf8')) as CosGolden;

test('cos equals the correctly rounded cos bit for bit, the hardest-to-round arguments included', () => {
  const k = kernels();
  assert.ok(golden.cases.length > 8000);
  // the set does reach arguments far closer to a midpoint than a 2^-66 error bound covers
  assert.ok(golden.hardest_ulps_from_midpoint < 2 ** -13, String(golden.hardest_ulps_from_midpoint));
  const wrong: string[] = [];
  for (const [x, want] of golden.cases) {
    const got = k.cosRounded(fromHex(x));
    if (got !== fromHex(want)) wrong.push(`cos(${x}) = ${got}, want ${fromHex(want)}`);
  }
  assert.deepEqual(wrong.slice(0, 5), []);
});

test('the hex reader reads what Python writes', () => {
  assert.equal(fromHex('0x1.921fb54442d18p+1'), Math.PI);
  assert.equal(fromHex('-0x1.0000000000000p-1'), -0.5);
  assert.equal(fromHex('0x0.0p+0'), 0);
});
