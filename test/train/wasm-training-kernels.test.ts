// The gradient kernels lrsweep gives tfjs's wasm backend: conv2d's filter gradient and max
// pooling's input gradient equal direct float64 sums over many shapes, free what they allocate,
// and a conv net with max pooling trains on wasm.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTf } from '../../src/train/backend.js';
import { registerWasmTrainingKernels } from '../../src/train/wasm-training-kernels.js';
import { mulberry32 } from '../../src/core/random.js';
import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from '../../src/train/contract.js';

const numbers = (seed: number, n: number) => {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => random() * 2 - 1);
};
const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Output size and leading padding of one spatial axis, as TensorFlow defines 'same' and 'valid'. */
function axis(input: number, filter: number, stride: number, pad: 'same' | 'valid') {
  const out = pad === 'same' ? Math.ceil(input / stride) : Math.ceil((input - filter + 1) / stride);
  const before = pad === 'same' ? Math.floor(Math.max((out - 1) * stride + filter - input, 0) / 2) : 0;
  return { out, before };
}

/** d/dfilter of sum(conv2d(x, filter) * r), summed directly (NHWC, filter [fh, fw, c, o]). */
function filterGradient(x: number[], [b, h, w, c]: number[], r: number[], [fh, fw, , o]: number[], stride: number, pad: 'same' | 'valid'): number[] {
  const rows = axis(h, fh, stride, pad);
  const cols = axis(w, fw, stride, pad);
  const out = new Array(fh * fw * c * o).fill(0);
  for (let i = 0; i < fh; i++) for (let j = 0; j < fw; j++) for (let ci = 0; ci < c; ci++) for (let co = 0; co < o; co++) {
    let sum = 0;
    for (let n = 0; n < b; n++) for (let y = 0; y < rows.out; y++) for (let z = 0; z < cols.out; z++) {
      const row = y * stride + i - rows.before;
      const col = z * stride + j - cols.before;
      if (row >= 0 && row < h && col >= 0 && col < w) sum += x[((n * h + row) * w + col) * c + ci] * r[((n * rows.out + y) * cols.out + z) * o + co];
    }
    out[((i * fw + j) * c + ci) * o + co] = sum;
  }
  return out;
}

/** d/dx of sum(maxPool(x) * r): each output's r goes to its window's first maximum. */
function maxPoolGradient(x: number[], [b, h, w, c]: number[], r: number[], f: number, stride: number, pad: 'same' | 'valid'): number[] {
  const rows = axis(h, f, stride, pad);
  const cols = axis(w, f, stride, pad);
  const dx = new Array(x.length).fill(0);
  for (let n = 0; n < b; n++) for (let y = 0; y < rows.out; y++) for (let z = 0; z < cols.out; z++) for (let ch = 0; ch < c; ch++) {
    let best = -Infinity;
    let at = -1;
    for (let i = 0; i < f; i++) for (let j = 0; j < f; j++) {
      const row = y * stride + i - rows.before;
      const col = z * stride + j - cols.before;
      if (row < 0 || row >= h || col < 0 || col >= w) continue;
      const k = ((n * h + row) * w + col) * c + ch;
      if (x[k] > best) { best = x[k]; at = k; }
    }
    dx[at] += r[((n * rows.out + y) * cols.out + z) * c + ch];
  }
  return dx;
}

async function wasm(): Promise<Tf> {
  const tf = await loadTf('wasm');
  registerWasmTrainingKernels(tf);
  return tf;
}

/** The largest difference between a gradient tfjs computes and the direct sum; asserts nothing leaked. */
function worstDifference(tf: Tf, gradient: () => number[], want: number[]): number {
  const before = tf.memory();
  const got = gradient();
  assert.deepEqual([tf.memory().numTensors, tf.memory().numBytes], [before.numTensors, before.numBytes], 'every intermediate is freed');
  assert.equal(got.length, want.length);
  return Math.max(...got.map((v, k) => Math.abs(v - want[k])));
}

