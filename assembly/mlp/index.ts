// The MLP training kernels' export surface (build/mlp.wasm, its own module: the schedule module
// stays small). The host (src/train/wasm-mlp/) lays out linear memory itself from the heap base
// (nothing here allocates), calls configure once per task, then per step gather and one
// trainStep per member, and per epoch evaluate over the validation rows.
export {
  configure, configureOptimizer, LAYER_FIELDS,
  ACTIVATION_RELU, ACTIVATION_TANH, ACTIVATION_SIGMOID, TASK_CLASSIFICATION, TASK_REGRESSION,
  OPTIMIZER_SGD, OPTIMIZER_MOMENTUM, OPTIMIZER_ADAM,
} from "./network";
export { setBiasCorrection } from "./optimizers";
export { gather, trainStep, evaluate } from "./step";
export { resetValidation, validationLoss, validationMetric } from "./heads";

/** Where the host's layout may begin: the end of the module's static data, 16-byte aligned. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~<usize>15;
}

import { ACTIVATION_TANH } from "./network";
import { sigmoidLanes, tanhLanes } from "./vector-math";

/** tanh (act 1) or the sigmoid (act 2) of n floats at ptr (n a multiple of 4), in place: for the tests against Math.tanh. */
export function activateLanes(ptr: usize, n: i32, act: i32): void {
  for (let i = 0; i < n; i += 4) {
    const p = ptr + (<usize>i << 2);
    v128.store(p, act == ACTIVATION_TANH ? tanhLanes(v128.load(p)) : sigmoidLanes(v128.load(p)));
  }
}
