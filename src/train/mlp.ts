// The MLP trainer, on one of two engines (trainer.engine): wasm (the default: lrsweep's own SIMD
// kernels, wasm-mlp/cohort.ts, a single trial being a cohort of one; tfjs is never loaded) or tfjs.
// On tfjs: a dense network trained with a custom loop, so the LR is set before every
// step from the trial's LR curve. SGD and momentum take setLearningRate (tfjs's SGD ignores a
// plain assignment to learningRate); Adam reads its learningRate field on every step.
// The trial's seed sets the initial weights (glorot uniform, seed + layer) and the data order
// (one shuffle per epoch); the data set and its split come from dataset_seed (dataset.seed for
// the user's files), the same for every trial. There is no dropout.
// Classification: softmax cross-entropy, val_accuracy. Regression: MSE on the target standardised
// with the training rows' statistics; train_loss, val_loss (MSE) and val_mae are reported in the
// target's own units (data/dataset.ts targetUnits).

import type * as tfjs from '@tensorflow/tfjs';
import { permutation } from '../core/random.js';
import { defineTrainer, type Metrics, type Point, type Tf } from './contract.js';
import { describeData } from './data/describe.js';
import { outputsOf, targetUnits, type Dataset } from './data/dataset.js';
import { datasetFor } from './mlp-dataset.js';
import { membersWithin, type MlpShape } from './mlp-memory.js';
import { learningRateSetter } from './learning-rate.js';
import { mlpFiles, mlpMetrics, mlpSteps, mlpStepsPerEpoch, readMlpOptions, shuffleRandom, storedMlpOptions, taskOf, type MlpOptions } from './mlp-options.js';
import { trainCohort } from './mlp-cohort.js';
import type { EpochMetrics } from './cohort-task.js';
import { trainWasmCohort } from './wasm-mlp/cohort.js';
import { glorotUniform } from './glorot.js';
import { parseOptions } from './options.js';

export const mlp = defineTrainer<MlpOptions>({
  // Every metric any task reports; metricsFor says which a sweep's task does.
  metrics: ['val_loss', 'val_accuracy', 'val_mae', 'train_loss'],
  // The wasm engine never loads tfjs in the worker (test/pool/engine-no-tfjs.test.ts).
  usesTf: (options) => options.engine === 'tfjs',
  parse: (raw, context) => parseOptions((problems) => readMlpOptions((raw ?? {}) as Record<string, unknown>, problems, context?.baseDir)),
  stored: storedMlpOptions,
  files: mlpFiles,
  metricsFor: (options) => ({ names: mlpMetrics(options), because: `task ${taskOf(options)}` }),
  describe: describeData,
  steps: mlpSteps,
  stepsPerEpoch: mlpStepsPerEpoch,
  train(ctx) {
    const data = datasetFor(ctx.options, ctx.signal);
    if (ctx.options.engine === 'wasm') {
      // A single trial is a cohort of one on the wasm engine; onStep's loss is in the target's units.
      trainWasmCohort(ctx.options, data, ctx.seed, [ctx.curve], {
        signal: ctx.signal,
        initialKernel: glorotUniform,
        onEpoch: (_member, { epoch, ...values }) => ctx.report({ epoch }, withoutNulls(values)),
        ...(ctx.perStep ? { onStep: (_member: number, step: number, loss: number) => ctx.report({ step }, { train_loss: loss, lr: ctx.curve[step] }) } : {}),
      });
      return;
    }
    trainOne(ctx.tf, ctx.options, data, ctx.seed, ctx.curve, { report: ctx.report, signal: ctx.signal, perStep: ctx.perStep });
  },
  // Lockstep: K copies of the network as one batched computation (mlp-cohort.ts). A member's
  // numbers do not depend on its mates, bit for bit, and equal a trial trained alone by train()
  // within float32 rounding (relative 2e-5; see test/train/mlp-cohort.test.ts).
  // A cohort too big for the memory limit (mlp-memory.ts) trains as several smaller ones, one
  // after another: a member's numbers do not depend on its mates, so nothing else changes.
  trainCohort(ctx) {
    if (ctx.perStep) throw new Error('per-step reports (LR range tests) train one trial at a time, not a cohort');
    const data = datasetFor(ctx.options, ctx.signal);
    const size = membersWithin(shapeOf(ctx.options, data), ctx.curves.length);
    for (let from = 0; from < ctx.curves.length && !ctx.signal.aborted; from += size) {
      const memberSignals = ctx.memberSignals?.slice(from, from + size);
      if (memberSignals?.every((s) => s.aborted)) continue; // every member of this part was stopped before it started
      const options = {
        signal: ctx.signal,
        memberSignals,
        onEpoch: (member: number, { epoch, ...values }: EpochMetrics) => ctx.report(from + member, { epoch }, withoutNulls(values)),
      };
      const curves = ctx.curves.slice(from, from + size);
      if (ctx.options.engine === 'wasm') trainWasmCohort(ctx.options, data, ctx.seed, curves, { ...options, initialKernel: glorotUniform });
      else trainCohort(ctx.tf, ctx.options, data, ctx.seed, curves, options);
    }
  },
});

/** What the memory of a trial depends on (mlp-memory.ts), from its built data set. */
function shapeOf(c: MlpOptions, data: Dataset): MlpShape {
  return {
    features: data.features, outputs: outputsOf(data), classification: data.task === 'classification', trainRows: data.trainY.length,
    validationRows: data.valY.length, hidden: c.hidden, batchSize: c.batch_size, optimizer: c.optimizer,
  };
}

