// The MLP trainer for a cohort on lrsweep's own WebAssembly SIMD kernels (assembly/mlp/), without
// tfjs. The contract is trainCohort's (mlp-cohort.ts), point for point:
// - Every member starts from the weights mlp.ts gives that seed (glorot.ts: tfjs's glorotUniform
//   seeded seed + layer index, bit for bit; zero biases), sees the same batches in the same order
//   (one shuffle per epoch by shuffleRandom(seed), batches as contiguous slices of it), and is
//   updated by tfjs's own rules (assembly/mlp/optimizers.ts) with its own LR at every step. Its per-epoch metrics match the tfjs
//   engine's within float32 rounding (test/train/wasm-mlp/ states and measures the tolerance).
// - A member's numbers do not depend on its mates, bit for bit: each member is its own kernel call
//   on its own block of memory, with the same arithmetic in the same order whatever K is.
// - A member diverges at the first step whose training loss is NaN or infinite (`divergedAt`);
//   that step does not update it, it is not trained again, and its metrics end with that epoch
//   (train_loss non-finite, validation metrics NaN).
// - A member stopped on its own (options.memberSignals[j]) is not trained from the next step on
//   (its work is spared); its results end with its last full epoch before the stop.
// - options.signal is checked before every step; a partial epoch is not reported.
// - Metrics are in the target's units (data/dataset.ts targetUnits), from float32 values as the
//   tfjs engine reads them back.
// Memory: laid out once per task in the thread's one kernel instance (src/wasm/module.ts
// mlpKernels), grown when a task needs more; typed-array views are taken after growing, and
// nothing allocates in WASM while they are in use. Per step, JS writes nothing but the K learning
// rates (call arguments); the epoch's order is written once per epoch and the kernels gather each
// batch from it. Training is synchronous, so a thread trains one task at a time; a callback that
// started another on the same thread would overwrite this one's memory, so that is refused.

import { shuffleRandom, type MlpOptions as MlpConfig } from '../mlp-options.js';
import { targetUnits, outputsOf, type Dataset } from '../data/dataset.js';
import { permutation } from '../../core/random.js';
import { mlpKernels, type MlpKernelExports } from '../../wasm/module.js';
import { checkCohortCurves, type EpochMetrics } from '../cohort-task.js';
import type { CohortOptions, MemberResult } from '../mlp-cohort.js';
import { layoutFor, type Layout } from './layout.js';
import { glorotUniform } from '../glorot.js';

/** trainCohort's options but the task, which the wasm engine takes from the data (classification or regression). */
export interface WasmCohortOptions extends Omit<CohortOptions, 'task'> {
  /** Called after every step of every member trained in it: its batch loss, in the target's units (non-finite at the step it diverges). */
  onStep?: (member: number, step: number, trainLoss: number) => void;
}

// tfjs's Adam defaults and the wasm/cpu backends' epsilon (float32 backends), rounded as tfjs's
// scalar tensors round them.
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-7;
/** A 32-bit WebAssembly memory's limit (65536 pages of 64 KiB). */
const MAX_WASM_BYTES = 2 ** 32;

export function trainWasmCohort(c: MlpConfig, data: Dataset, seed: number, curves: Float64Array[], options: WasmCohortOptions = {}): MemberResult[] {
  checkCohortCurves(c, data, curves);
  if (busy) throw new Error('trainWasmCohort was called from inside a cohort it is training (onStep or onEpoch): one cohort at a time per thread');
  busy = true;
  try {
    return train(c, data, seed, curves, options);
  } finally {
    busy = false;
  }
}

/** True while this thread's kernel instance holds a cohort. */
let busy = false;

function train(c: MlpConfig, data: Dataset, seed: number, curves: Float64Array[], options: WasmCohortOptions): MemberResult[] {
  const K = curves.length;
  const k = mlpKernels();
  const trainRows = data.trainY.length;
  const valRows = data.valY.length;
  const layout = layoutFor({
    features: data.features, hidden: c.hidden, outputs: outputsOf(data), trainRows, valRows,
    batchSize: c.batch_size, optimizer: c.optimizer, members: K,
  }, k.heapBase(), k.LAYER_FIELDS.value);
  const heap = prepare(k, layout, c, data, seed, K);
  const member = (j: number) => layout.members + j * layout.memberBytes;

  const units = targetUnits(data);
  const classification = data.task === 'classification';
  const results: MemberResult[] = curves.map(() => ({ epochs: [], divergedAt: null }));
  const divergedAt: (number | null)[] = new Array(K).fill(null);
  const stopped = (j: number) => options.memberSignals?.[j]?.aborted === true;
  const trains = (j: number) => divergedAt[j] === null && !stopped(j);
  const training = () => !options.signal?.aborted && curves.some((_, j) => trains(j));
  const lossSums = new Float64Array(K);
  const random = shuffleRandom(seed);
  // Adam's beta1^t and beta2^t, float32 variables multiplied by beta after each step, as tfjs keeps them.
  let accBeta1 = Math.fround(BETA1);
  let accBeta2 = Math.fround(BETA2);
  let step = 0;
  for (let epoch = 1; epoch <= c.epochs && training(); epoch++) {
    const epochStart = step;
    heap.i32.set(permutation(trainRows, random), layout.order / 4);
    lossSums.fill(0);
    let steps = 0;
    for (let from = 0; from < trainRows && training(); from += c.batch_size) {
      const rows = Math.min(c.batch_size, trainRows - from);
      k.gather(layout.order, from, rows, layout.trainX, layout.trainY, layout.batchX, layout.batchY);
      if (c.optimizer === 'adam') k.setBiasCorrection(Math.fround(1 - accBeta1), Math.fround(1 - accBeta2));
      for (let j = 0; j < K; j++) {
        if (!trains(j)) continue;
        const loss = k.trainStep(member(j), layout.batchX, layout.batchY, rows, curves[j][step]);
        lossSums[j] += loss;
        if (!Number.isFinite(loss)) divergedAt[j] = step;
        options.onStep?.(j, step, loss * units.squared);
      }
      accBeta1 = Math.fround(accBeta1 * Math.fround(BETA1));
      accBeta2 = Math.fround(accBeta2 * Math.fround(BETA2));
      steps++;
      step++;
    }
    // A partial epoch is not reported when the unit stopped, and an epoch every member left
    // before its first step has nothing to report.
    if (options.signal?.aborted || steps === 0) break;
    for (let j = 0; j < K; j++) {
      const at = divergedAt[j];
      if (stopped(j) || (at !== null && at < epochStart)) continue;
      const diverged = at !== null;
      const val = diverged ? { loss: Number.NaN, metric: Number.NaN } : validate(k, layout, member(j), valRows, data.features);
      const entry: EpochMetrics = {
        epoch,
        train_loss: Math.fround(lossSums[j] / steps) * units.squared,
        val_loss: val.loss * units.squared,
        val_accuracy: classification ? val.metric : null,
        val_mae: classification ? null : val.metric * units.absolute,
        lr: curves[j][step - 1],
      };
      results[j].epochs.push(entry);
      results[j].divergedAt = at;
      options.onEpoch?.(j, entry);
    }
  }
  return results;
}

