// The MLP trainer: a tfjs dense network trained with a custom loop, so the LR is set before every
// step from the trial's LR curve. SGD and momentum take setLearningRate (tfjs's SGD ignores a
// plain assignment to learningRate); Adam reads its learningRate field on every step.
// The trial's seed sets the initial weights (glorot uniform, seed + layer) and the data order
// (one shuffle per epoch); the data set and its split come from dataset_seed, the same for every
// trial. There is no dropout.

import type * as tfjs from '@tensorflow/tfjs';
import { mulberry32, permutation } from '../core/random.js';
import { defineTrainer, type Metrics, type Point, type Tf } from './contract.js';
import { datasetFor, type Dataset } from './datasets.js';
import { mlpSteps, readMlpOptions, type MlpOptions } from './mlp-options.js';
import { trainCohort } from './mlp-cohort.js';
import { parseOptions } from './options.js';

export const mlp = defineTrainer<MlpOptions>({
  metrics: ['val_loss', 'val_accuracy', 'train_loss'],
  parse: (raw) => parseOptions((problems) => readMlpOptions((raw ?? {}) as Record<string, unknown>, problems)),
  steps: mlpSteps,
  train(ctx) {
    trainOne(ctx.tf, ctx.options, datasetFor(ctx.options), ctx.seed, ctx.curve, {
      report: ctx.report, signal: ctx.signal, perStep: ctx.perStep,
    });
  },
  // Lockstep: K copies of the network as one batched computation (mlp-cohort.ts). A member's
  // numbers do not depend on its mates, bit for bit, and equal a trial trained alone by train()
  // within float32 rounding (relative 2e-5; see test/train/mlp-cohort.test.ts).
  trainCohort(ctx) {
    if (ctx.perStep) throw new Error('per-step reports (LR range tests) train one trial at a time, not a cohort');
    trainCohort(ctx.tf, ctx.options, datasetFor(ctx.options), ctx.seed, ctx.curves, {
      signal: ctx.signal,
      onEpoch: (member, { epoch, ...values }) => ctx.report(member, { epoch }, values.val_accuracy === null ? { train_loss: values.train_loss, val_loss: values.val_loss, lr: values.lr } : { ...values, val_accuracy: values.val_accuracy }),
    });
  },
});

export function buildModel(tf: Tf, c: MlpOptions, data: Dataset, seed: number) {
  const model = tf.sequential();
  const sizes = [...c.hidden, data.classes];
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

export function makeOptimizer(tf: Tf, c: MlpOptions, lr: number) {
  if (c.optimizer === 'adam') return tf.train.adam(lr);
  if (c.optimizer === 'momentum') return tf.train.momentum(lr, c.momentum);
  return tf.train.sgd(lr);
}

type Optimizer = ReturnType<typeof makeOptimizer>;

export function setLearningRate(optimizer: Optimizer, lr: number): void {
  const o = optimizer as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

/** The trial's data order: its own salt, so it never shares a stream with the initial weights. */
export const shuffleRandom = (seed: number) => mulberry32(seed ^ 0x51ed);

interface Hooks {
  report(point: Point, metrics: Metrics): void;
  signal: AbortSignal;
  perStep: boolean;
}

export function trainOne(tf: Tf, c: MlpOptions, data: Dataset, seed: number, lrs: Float64Array, hooks: Hooks): void {
  const trainRows = data.trainY.length;
  const xTrain = tf.tensor2d(data.trainX, [trainRows, data.features]);
  const yTrain = tf.tidy(() => tf.oneHot(tf.tensor1d(data.trainY, 'int32'), data.classes));
  const xVal = tf.tensor2d(data.valX, [data.valY.length, data.features]);
  const yValLabels = tf.tensor1d(data.valY, 'int32');
  const yVal = tf.oneHot(yValLabels, data.classes);
  const model = buildModel(tf, c, data, seed);
  const optimizer = makeOptimizer(tf, c, lrs[0]);
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
      for (let from = 0; from < trainRows; from += c.batch_size) {
        setLearningRate(optimizer, lrs[step]);
        const rows = Math.min(c.batch_size, trainRows - from);
        const loss = tf.tidy(() => {
          const xb = tf.slice(xEpoch, [from, 0], [rows, data.features]);
          const yb = tf.slice(yEpoch, [from, 0], [rows, data.classes]);
          return optimizer.minimize(() => tf.losses.softmaxCrossEntropy(yb, model.apply(xb) as tfjs.Tensor) as tfjs.Scalar, true)!;
        });
        // Per-step reports (LR range tests) read each loss back; otherwise one read-back per epoch.
        if (hooks.perStep) hooks.report({ step }, { train_loss: loss.dataSync()[0], lr: lrs[step] });
        losses.push(loss);
        step++;
      }
      tf.dispose([xEpoch, yEpoch]);
      const [trainLoss, valLoss, valAccuracy] = tf.tidy(() => {
        const logits = model.predict(xVal) as tfjs.Tensor;
        const vl = tf.losses.softmaxCrossEntropy(yVal, logits);
        const acc = tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), yValLabels), 'float32'));
        return [tf.mean(tf.stack(losses)), vl, acc];
      }).map((t) => {
        const v = t.dataSync()[0];
        t.dispose();
        return v;
      });
      for (const l of losses) l.dispose();
      hooks.report({ epoch }, { train_loss: trainLoss, val_loss: valLoss, val_accuracy: valAccuracy, lr: lrs[step - 1] });
      if (!Number.isFinite(trainLoss)) break; // diverged: the runner records it; nothing more to learn
    }
  } finally {
    // tfjs's MomentumOptimizer.dispose() leaves SGD's learning-rate scalar behind: free it too.
    const rate = (optimizer as unknown as { c?: tfjs.Tensor }).c;
    optimizer.dispose();
    if (rate && !rate.isDisposed) rate.dispose();
    model.dispose();
    tf.dispose([xTrain, yTrain, xVal, yVal, yValLabels]);
  }
}
