// AssemblyScript, compiled by bench/cohort.ts (asc, --enable simd): a prototype of "our own WASM
// SIMD kernel for the built-in MLP", to measure rather than guess whether one would pass
// PyTorch's lockstep figure. One call is one SGD step of one member of a features-H-classes MLP
// (ReLU hidden layer, softmax cross-entropy, mean over the batch): forward, backward (no gradient
// for the input) and the update, every loop over the hidden units in f32x4 lanes (H % 16 == 0).
// Not a trainer: no Adam, no masking, no metrics; those are per-parameter work (1.5k parameters
// against 200k FLOP a step) or per-epoch work, small next to what this measures.
//
// Layouts (row-major f32, byte addresses from the host): x [B, F], y one-hot [B, C],
// w1 [F, H], b1 [H], w2t [C, H] (the output layer transposed, so every loop runs along H), b2 [C];
// scratch h [B, H], dh [B, H], dl [B, C]. Returns the batch's mean loss.

export function step(x: usize, y: usize, B: i32, F: i32, H: i32, C: i32,
  w1: usize, b1: usize, w2t: usize, b2: usize, h: usize, dh: usize, dl: usize, lr: f32): f32 {
  const zero = f32x4.splat(0);
  // Forward, hidden layer: h = relu(x w1 + b1), 16 units at a time in four registers.
  for (let b = 0; b < B; b++) {
    const xb = x + (<usize>(b * F) << 2);
    const hb = h + (<usize>(b * H) << 2);
    for (let j = 0; j < H; j += 16) {
      const o = <usize>j << 2;
      let a0 = v128.load(b1 + o), a1 = v128.load(b1 + o + 16), a2 = v128.load(b1 + o + 32), a3 = v128.load(b1 + o + 48);
      for (let k = 0; k < F; k++) {
        const xv = f32x4.splat(load<f32>(xb + (<usize>k << 2)));
        const w = w1 + (<usize>(k * H) << 2) + o;
        a0 = f32x4.add(a0, f32x4.mul(xv, v128.load(w)));
        a1 = f32x4.add(a1, f32x4.mul(xv, v128.load(w + 16)));
        a2 = f32x4.add(a2, f32x4.mul(xv, v128.load(w + 32)));
        a3 = f32x4.add(a3, f32x4.mul(xv, v128.load(w + 48)));
      }
      v128.store(hb + o, f32x4.max(a0, zero));
      v128.store(hb + o + 16, f32x4.max(a1, zero));
      v128.store(hb + o + 32, f32x4.max(a2, zero));
      v128.store(hb + o + 48, f32x4.max(a3, zero));
    }
  }
  // Output layer, softmax cross-entropy, and dL/dlogits = (softmax - y) / B.
  let loss: f32 = 0;
  const invB: f32 = 1 / <f32>B;
  for (let b = 0; b < B; b++) {
    const hb = h + (<usize>(b * H) << 2);
    const lb = dl + (<usize>(b * C) << 2);
    let max: f32 = -Infinity;
    for (let c = 0; c < C; c++) {
      const w = w2t + (<usize>(c * H) << 2);
      let acc = zero;
      for (let j = 0; j < H; j += 4) acc = f32x4.add(acc, f32x4.mul(v128.load(hb + (<usize>j << 2)), v128.load(w + (<usize>j << 2))));
      const logit = load<f32>(b2 + (<usize>c << 2)) + f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
      store<f32>(lb + (<usize>c << 2), logit);
      if (logit > max) max = logit;
    }
    let sum: f32 = 0;
    for (let c = 0; c < C; c++) {
      const e = Mathf.exp(load<f32>(lb + (<usize>c << 2)) - max);
      store<f32>(lb + (<usize>c << 2), e);
      sum += e;
    }
    for (let c = 0; c < C; c++) {
      const target = load<f32>(y + (<usize>(b * C + c) << 2));
      const p = load<f32>(lb + (<usize>c << 2)) / sum;
      if (target > 0) loss -= target * Mathf.log(p);
      store<f32>(lb + (<usize>c << 2), (p - target) * invB);
    }
  }
  // dh = (dl w2t) masked by relu'(h), before w2t moves.
  for (let b = 0; b < B; b++) {
    const hb = h + (<usize>(b * H) << 2);
    const db = dh + (<usize>(b * H) << 2);
    for (let j = 0; j < H; j += 4) {
      const o = <usize>j << 2;
      let acc = zero;
      for (let c = 0; c < C; c++) acc = f32x4.add(acc, f32x4.mul(f32x4.splat(load<f32>(dl + (<usize>(b * C + c) << 2))), v128.load(w2t + (<usize>(c * H) << 2) + o)));
      v128.store(db + o, v128.and(acc, f32x4.gt(v128.load(hb + o), zero)));
    }
  }
  // Output layer update: w2t[c] -= lr * sum_b dl[b, c] h[b]; b2[c] -= lr * sum_b dl[b, c].
  const vlr = f32x4.splat(lr);
  for (let c = 0; c < C; c++) {
    const w = w2t + (<usize>(c * H) << 2);
    let gb: f32 = 0;
    for (let b = 0; b < B; b++) gb += load<f32>(dl + (<usize>(b * C + c) << 2));
    store<f32>(b2 + (<usize>c << 2), load<f32>(b2 + (<usize>c << 2)) - lr * gb);
    for (let j = 0; j < H; j += 4) {
      const o = <usize>j << 2;
      let acc = zero;
      for (let b = 0; b < B; b++) acc = f32x4.add(acc, f32x4.mul(f32x4.splat(load<f32>(dl + (<usize>(b * C + c) << 2))), v128.load(h + (<usize>(b * H) << 2) + o)));
      v128.store(w + o, f32x4.sub(v128.load(w + o), f32x4.mul(vlr, acc)));
    }
  }
  // Hidden layer update: w1[k] -= lr * sum_b x[b, k] dh[b]; b1 -= lr * sum_b dh[b].
  for (let j = 0; j < H; j += 16) {
    const o = <usize>j << 2;
    for (let k = 0; k <= F; k++) {
      // k == F is the bias: its "input" is 1.
      let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
      for (let b = 0; b < B; b++) {
        const xv = k < F ? f32x4.splat(load<f32>(x + (<usize>(b * F + k) << 2))) : f32x4.splat(1);
        const d = dh + (<usize>(b * H) << 2) + o;
        a0 = f32x4.add(a0, f32x4.mul(xv, v128.load(d)));
        a1 = f32x4.add(a1, f32x4.mul(xv, v128.load(d + 16)));
        a2 = f32x4.add(a2, f32x4.mul(xv, v128.load(d + 32)));
        a3 = f32x4.add(a3, f32x4.mul(xv, v128.load(d + 48)));
      }
      const w = k < F ? w1 + (<usize>(k * H) << 2) + o : b1 + o;
      v128.store(w, f32x4.sub(v128.load(w), f32x4.mul(vlr, a0)));
      v128.store(w + 16, f32x4.sub(v128.load(w + 16), f32x4.mul(vlr, a1)));
      v128.store(w + 32, f32x4.sub(v128.load(w + 32), f32x4.mul(vlr, a2)));
      v128.store(w + 48, f32x4.sub(v128.load(w + 48), f32x4.mul(vlr, a3)));
    }
  }
  return loss * invB;
}
