// The MLP training kernels' export surface (build/mlp.wasm, its own module: the schedule module
// stays small). The host (src/train/wasm-mlp/) lays out linear memory itself from the heap base
// (nothing here allocates), calls configure once per task, then per step gather and one
// trainStep per member, and per epoch evaluate over the validation rows.
// The host reads the constants from the instance, so nothing here is mirrored by hand there.
export {
  configure, configureOptimizer, heapBase, LAYER_FIELDS,
  ACTIVATION_RELU, ACTIVATION_TANH, ACTIVATION_SIGMOID, TASK_CLASSIFICATION, TASK_REGRESSION,
  OPTIMIZER_SGD, OPTIMIZER_MOMENTUM, OPTIMIZER_ADAM,
} from "./network";
export { setBiasCorrection } from "./optimizers";
export { gather, trainStep, evaluate } from "./step";
export { resetValidation, validationLoss, validationMetric } from "./heads";
// For the tests against Math.tanh.
export { activateLanes } from "./forward";