interface Views { f32: Float32Array; i32: Int32Array }

/** Grows memory to the layout, configures the kernels, and writes the data and every member's initial weights. */
function prepare(k: MlpKernelExports, layout: Layout, c: MlpConfig, data: Dataset, seed: number, K: number): Views {
  if (layout.end > MAX_WASM_BYTES) {
    throw new Error(`the wasm MLP engine would need ${(layout.end / 2 ** 30).toPrecision(3)} GiB of WebAssembly memory for ${K} members (${(layout.memberBytes / 2 ** 20).toPrecision(3)} MiB each); `
      + `a module's memory holds 4 GiB at most: train fewer members at once`);
  }
  // Each layer's initial kernel, [fanIn, fanOut] row-major, for seed + layer index: tfjs's glorotUniform bit for bit.
  const kernels = layout.layers.map((l, i) => glorotUniform(seed + i, l.fanIn, l.units));
  const missing = layout.end - k.memory.buffer.byteLength;
  if (missing > 0) k.memory.grow(Math.ceil(missing / 65536));
  const f32 = new Float32Array(k.memory.buffer);
  const i32 = new Int32Array(k.memory.buffer);
  // In assembly/mlp/network.ts's field order: FAN_IN, UNITS, WIDTH, WEIGHTS, BIAS, OUTPUT.
  layout.layers.forEach((l, i) => {
    i32.set([l.fanIn, l.units, l.width, l.weights, l.bias, l.output], layout.table / 4 + i * k.LAYER_FIELDS.value);
  });
  f32.set(data.trainX, layout.trainX / 4);
  f32.set(data.valX, layout.valX / 4);
  // Labels (i32) or standardised targets (f32): 4 bytes a row either way.
  (data.task === 'classification' ? i32 : f32).set(data.trainY, layout.trainY / 4);
  (data.task === 'classification' ? i32 : f32).set(data.valY, layout.valY / 4);
  // Member 0's block from the initial kernels (padding and optimizer state zero), then copied.
  const first = layout.members / 4;
  f32.fill(0, first, first + layout.memberBytes / 4);
  layout.layers.forEach((l, i) => {
    const w = kernels[i];
    for (let r = 0; r < l.fanIn; r++) f32.set(w.subarray(r * l.units, (r + 1) * l.units), first + l.weights / 4 + r * l.width);
  });
  for (let j = 1; j < K; j++) f32.copyWithin(first + (j * layout.memberBytes) / 4, first, first + layout.memberBytes / 4);
  const activation = { relu: k.ACTIVATION_RELU, tanh: k.ACTIVATION_TANH, sigmoid: k.ACTIVATION_SIGMOID }[c.activation].value;
  const task = (data.task === 'classification' ? k.TASK_CLASSIFICATION : k.TASK_REGRESSION).value;
  const optimizer = { sgd: k.OPTIMIZER_SGD, momentum: k.OPTIMIZER_MOMENTUM, adam: k.OPTIMIZER_ADAM }[c.optimizer].value;
  k.configure(layout.table, layout.layers.length, data.features, activation, task, optimizer, layout.stateBytes, layout.gradA, layout.gradB);
  k.configureOptimizer(c.momentum, BETA1, BETA2, 1 - BETA1, 1 - BETA2, EPSILON);
  return { f32, i32 };
}

/** The member's validation loss and accuracy (or MAE) in the trained units, as float32 like tfjs's read-back. */
function validate(k: MlpKernelExports, layout: Layout, member: number, valRows: number, features: number): { loss: number; metric: number } {
  k.resetValidation();
  for (let from = 0; from < valRows; from += layout.cap) {
    const rows = Math.min(layout.cap, valRows - from);
    k.evaluate(member, layout.valX + from * features * 4, layout.valY + from * 4, rows);
  }
  return { loss: Math.fround(k.validationLoss() / valRows), metric: Math.fround(k.validationMetric() / valRows) };
}
