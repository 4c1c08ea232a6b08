// The MLP trainer: a tfjs dense network trained with a custom loop, so the LR is set before every
// step from the trial's LR curve. SGD and momentum take setLearningRate (tfjs's SGD ignores a
// plain assignment to learningRate); Adam reads its learningRate field on every step.

import { loadTf } from './backend.js';
import { iris, synthetic, type Dataset } from './datasets.js';
import type { MlpConfig } from './mlp-spec.js';
import { mulberry32, permutation } from './random.js';
import type { EpochMetrics, TrainerImpl, TrainJob } from './types.js';

type Tf = Awaited<ReturnType<typeof loadTf>>;

// Data sets are the same for every trial of a sweep: build each once per worker.
const datasets = new Map<string, Dataset>();

export function datasetFor(c: MlpConfig): Dataset {
  const key = JSON.stringify([c.dataset, c.samples, c.features, c.classes, c.noise, c.validation_fraction, c.dataset_seed]);
  let d = datasets.get(key);
  if (!d) {
    d = c.dataset === 'iris'
      ? iris(c.validation_fraction, c.dataset_seed)
      : synthetic({ samples: c.samples, features: c.features, classes: c.classes, noise: c.noise, validation_fraction: c.validation_fraction, seed: c.dataset_seed });
    datasets.set(key, d);
  }
  return d;
}

export const mlpTrainer: TrainerImpl<MlpConfig> = {
  async train(job: TrainJob<MlpConfig>): Promise<EpochMetrics[][]> {
    const tf = await loadTf(job.backend);
    const data = datasetFor(job.config);
    const results: EpochMetrics[][] = [];
    for (const lrs of job.curves) results.push(trainOne(tf, job.config, data, job.seed, lrs));
    return results;
  },
};

function buildModel(tf: Tf, c: MlpConfig, data: Dataset, seed: number) {
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

function makeOptimizer(tf: Tf, c: MlpConfig, lr: number) {
  if (c.optimizer === 'adam') return tf.train.adam(lr);
  if (c.optimizer === 'momentum') return tf.train.momentum(lr, c.momentum);
  return tf.train.sgd(lr);
}

type Optimizer = ReturnType<typeof makeOptimizer>;

function setLearningRate(optimizer: Optimizer, lr: number): void {
  const o = optimizer as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(lr);
  else o.learningRate = lr;
}

function trainOne(tf: Tf, c: MlpConfig, data: Dataset, seed: number, lrs: Float64Array): EpochMetrics[] {
  const trainRows = data.trainY.length;
  const xTrain = tf.tensor2d(data.trainX, [trainRows, data.features]);
  const yTrain = tf.tidy(() => tf.oneHot(tf.tensor1d(data.trainY, 'int32'), data.classes));
  const xVal = tf.tensor2d(data.valX, [data.valY.length, data.features]);
  const yValLabels = tf.tensor1d(data.valY, 'int32');
  const yVal = tf.oneHot(yValLabels, data.classes);
  const model = buildModel(tf, c, data, seed);
  const optimizer = makeOptimizer(tf, c, lrs[0]);
  const random = mulberry32(seed ^ 0x51ed);
  const epochs: EpochMetrics[] = [];
  let step = 0;
  try {
    for (let epoch = 1; epoch <= c.epochs; epoch++) {
      // Shuffle once per epoch (one gather), then take each batch as a contiguous slice.
      const [xEpoch, yEpoch] = tf.tidy(() => {
        const order = tf.tensor1d(permutation(trainRows, random), 'int32');
        return [tf.gather(xTrain, order), tf.gather(yTrain, order)];
      });
      const losses: import('@tensorflow/tfjs').Scalar[] = [];
      for (let from = 0; from < trainRows; from += c.batch_size) {
        setLearningRate(optimizer, lrs[step]);
        step++;
        const rows = Math.min(c.batch_size, trainRows - from);
        const loss = tf.tidy(() => {
          const xb = tf.slice(xEpoch, [from, 0], [rows, data.features]);
          const yb = tf.slice(yEpoch, [from, 0], [rows, data.classes]);
          return optimizer.minimize(() => tf.losses.softmaxCrossEntropy(yb, model.apply(xb) as import('@tensorflow/tfjs').Tensor) as import('@tensorflow/tfjs').Scalar, true)!;
        });
        losses.push(loss);
      }
      tf.dispose([xEpoch, yEpoch]);
      // One read-back per epoch, not per step.
      const [trainLoss, valLoss, valAccuracy] = tf.tidy(() => {
        const logits = model.predict(xVal) as import('@tensorflow/tfjs').Tensor;
        const vl = tf.losses.softmaxCrossEntropy(yVal, logits);
        const acc = tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), yValLabels), 'float32'));
        return [tf.mean(tf.stack(losses)), vl, acc];
      }).map((t) => {
        const v = t.dataSync()[0];
        t.dispose();
        return v;
      });
      for (const l of losses) l.dispose();
      epochs.push({ epoch, train_loss: trainLoss, val_loss: valLoss, val_accuracy: valAccuracy, lr: lrs[step - 1] });
    }
  } finally {
    // tfjs's MomentumOptimizer.dispose() leaves SGD's learning-rate scalar behind: free it too.
    const rate = (optimizer as unknown as { c?: import('@tensorflow/tfjs').Tensor }).c;
    optimizer.dispose();
    if (rate && !rate.isDisposed) rate.dispose();
    model.dispose();
    tf.dispose([xTrain, yTrain, xVal, yVal, yValLabels]);
  }
  return epochs;
}
