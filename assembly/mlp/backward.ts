// The backward pass and the update, layer by layer from the top: the gradient reaching the layer
// below is computed with this layer's weights before they move, then this layer's weights and
// bias are updated in place from their gradients (dW = x^T dz, db = sum of dz over the rows, each
// summed over rows in order). The activation's derivative is taken from its output, as tfjs's
// gradients do: relu dy * (y > 0), tanh (1 - y^2) * dy, sigmoid dy * (y * (1 - y)).

import {
  ACTIVATION_RELU, ACTIVATION_TANH, activation, biasOffset, fanIn, features, gradA, gradB, layers, output, units, weightsOffset, width,
} from "./network";
import { update } from "./optimizers";

/** Updates every layer of the member at `member` from the gradient of the loss at its outputs (in gradA, [rows, WIDTH]); x is the batch the forward pass saw. */
export function backward(member: usize, x: usize, rows: i32, lr: f32): void {
  const negLr = f32x4.splat(-lr);
  let dz = gradA;
  let spare = gradB;
  for (let l = layers - 1; l >= 0; l--) {
    const w = member + weightsOffset(l);
    if (l > 0) {
      toLayerBelow(dz, rows, w, width(l), output(l - 1), width(l - 1), units(l - 1), spare);
    }
    const input = l == 0 ? x : output(l - 1);
    const stride = l == 0 ? features : width(l - 1);
    updateLayer(input, stride, fanIn(l), dz, rows, w, member + biasOffset(l), width(l), negLr);
    const t = dz;
    dz = spare;
    spare = t;
  }
}

/** (1 - y^2) or y (1 - y) style factors: dz of the layer below from the gradient g at its outputs y. */
// @ts-ignore: decorator
@inline
function throughActivation(g: v128, y: v128): v128 {
  const one = f32x4.splat(1);
  if (activation == ACTIVATION_RELU) return v128.and(g, f32x4.gt(y, f32x4.splat(0)));
  if (activation == ACTIVATION_TANH) return f32x4.mul(f32x4.sub(one, f32x4.mul(y, y)), g);
  return f32x4.mul(g, f32x4.mul(y, f32x4.sub(one, y)));
}

/**
 * below[r, k] = (sum_j W[k, j] dz[r, j]) through the activation of the layer below, whose outputs
 * y are [rows, belowWidth]; W is [belowWidth, width]. Four k at a time: four sums of products along
 * j, folded into one vector of four totals.
 */
function toLayerBelow(dz: usize, rows: i32, w: usize, width: i32, y: usize, belowWidth: i32, belowUnits: i32, below: usize): void {
  const ws = <usize>width << 2;
  const zero = f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    const d = dz + <usize>r * ws;
    const yr = y + (<usize>(r * belowWidth) << 2);
    const out = below + (<usize>(r * belowWidth) << 2);
    for (let k = 0; k < belowWidth; k += 4) {
      const w0 = w + <usize>k * ws;
      const w1 = w0 + ws, w2 = w1 + ws, w3 = w2 + ws;
      let s0 = zero, s1 = zero, s2 = zero, s3 = zero;
      for (let j = 0; j < width; j += 4) {
        const jo = <usize>j << 2;
        const dv = v128.load(d + jo);
        s0 = f32x4.add(s0, f32x4.mul(v128.load(w0 + jo), dv));
        s1 = f32x4.add(s1, f32x4.mul(v128.load(w1 + jo), dv));
        s2 = f32x4.add(s2, f32x4.mul(v128.load(w2 + jo), dv));
        s3 = f32x4.add(s3, f32x4.mul(v128.load(w3 + jo), dv));
      }
      // Transpose-and-add: lane i of the result is the total of s_i's four lanes.
      const s01 = f32x4.add(v128.shuffle<f32>(s0, s1, 0, 4, 1, 5), v128.shuffle<f32>(s0, s1, 2, 6, 3, 7));
      const s23 = f32x4.add(v128.shuffle<f32>(s2, s3, 0, 4, 1, 5), v128.shuffle<f32>(s2, s3, 2, 6, 3, 7));
      const g = f32x4.add(v128.shuffle<f32>(s01, s23, 0, 1, 4, 5), v128.shuffle<f32>(s01, s23, 2, 3, 6, 7));
      const ko = <usize>k << 2;
      v128.store(out + ko, throughActivation(g, v128.load(yr + ko)));
    }
    // Padding lanes carry no gradient (sigmoid's factor is not 0 there).
    for (let k = belowUnits; k < belowWidth; k++) store<f32>(out + (<usize>k << 2), 0);
  }
}

/**
 * W[k, j] and b[j] updated with dW = sum_r x[r, k] dz[r, j] and db = sum_r dz[r, j]. Four k (or
 * four bias blocks) at a time share each load of dz.
 */
