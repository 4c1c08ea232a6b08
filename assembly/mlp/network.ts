// The network one task trains, as configure() stored it: its layers, activation, task and
// optimizer, and where its scratch lives. One task at a time per instance (training is
// synchronous and each pool thread has its own instance), so module globals hold it.
//
// Layers live in a table of i32 the host writes (FIELDS per layer):
//   FAN_IN   inputs of the layer (features for layer 0, the previous layer's units otherwise)
//   UNITS    its units
//   WIDTH    units rounded up to a multiple of 4: every row of a weight matrix, bias and
//            activation is WIDTH floats, so every loop runs in whole f32x4 lanes. The padding
//            lanes hold zero weights, biases, activations and gradients throughout.
//   WEIGHTS  byte offset of the kernel in a member's block: [rows, WIDTH] row-major, rows =
//            features for layer 0 and the previous layer's WIDTH otherwise (padding rows zero)
//   BIAS     byte offset of the bias in a member's block: [WIDTH]
//   OUTPUT   address of the layer's output for the rows in flight: [rows, WIDTH]
// A member's block holds its parameters, then its optimizer state: slot s of the parameter at
// address p is at p + s * stateBytes (momentum: the accumulation; Adam: m, then v).

export const ACTIVATION_RELU: i32 = 0;
export const ACTIVATION_TANH: i32 = 1;
export const ACTIVATION_SIGMOID: i32 = 2;
/** The output layer's: no activation. */
export const ACTIVATION_LINEAR: i32 = 3;

export const TASK_CLASSIFICATION: i32 = 0;
export const TASK_REGRESSION: i32 = 1;

export const OPTIMIZER_SGD: i32 = 0;
export const OPTIMIZER_MOMENTUM: i32 = 1;
export const OPTIMIZER_ADAM: i32 = 2;

export const LAYER_FIELDS: i32 = 6;
const FAN_IN: i32 = 0;
const UNITS: i32 = 1;
const WIDTH: i32 = 2;
const WEIGHTS: i32 = 3;
const BIAS: i32 = 4;
const OUTPUT: i32 = 5;

export let layers: i32 = 0;
let table: usize = 0;
export let features: i32 = 0;
export let activation: i32 = ACTIVATION_RELU;
export let task: i32 = TASK_CLASSIFICATION;
export let optimizer: i32 = OPTIMIZER_SGD;
export let stateBytes: usize = 0;
/** Two gradient buffers of [rows, widest WIDTH], used in turn layer by layer. */
export let gradA: usize = 0;
export let gradB: usize = 0;

// Optimizer constants, float32 as tfjs holds them (scalar tensors).
export let momentum: f32 = 0;
export let beta1: f32 = 0;
export let beta2: f32 = 0;
export let oneMinusBeta1: f32 = 0;
export let oneMinusBeta2: f32 = 0;
export let epsilon: f32 = 0;

/** Where the host's layout may begin: the end of the module's static data, 16-byte aligned. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~<usize>15;
}

/** Stores the task's network; the table and buffers stay where the host put them until the next configure. */
export function configure(table_: usize, layers_: i32, features_: i32, activation_: i32, task_: i32, optimizer_: i32,
  stateBytes_: usize, gradA_: usize, gradB_: usize): void {
  table = table_;
  layers = layers_;
  features = features_;
  activation = activation_;
  task = task_;
  optimizer = optimizer_;
  stateBytes = stateBytes_;
  gradA = gradA_;
  gradB = gradB_;
}

/** The optimizer's constants (each already rounded to float32 by the host, as tfjs rounds them). */
export function configureOptimizer(momentum_: f32, beta1_: f32, beta2_: f32, oneMinusBeta1_: f32, oneMinusBeta2_: f32, epsilon_: f32): void {
  momentum = momentum_;
  beta1 = beta1_;
  beta2 = beta2_;
  oneMinusBeta1 = oneMinusBeta1_;
  oneMinusBeta2 = oneMinusBeta2_;
  epsilon = epsilon_;
}

// @ts-ignore: decorator
@inline
function field(l: i32, f: i32): i32 {
  return load<i32>(table + (<usize>(l * LAYER_FIELDS + f) << 2));
}

// @ts-ignore: decorator
@inline
export function fanIn(l: i32): i32 { return field(l, FAN_IN); }
// @ts-ignore: decorator
@inline
export function units(l: i32): i32 { return field(l, UNITS); }
// @ts-ignore: decorator
@inline
export function width(l: i32): i32 { return field(l, WIDTH); }
// @ts-ignore: decorator
@inline
export function weightsOffset(l: i32): usize { return <usize>field(l, WEIGHTS); }
// @ts-ignore: decorator
@inline
export function biasOffset(l: i32): usize { return <usize>field(l, BIAS); }
// @ts-ignore: decorator
@inline
export function output(l: i32): usize { return <usize>field(l, OUTPUT); }