/** The metrics a task has (null: the task has not that metric). */
function withoutNulls(values: Record<string, number | null>): Metrics {
  return Object.fromEntries(Object.entries(values).filter((e): e is [string, number] => e[1] !== null));
}

export function buildModel(tf: Tf, c: MlpOptions, data: Dataset, seed: number) {
  const model = tf.sequential();
  const sizes = [...c.hidden, outputsOf(data)];
  sizes.forEach((units, i) => {
    model.add(tf.layers.dense({
      units,
      inputShape: i === 0 ? [data.features] : undefined,
      activation: i < sizes.length - 1 ? c.activation : 'linear',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + i }),
      biasInitializer: 'zeros',
    }));
  });
  return model;
}

function makeOptimizer(tf: Tf, c: MlpOptions, lr: number) {
  if (c.optimizer === 'adam') return tf.train.adam(lr);
  if (c.optimizer === 'momentum') return tf.train.momentum(lr, c.momentum);
  return tf.train.sgd(lr);
}

interface Hooks {
  report(point: Point, metrics: Metrics): void;
  signal: AbortSignal;
  perStep: boolean;
}

function trainOne(tf: Tf, c: MlpOptions, data: Dataset, seed: number, lrs: Float64Array, hooks: Hooks): void {
  const trainRows = data.trainY.length;
  const outputs = outputsOf(data);
  const regression = data.task === 'regression';
  const units = targetUnits(data);
  const xTrain = tf.tensor2d(data.trainX, [trainRows, data.features]);
  const yTrain = data.task === 'classification'
    ? tf.tidy(() => tf.oneHot(tf.tensor1d(data.trainY, 'int32'), data.classes))
    : tf.tensor2d(data.trainY, [trainRows, 1]);
  const xVal = tf.tensor2d(data.valX, [data.valY.length, data.features]);
  const yValLabels = data.task === 'classification' ? tf.tensor1d(data.valY, 'int32') : null;
  const yVal = data.task === 'classification' ? tf.oneHot(yValLabels!, data.classes) : tf.tensor2d(data.valY, [data.valY.length, 1]);
  const lossOf = (targets: tfjs.Tensor, predictions: tfjs.Tensor) => (regression
    ? tf.losses.meanSquaredError(targets, predictions)
    : tf.losses.softmaxCrossEntropy(targets, predictions)) as tfjs.Scalar;
  const model = buildModel(tf, c, data, seed);
  const optimizer = makeOptimizer(tf, c, lrs[0]);
  const setLearningRate = learningRateSetter(optimizer);
  const random = shuffleRandom(seed);
  let step = 0;
  try {
    for (let epoch = 1; epoch <= c.epochs && !hooks.signal.aborted; epoch++) {
      // Shuffle once per epoch (one gather), then take each batch as a contiguous slice.
      const [xEpoch, yEpoch] = tf.tidy(() => {
        const order = tf.tensor1d(permutation(trainRows, random), 'int32');
        return [tf.gather(xTrain, order), tf.gather(yTrain, order)];
      });
      const losses: tfjs.Scalar[] = [];
      let stopped = false;
      for (let from = 0; from < trainRows; from += c.batch_size) {
        // A shared flag (pool/thread.ts): checking it every step costs nothing.
        if ((stopped = hooks.signal.aborted)) break;
        setLearningRate(lrs[step]);
        const rows = Math.min(c.batch_size, trainRows - from);
        const loss = tf.tidy(() => {
          const xb = tf.slice(xEpoch, [from, 0], [rows, data.features]);
          const yb = tf.slice(yEpoch, [from, 0], [rows, outputs]);
          return optimizer.minimize(() => lossOf(yb, model.apply(xb) as tfjs.Tensor), true)!;
        });
        // Per-step reports (LR range tests) read each loss back; otherwise one read-back per epoch.
        if (hooks.perStep) hooks.report({ step }, { train_loss: loss.dataSync()[0] * units.squared, lr: lrs[step] });
        losses.push(loss);
        step++;
      }
      tf.dispose([xEpoch, yEpoch]);
      const [trainLoss, valLoss, accuracyOrMae] = tf.tidy(() => {
        const predictions = model.predict(xVal) as tfjs.Tensor;
        const metric = yValLabels
          ? tf.mean(tf.cast(tf.equal(tf.argMax(predictions, 1), yValLabels), 'float32'))
          : tf.mean(tf.abs(tf.sub(predictions, yVal)));
        return [tf.mean(tf.stack(losses)), lossOf(yVal, predictions), metric];
      }).map((t) => {
        const v = t.dataSync()[0];
        t.dispose();
        return v;
      });
      for (const l of losses) l.dispose();
      const train_loss = trainLoss * units.squared;
      hooks.report({ epoch }, regression
        ? { train_loss, val_loss: valLoss * units.squared, val_mae: accuracyOrMae * units.absolute, lr: lrs[step - 1] }
        : { train_loss, val_loss: valLoss, val_accuracy: accuracyOrMae, lr: lrs[step - 1] });
      if (!Number.isFinite(train_loss)) break; // diverged: the runner records it; nothing more to learn
    }
  } finally {
    // tfjs's MomentumOptimizer.dispose() leaves SGD's learning-rate scalar behind: free it too.
    const rate = (optimizer as unknown as { c?: tfjs.Tensor }).c;
    optimizer.dispose();
    if (rate && !rate.isDisposed) rate.dispose();
    model.dispose();
    tf.dispose([xTrain, yTrain, xVal, yVal, ...(yValLabels ? [yValLabels] : [])]);
  }
}