function updateLayer(x: usize, stride: i32, n: i32, dz: usize, rows: i32, w: usize, b: usize, width: i32, negLr: v128): void {
  const xs = <usize>stride << 2;
  const ws = <usize>width << 2;
  const zero = f32x4.splat(0);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const ko = <usize>k << 2;
    const wk = w + <usize>k * ws;
    let j = 0;
    // Two blocks of 4 units at a time while they last: eight sums in flight, each x load used twice.
    for (; j + 8 <= width; j += 8) {
      const jo = <usize>j << 2;
      let g0 = zero, g1 = zero, g2 = zero, g3 = zero;
      let h0 = zero, h1 = zero, h2 = zero, h3 = zero;
      let d = dz + jo;
      let xr = x + ko;
      for (let r = 0; r < rows; r++) {
        const dv = v128.load(d);
        const du = v128.load(d, 16);
        const x0v = v128.load32_splat(xr);
        const x1v = v128.load32_splat(xr, 4);
        const x2v = v128.load32_splat(xr, 8);
        const x3v = v128.load32_splat(xr, 12);
        g0 = f32x4.add(g0, f32x4.mul(x0v, dv));
        h0 = f32x4.add(h0, f32x4.mul(x0v, du));
        g1 = f32x4.add(g1, f32x4.mul(x1v, dv));
        h1 = f32x4.add(h1, f32x4.mul(x1v, du));
        g2 = f32x4.add(g2, f32x4.mul(x2v, dv));
        h2 = f32x4.add(h2, f32x4.mul(x2v, du));
        g3 = f32x4.add(g3, f32x4.mul(x3v, dv));
        h3 = f32x4.add(h3, f32x4.mul(x3v, du));
        d += ws;
        xr += xs;
      }
      update(wk + jo, g0, negLr);
      update(wk + ws + jo, g1, negLr);
      update(wk + 2 * ws + jo, g2, negLr);
      update(wk + 3 * ws + jo, g3, negLr);
      update(wk + jo + 16, h0, negLr);
      update(wk + ws + jo + 16, h1, negLr);
      update(wk + 2 * ws + jo + 16, h2, negLr);
      update(wk + 3 * ws + jo + 16, h3, negLr);
    }
    for (; j < width; j += 4) {
      const jo = <usize>j << 2;
      let g0 = zero, g1 = zero, g2 = zero, g3 = zero;
      let d = dz + jo;
      let xr = x + ko;
      for (let r = 0; r < rows; r++) {
        const dv = v128.load(d);
        g0 = f32x4.add(g0, f32x4.mul(v128.load32_splat(xr), dv));
        g1 = f32x4.add(g1, f32x4.mul(v128.load32_splat(xr + 4), dv));
        g2 = f32x4.add(g2, f32x4.mul(v128.load32_splat(xr + 8), dv));
        g3 = f32x4.add(g3, f32x4.mul(v128.load32_splat(xr + 12), dv));
        d += ws;
        xr += xs;
      }
      update(wk + jo, g0, negLr);
      update(wk + ws + jo, g1, negLr);
      update(wk + 2 * ws + jo, g2, negLr);
      update(wk + 3 * ws + jo, g3, negLr);
    }
  }
  for (; k < n; k++) {
    const ko = <usize>k << 2;
    const wk = w + <usize>k * ws;
    for (let j = 0; j < width; j += 4) {
      const jo = <usize>j << 2;
      let g0 = zero;
      let d = dz + jo;
      let xr = x + ko;
      for (let r = 0; r < rows; r++) {
        g0 = f32x4.add(g0, f32x4.mul(v128.load32_splat(xr), v128.load(d)));
        d += ws;
        xr += xs;
      }
      update(wk + jo, g0, negLr);
    }
  }
  let j = 0;
  for (; j + 16 <= width; j += 16) {
    const jo = <usize>j << 2;
    let g0 = zero, g1 = zero, g2 = zero, g3 = zero;
    let d = dz + jo;
    for (let r = 0; r < rows; r++) {
      g0 = f32x4.add(g0, v128.load(d));
      g1 = f32x4.add(g1, v128.load(d + 16));
      g2 = f32x4.add(g2, v128.load(d + 32));
      g3 = f32x4.add(g3, v128.load(d + 48));
      d += ws;
    }
    update(b + jo, g0, negLr);
    update(b + jo + 16, g1, negLr);
    update(b + jo + 32, g2, negLr);
    update(b + jo + 48, g3, negLr);
  }
  for (; j < width; j += 4) {
    const jo = <usize>j << 2;
    let g0 = zero;
    let d = dz + jo;
    for (let r = 0; r < rows; r++) {
      g0 = f32x4.add(g0, v128.load(d));
      d += ws;
    }
    update(b + jo, g0, negLr);
  }
}
