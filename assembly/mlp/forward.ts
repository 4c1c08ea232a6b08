// The forward pass: each layer is out = activation(x W + b), as tfjs's Dense layer computes it in
// training (matMul, then the bias, then the activation). Each output sums its inputs in order
// k = 0, 1, ... and adds the bias last, as a plain matMul does; tfjs's own kernels group the sums
// differently, which is float32 rounding (the tests state the tolerance).

import {
  ACTIVATION_LINEAR, ACTIVATION_RELU, ACTIVATION_SIGMOID, ACTIVATION_TANH,
  activation, biasOffset, fanIn, features, layers, output, units, weightsOffset, width,
} from "./network";
import { sigmoidLanes, tanhLanes } from "./vector-math";

/** Runs every layer of the member whose block is at `member` on `rows` rows of x ([rows, features]); returns the address of the outputs ([rows, WIDTH of the last layer], linear). */
export function forward(member: usize, x: usize, rows: i32): usize {
  let input = x;
  let stride = features;
  for (let l = 0; l < layers; l++) {
    const last = l == layers - 1;
    const act = last ? ACTIVATION_LINEAR : activation;
    const out = output(l);
    dense(input, stride, fanIn(l), rows, member + weightsOffset(l), member + biasOffset(l), width(l), out, act == ACTIVATION_RELU);
    if (act == ACTIVATION_TANH || act == ACTIVATION_SIGMOID) activateRows(out, rows, width(l), units(l), act);
    input = out;
    stride = width(l);
  }
  return input;
}

/**
 * out[r] = x[r, :n] W + b (ReLU'd if relu), rows of x `stride` floats apart, W and out `width`
 * floats a row. Tiles of 4 rows x 8 units (4 at the end of a row): each W load serves 4 rows,
 * each x load 8 units. A block of W's columns is finished for every row before the next, so it
 * stays in L1 while the rows pass (a 784-input layer's block is 25 KB).
 */
function dense(x: usize, stride: i32, n: i32, rows: i32, w: usize, b: usize, width: i32, out: usize, relu: bool): void {
  const xs = <usize>stride << 2;
  const ws = <usize>width << 2;
  let j = 0;
  for (; j + 8 <= width; j += 8) {
    const jo = <usize>j << 2;
    let r = 0;
    for (; r + 4 <= rows; r += 4) tile4x8(x + <usize>r * xs, xs, n, w + jo, ws, b + jo, out + <usize>r * ws + jo, relu);
    for (; r < rows; r++) {
      tile1x4(x + <usize>r * xs, n, w + jo, ws, b + jo, out + <usize>r * ws + jo, relu);
      tile1x4(x + <usize>r * xs, n, w + jo + 16, ws, b + jo + 16, out + <usize>r * ws + jo + 16, relu);
    }
  }
  for (; j < width; j += 4) {
    const jo = <usize>j << 2;
    let r = 0;
    for (; r + 4 <= rows; r += 4) tile4x4(x + <usize>r * xs, xs, n, w + jo, ws, b + jo, out + <usize>r * ws + jo, relu);
    for (; r < rows; r++) tile1x4(x + <usize>r * xs, n, w + jo, ws, b + jo, out + <usize>r * ws + jo, relu);
  }
}