const CONV_CASES = [
  { x: [2, 7, 6, 3], f: [3, 2, 3, 4] }, { x: [1, 8, 8, 1], f: [3, 3, 1, 8] }, { x: [3, 5, 9, 2], f: [2, 4, 2, 3] }, { x: [2, 6, 6, 4], f: [1, 1, 4, 2] },
];

for (const stride of [1, 2, 3]) {
  for (const pad of ['valid', 'same'] as const) {
    test(`conv2d's filter gradient on wasm equals the direct sum (stride ${stride}, pad ${pad})`, async () => {
      const tf = await wasm();
      CONV_CASES.forEach(({ x: xs, f: fs }, k) => {
        const xv = numbers(10 * k + 1, size(xs));
        const fv = numbers(10 * k + 2, size(fs));
        const x = tf.tensor4d(xv, xs as [number, number, number, number]);
        const filter = tf.tensor4d(fv, fs as [number, number, number, number]);
        const outShape = tf.tidy(() => tf.conv2d(x, filter, stride, pad).shape);
        const rv = numbers(10 * k + 3, size(outShape));
        const r = tf.tensor(rv, outShape);
        const worst = worstDifference(tf, () => {
          const g = tf.grad((f: tfjs.Tensor) => tf.sum(tf.mul(tf.conv2d(x, f as tfjs.Tensor4D, stride, pad), r)))(filter);
          const values = Array.from(g.dataSync());
          g.dispose();
          return values;
        }, filterGradient(xv, xs, rv, fs, stride, pad));
        assert.ok(worst < 1e-5, `x ${xs}, filter ${fs}: largest difference ${worst}`);
        tf.dispose([x, filter, r]);
      });
    });
  }
}

test('max pooling\'s input gradient on wasm sends each output\'s gradient to its window\'s maximum', async () => {
  const tf = await wasm();
  for (const xs of [[1, 4, 4, 1], [2, 6, 6, 1], [1, 7, 6, 3], [2, 8, 8, 8]]) {
    for (const [f, stride] of [[2, 2], [2, 1], [3, 2], [3, 3]]) {
      for (const pad of ['valid', 'same'] as const) {
        const xv = numbers(size(xs) + f, size(xs));
        const x = tf.tensor4d(xv, xs as [number, number, number, number]);
        const outShape = tf.tidy(() => tf.maxPool(x, f, stride, pad).shape);
        const rv = numbers(7, size(outShape));
        const r = tf.tensor(rv, outShape);
        const worst = worstDifference(tf, () => {
          const g = tf.grad((v: tfjs.Tensor) => tf.sum(tf.mul(tf.maxPool(v as tfjs.Tensor4D, f, stride, pad), r)))(x);
          const values = Array.from(g.dataSync());
          g.dispose();
          return values;
        }, maxPoolGradient(xv, xs, rv, f, stride, pad));
        assert.ok(worst < 1e-6, `x ${xs}, pool ${f}, stride ${stride}, ${pad}: largest difference ${worst}`);
        tf.dispose([x, r]);
      }
    }
  }
});

test('registering again changes nothing, and a conv net with max pooling learns on wasm', async () => {
  const tf = await wasm();
  const kernels = ['Conv2DBackpropFilter', 'MaxPoolGrad'].map((k) => tf.getKernel(k, 'wasm'));
  registerWasmTrainingKernels(tf);
  assert.deepEqual(['Conv2DBackpropFilter', 'MaxPoolGrad'].map((k) => tf.getKernel(k, 'wasm')), kernels);
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
  model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
  model.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError' });
  const x = tf.tensor4d(numbers(4, 16 * 64), [16, 8, 8, 1]);
  const y = tf.tensor2d(numbers(5, 32), [16, 2]);
  const first = (await model.trainOnBatch(x, y)) as number;
  let last = first;
  for (let i = 0; i < 30; i++) last = (await model.trainOnBatch(x, y)) as number;
  assert.ok(last < 0.8 * first, `loss ${first} -> ${last}`);
  model.dispose();
  tf.dispose([x, y]);
});
