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
 * floats a row. Four rows at a time share each load of W (four independent sums in flight).
 */
function dense(x: usize, stride: i32, n: i32, rows: i32, w: usize, b: usize, width: i32, out: usize, relu: bool): void {
  const xs = <usize>stride << 2;
  const ws = <usize>width << 2;
  const zero = f32x4.splat(0);
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const x0 = x + <usize>r * xs;
    const x1 = x0 + xs, x2 = x1 + xs, x3 = x2 + xs;
    const o0 = out + <usize>r * ws;
    const o1 = o0 + ws, o2 = o1 + ws, o3 = o2 + ws;
    let j = 0;
    // Two blocks of 4 units at a time while they last: eight sums in flight, each x load used twice.
    for (; j + 8 <= width; j += 8) {
      const jo = <usize>j << 2;
      let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
      let c0 = zero, c1 = zero, c2 = zero, c3 = zero;
      let wp = w + jo;
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
      finish(o0 + jo, a0, b + jo, relu);
      finish(o1 + jo, a1, b + jo, relu);
      finish(o2 + jo, a2, b + jo, relu);
      finish(o3 + jo, a3, b + jo, relu);
      finish(o0 + jo + 16, c0, b + jo + 16, relu);
      finish(o1 + jo + 16, c1, b + jo + 16, relu);
      finish(o2 + jo + 16, c2, b + jo + 16, relu);
      finish(o3 + jo + 16, c3, b + jo + 16, relu);
    }
    for (; j < width; j += 4) {
      const jo = <usize>j << 2;
      let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
      let wp = w + jo;
      for (let k = 0; k < n; k++) {
        const ko = <usize>k << 2;
        const wv = v128.load(wp);
        a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(x0 + ko), wv));
        a1 = f32x4.add(a1, f32x4.mul(v128.load32_splat(x1 + ko), wv));
        a2 = f32x4.add(a2, f32x4.mul(v128.load32_splat(x2 + ko), wv));
        a3 = f32x4.add(a3, f32x4.mul(v128.load32_splat(x3 + ko), wv));
        wp += ws;
      }
      finish(o0 + jo, a0, b + jo, relu);
      finish(o1 + jo, a1, b + jo, relu);
      finish(o2 + jo, a2, b + jo, relu);
      finish(o3 + jo, a3, b + jo, relu);
    }
  }
  for (; r < rows; r++) {
    const x0 = x + <usize>r * xs;
    const o0 = out + <usize>r * ws;
    for (let j = 0; j < width; j += 4) {
      const jo = <usize>j << 2;
      let a0 = zero;
      let wp = w + jo;
      for (let k = 0; k < n; k++) {
        a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(x0 + (<usize>k << 2)), v128.load(wp)));
        wp += ws;
      }
      finish(o0 + jo, a0, b + jo, relu);
    }
  }
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