/** Rows x0 .. x0 + 3 xs times the 8 columns of W at w (rows ws bytes apart), into out (rows ws bytes apart). */
// @ts-ignore: decorator
@inline
function tile4x8(x0: usize, xs: usize, n: i32, w: usize, ws: usize, b: usize, out: usize, relu: bool): void {
  const zero = f32x4.splat(0);
  const x1 = x0 + xs, x2 = x1 + xs, x3 = x2 + xs;
  let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
  let c0 = zero, c1 = zero, c2 = zero, c3 = zero;
  let wp = w;
  for (let k = 0; k < n; k++) {
    const ko = <usize>k << 2;
    const wv = v128.load(wp);
    const wu = v128.load(wp, 16);
    const x0v = v128.load32_splat(x0 + ko);
    const x1v = v128.load32_splat(x1 + ko);
    const x2v = v128.load32_splat(x2 + ko);
    const x3v = v128.load32_splat(x3 + ko);
    a0 = f32x4.add(a0, f32x4.mul(x0v, wv));
    c0 = f32x4.add(c0, f32x4.mul(x0v, wu));
    a1 = f32x4.add(a1, f32x4.mul(x1v, wv));
    c1 = f32x4.add(c1, f32x4.mul(x1v, wu));
    a2 = f32x4.add(a2, f32x4.mul(x2v, wv));
    c2 = f32x4.add(c2, f32x4.mul(x2v, wu));
    a3 = f32x4.add(a3, f32x4.mul(x3v, wv));
    c3 = f32x4.add(c3, f32x4.mul(x3v, wu));
    wp += ws;
  }
  const o1 = out + ws, o2 = o1 + ws, o3 = o2 + ws;
  finish(out, a0, b, relu);
  finish(o1, a1, b, relu);
  finish(o2, a2, b, relu);
  finish(o3, a3, b, relu);
  finish(out + 16, c0, b + 16, relu);
  finish(o1 + 16, c1, b + 16, relu);
  finish(o2 + 16, c2, b + 16, relu);
  finish(o3 + 16, c3, b + 16, relu);
}

/** tile4x8 for 4 columns. */
// @ts-ignore: decorator
@inline
function tile4x4(x0: usize, xs: usize, n: i32, w: usize, ws: usize, b: usize, out: usize, relu: bool): void {
  const zero = f32x4.splat(0);
  const x1 = x0 + xs, x2 = x1 + xs, x3 = x2 + xs;
  let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
  let wp = w;
  for (let k = 0; k < n; k++) {
    const ko = <usize>k << 2;
    const wv = v128.load(wp);
    a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(x0 + ko), wv));
    a1 = f32x4.add(a1, f32x4.mul(v128.load32_splat(x1 + ko), wv));
    a2 = f32x4.add(a2, f32x4.mul(v128.load32_splat(x2 + ko), wv));
    a3 = f32x4.add(a3, f32x4.mul(v128.load32_splat(x3 + ko), wv));
    wp += ws;
  }
  const o1 = out + ws, o2 = o1 + ws, o3 = o2 + ws;
  finish(out, a0, b, relu);
  finish(o1, a1, b, relu);
  finish(o2, a2, b, relu);
  finish(o3, a3, b, relu);
}

/** One row times 4 columns. */
// @ts-ignore: decorator
@inline
function tile1x4(x0: usize, n: i32, w: usize, ws: usize, b: usize, out: usize, relu: bool): void {
  let a0 = f32x4.splat(0);
  let wp = w;
  for (let k = 0; k < n; k++) {
    a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(x0 + (<usize>k << 2)), v128.load(wp)));
    wp += ws;
  }
  finish(out, a0, b, relu);
}

/** Stores sum + bias at out, ReLU'd if relu. */
// @ts-ignore: decorator
@inline
function finish(out: usize, sum: v128, b: usize, relu: bool): void {
  const z = f32x4.add(sum, v128.load(b));
  v128.store(out, relu ? f32x4.max(z, f32x4.splat(0)) : z);
}

/** tanh or the logistic sigmoid on every lane of each row; the padding lanes are put back to 0 (sigmoid(0) is not). */
function activateRows(out: usize, rows: i32, width: i32, units: i32, act: i32): void {
  for (let r = 0; r < rows; r++) {
    const row = out + (<usize>(r * width) << 2);
    for (let j = 0; j < width; j += 4) {
      const p = row + (<usize>j << 2);
      const z = v128.load(p);
      v128.store(p, act == ACTIVATION_TANH ? tanhLanes(z) : sigmoidLanes(z));
    }
    for (let j = units; j < width; j++) store<f32>(row + (<usize>j << 2), 0);
  }
}

/** tanh (ACTIVATION_TANH) or the sigmoid (ACTIVATION_SIGMOID) of n floats at ptr (n a multiple of 4), in place. */
export function activateLanes(ptr: usize, n: i32, act: i32): void {
  for (let i = 0; i < n; i += 4) {
    const p = ptr + (<usize>i << 2);
    v128.store(p, act == ACTIVATION_TANH ? tanhLanes(v128.load(p)) : sigmoidLanes(v128.load(p)));
  }
}
