// The kernels' four-lane tanh and sigmoid (assembly/mlp/vector-math.ts, after Cephes' expf and
// tanhf) against float64 references rounded to float32, over arguments from 1e-6 to 100 of
// either sign and the special values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mlpKernels } from '../../../src/wasm/module.js';

/** Arguments: a log-spaced grid over [1e-6, 100] of both signs, plus 0, -0, the infinities and NaN. */
function grid(): Float32Array {
  const xs: number[] = [0, -0, Infinity, -Infinity, Number.NaN];
  for (let e = -6; e <= 2; e += 0.001) xs.push(10 ** e, -(10 ** e));
  while (xs.length % 4) xs.push(0);
  return Float32Array.from(xs);
}

function applied(activation: 'tanh' | 'sigmoid', xs: Float32Array): Float32Array {
  const k = mlpKernels();
  const act = (activation === 'tanh' ? k.ACTIVATION_TANH : k.ACTIVATION_SIGMOID).value;
  const at = k.heapBase();
  const missing = at + xs.byteLength - k.memory.buffer.byteLength;
  if (missing > 0) k.memory.grow(Math.ceil(missing / 65536));
  new Float32Array(k.memory.buffer, at, xs.length).set(xs);
  k.activateLanes(at, xs.length, act);
  return new Float32Array(k.memory.buffer, at, xs.length).slice();
}

// TOLERANCE: 4 float32 ulp (relative 2^-21 = 4.8e-7), twice Cephes' stated 2 ulp peak, where the
// value is above 1e-30. Below (sigmoid of x < -69) exp's argument is clamped at 88.4 to stay
// finite: the value is then at most 1e-30 away, which no gradient notices.
const RELATIVE = 2 ** -21;

function assertClose(got: Float32Array, xs: Float32Array, reference: (x: number) => number, what: string): void {
  xs.forEach((x, i) => {
    const want = Math.fround(reference(x));
    if (Number.isNaN(want)) return assert.ok(Number.isNaN(got[i]), `${what}(${x}) = ${got[i]}, not NaN`);
    const ok = Math.abs(want) > 1e-30 ? Math.abs(got[i] - want) <= RELATIVE * Math.abs(want) : Math.abs(got[i] - want) <= 1e-30;
    assert.ok(ok, `${what}(${x}) = ${got[i]}, want ${want}`);
  });
}

test('tanh lanes are within 4 ulp of Math.tanh, 0 at 0 and exactly +-1 at the infinities', () => {
  const xs = grid();
  const got = applied('tanh', xs);
  assertClose(got, xs, Math.tanh, 'tanh');
  assert.ok(got[0] === 0 && got[1] === 0);
  assert.deepEqual([got[2], got[3]], [1, -1]);
});

test('sigmoid lanes are within 4 ulp of 1 / (1 + e^-x), exactly 1 at +Infinity and at most 1e-30 for very negative x', () => {
  const xs = grid();
  const got = applied('sigmoid', xs);
  assertClose(got, xs, (x) => 1 / (1 + Math.exp(-x)), 'sigmoid');
  assert.equal(got[2], 1);
  assert.ok(got[3] >= 0 && got[3] <= 1e-30);
});
