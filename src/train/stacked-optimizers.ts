// SGD, momentum and Adam for stacked variables ([K, ...]: one slice per cohort member), each
// member with its own learning rate. The update rules are tfjs 4.22's own, op for op
// (@tensorflow/tfjs-core/dist/optimizers/{sgd,momentum,adam}_optimizer.js), with the scalar
// -learningRate replaced by a [K, 1, 1] tensor, so a member's slice is updated exactly as tfjs
// updates the same weights of a model trained alone:
//   sgd       value += (-lr) * g
//   momentum  acc = momentum * acc + g;  value += (-lr) * acc          (useNesterov false, tfjs's default)
//   adam      m = m * b1 + g * (1 - b1);  v = v * b2 + g^2 * (1 - b2)
//             value += (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps) * (-lr)
//             b1^t, b2^t as tfjs keeps them: float32 variables multiplied by b1, b2 after each step;
//             b1 0.9, b2 0.999, eps = the backend's epsilon (1e-7 on float32 backends), tfjs's defaults.
//
// A member whose `alive` entry is false keeps its weights and optimizer state: its new values are
// computed with the rest (one batched op) and then discarded with a select, so whatever its
// gradient holds (NaN, infinities) never lands in its state. Masking is skipped while every member
// is alive; for a live member the select copies the same bits either way. Checked bit for bit
// against tfjs's own optimizers, masking included, by test/train/stacked-optimizers.test.ts.

import type { MlpOptions as MlpConfig } from './mlp-options.js';

type Tf = typeof import('@tensorflow/tfjs');
type Tensor = import('@tensorflow/tfjs').Tensor;
type Variable = import('@tensorflow/tfjs').Variable;

export interface StackedOptimizer {
  /**
   * One step. `grads[i]` is the gradient of `variables[i]`; `negLr` is [K, 1, 1] holding -lr of
   * each member (float32, as tfjs's own optimizers hold it); `alive` is a [K, 1, 1] bool mask, or
   * null when every member is alive.
   */
  apply(grads: Tensor[], negLr: Tensor, alive: Tensor | null): void;
  /** Keeps only these members' state, in this order (as StackedMlp.keep does to the variables). */
  keep(indices: number[]): void;
  dispose(): void;
}

export function stackedOptimizer(tf: Tf, c: Pick<MlpConfig, 'optimizer' | 'momentum'>, variables: Variable[]): StackedOptimizer {
  // Optimizer state: n zero variables shaped like each trained variable (tfjs starts them at zero too).
  const state = (n: number) => variables.map((v) => Array.from({ length: n }, () => tf.tidy(() => tf.variable(tf.zerosLike(v), false))));
  // Member state kept for `indices` only: each variable replaced, in place in its list, by its gathered slices.
  const keepIn = (lists: Variable[][], indices: number[]) => {
    for (const list of lists) {
      list.forEach((v, j) => {
        list[j] = tf.tidy(() => tf.variable(tf.gather(v, tf.tensor1d(indices, 'int32'), 0), false));
        v.dispose();
      });
    }
  };
  // Assigns next to target, or keeps target's slices where the member is not alive.
  const update = (target: Variable, next: Tensor, alive: Tensor | null) => target.assign(alive ? tf.where(alive, next, target) : next);

  if (c.optimizer === 'sgd') {
    return {
      apply: (grads, negLr, alive) => tf.tidy(() => variables.forEach((value, i) => update(value, tf.add(tf.mul(negLr, grads[i]), value), alive))),
      keep: () => {},
      dispose: () => {},
    };
  }

  if (c.optimizer === 'momentum') {
    const accumulations = state(1).map(([a]) => a);
    const momentum = tf.scalar(c.momentum);
    return {
      apply: (grads, negLr, alive) => tf.tidy(() => variables.forEach((value, i) => {
        const acc = accumulations[i];
        const newAcc = tf.add(tf.mul(momentum, acc), grads[i]);
        const newValue = tf.add(tf.mul(negLr, newAcc), value);
        update(acc, newAcc, alive);
        update(value, newValue, alive);
      })),
      keep: (indices) => keepIn([accumulations], indices),
      dispose: () => tf.dispose([momentum, ...accumulations]),
    };
  }

  const beta1 = 0.9;
  const beta2 = 0.999;
  const epsilon = tf.backend().epsilon();
  const moments = state(2);
  const [accBeta1, accBeta2] = tf.tidy(() => [tf.variable(tf.scalar(beta1)), tf.variable(tf.scalar(beta2))]);
  return {
    apply: (grads, negLr, alive) => tf.tidy(() => {
      const oneMinusAccBeta1 = tf.sub(1, accBeta1);
      const oneMinusAccBeta2 = tf.sub(1, accBeta2);
      variables.forEach((value, i) => {
        const [m, v] = moments[i];
        const g = grads[i];
        const newM = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const newV = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        const mHat = tf.div(newM, oneMinusAccBeta1);
        const vHat = tf.div(newV, oneMinusAccBeta2);
        update(m, newM, alive);
        update(v, newV, alive);
        update(value, tf.add(tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), epsilon)), negLr), value), alive);
      });
      // Shared by every member: all step in lockstep, and a masked member's count no longer matters.
      accBeta1.assign(tf.mul(accBeta1, beta1));
      accBeta2.assign(tf.mul(accBeta2, beta2));
    }),
    keep: (indices) => keepIn(moments, indices),
    dispose: () => tf.dispose([accBeta1, accBeta2, ...moments.flat()]),
  };
}
