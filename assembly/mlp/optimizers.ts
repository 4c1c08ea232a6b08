// One optimizer update of four parameters, by tfjs 4.22's rules op for op
// (@tensorflow/tfjs-core/dist/optimizers/{sgd,momentum,adam}_optimizer.js applyGradients), each op
// a float32 operation as tfjs's elementwise kernels do it (no fused multiply-add), so given the
// same gradient the new weights and state are tfjs's to the bit:
//   sgd       value = (-lr) * g + value
//   momentum  acc = momentum * acc + g;  value = (-lr) * acc + value           (no Nesterov, tfjs's default)
//   adam      m = m * beta1 + g * (1 - beta1);  v = v * beta2 + (g * g) * (1 - beta2)
//             value = ((m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + epsilon)) * (-lr) + value
// 1 - beta^t comes from the host, which keeps beta^t as tfjs does (a float32 multiplied by beta
// after each step).

import {
  OPTIMIZER_ADAM, OPTIMIZER_SGD, beta1, beta2, epsilon, momentum, oneMinusBeta1, oneMinusBeta2, optimizer, stateBytes,
} from "./network";

/** 1 - beta1^t and 1 - beta2^t of the step in flight (Adam), set by setBiasCorrection. */
let oneMinusAccBeta1: f32 = 1;
let oneMinusAccBeta2: f32 = 1;

export function setBiasCorrection(a1: f32, a2: f32): void {
  oneMinusAccBeta1 = a1;
  oneMinusAccBeta2 = a2;
}

/** Updates the four parameters at p with their gradient g. */
// @ts-ignore: decorator
@inline
export function update(p: usize, g: v128, negLr: v128): void {
  if (optimizer == OPTIMIZER_SGD) {
    v128.store(p, f32x4.add(f32x4.mul(negLr, g), v128.load(p)));
  } else if (optimizer == OPTIMIZER_ADAM) {
    const mp = p + stateBytes;
    const vp = mp + stateBytes;
    const m = f32x4.add(f32x4.mul(v128.load(mp), f32x4.splat(beta1)), f32x4.mul(g, f32x4.splat(oneMinusBeta1)));
    const v = f32x4.add(f32x4.mul(v128.load(vp), f32x4.splat(beta2)), f32x4.mul(f32x4.mul(g, g), f32x4.splat(oneMinusBeta2)));
    v128.store(mp, m);
    v128.store(vp, v);
    const mHat = f32x4.div(m, f32x4.splat(oneMinusAccBeta1));
    const vHat = f32x4.div(v, f32x4.splat(oneMinusAccBeta2));
    const q = f32x4.div(mHat, f32x4.add(f32x4.sqrt(vHat), f32x4.splat(epsilon)));
    v128.store(p, f32x4.add(f32x4.mul(q, negLr), v128.load(p)));
  } else {
    const ap = p + stateBytes;
    const acc = f32x4.add(f32x4.mul(f32x4.splat(momentum), v128.load(ap)), g);
    v128.store(ap, acc);
    v128.store(p, f32x4.add(f32x4.mul(negLr, acc), v128.load(p)));
  }
}
