// The MLP trainer's tfjs engine for a single trial (engine: tfjs): a tfjs dense network trained
// with a custom loop, so the LR is set before every step from the trial's LR curve. SGD and
// momentum take setLearningRate (tfjs's SGD ignores a plain assignment to learningRate); Adam
// reads its learningRate field on every step. Its own file so that a worker training with the
// wasm engine never loads it (mlp.ts imports it when a trial asks for tfjs).
// The trial's seed sets the initial weights (glorot uniform, seed + layer) and the data order
// (one shuffle per epoch). There is no dropout.
// Classification: softmax cross-entropy, val_accuracy. Regression: MSE on the target standardised
// with the training rows' statistics; train_loss, val_loss (MSE) and val_mae are reported in the
// target's own units (data/dataset.ts targetUnits).

import type * as tfjs from '@tensorflow/tfjs';
import { permutation } from '../core/random.js';
import type { Metrics, Point, Tf } from './contract.js';
import { outputsOf, targetUnits, type Dataset } from './data/dataset.js';
import { learningRateSetter } from './learning-rate.js';
import { shuffleRandom, type MlpOptions } from './mlp-options.js';

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

export interface Hooks {
  report(point: Point, metrics: Metrics): void;
  signal: AbortSignal;
  perStep: boolean;
}

export function trainOne(tf: Tf, c: MlpOptions, data: Dataset, seed: number, lrs: Float64Array, hooks: Hooks): void {
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
