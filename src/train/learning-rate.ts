// Setting a tfjs optimizer's LR for its next update. SGD and Momentum keep -lr in a tensor that
// setLearningRate() renews (assigning `optimizer.learningRate = x` changes nothing for them);
// Adam, Adamax, Adagrad, Adadelta and RMSProp read their learningRate field at every update.

import type * as tfjs from '@tensorflow/tfjs';

/** A function that sets `optimizer`'s LR; throws for an optimizer with no way to set it. */
export function learningRateSetter(optimizer: tfjs.Optimizer): (lr: number) => void {
  const o = optimizer as unknown as { setLearningRate?: (lr: number) => void; learningRate?: unknown };
  if (typeof o.setLearningRate === 'function') return (lr) => o.setLearningRate!(lr);
  if (typeof o.learningRate === 'number') return (lr) => { o.learningRate = lr; };
  const name = typeof optimizer.getClassName === 'function' ? optimizer.getClassName() : optimizer.constructor.name;
  throw new Error(`lrsweep cannot set the learning rate of optimizer ${name}: it has neither setLearningRate() nor a numeric learningRate field`);
}
