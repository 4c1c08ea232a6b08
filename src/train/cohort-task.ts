// What a cohort learns: the targets, the loss and the validation metrics, kept apart from the
// network and the optimizers: classification (softmax cross-entropy, val_accuracy) and
// regression (MSE on the standardised target, val_mae).
//
// Rules for a task, because members train in one batched computation:
// - Every tensor has the member axis first: predictions and targets are [K, rows, outputs]
//   (tfjs's losses want the targets shaped like the predictions).
// - loss() and evaluate() reduce each member's slice on its own (axis 1 and up), never across
//   the member axis: a member whose loss is NaN must not touch its mates' numbers.
// - loss() is differentiable and gives each member the same number, by the same ops, as the
//   single-trial trainer (mlp.ts) computes for one model, so a member matches a trial trained alone.
// - Metrics come out in the units the network trains in (a regression target standardised);
//   the trainer scales them to the target's units after reading them back (data/dataset.ts
//   targetUnits), as mlp.ts does.

import type { ClassificationData, Dataset, RegressionData } from './data/dataset.js';

/** What a member reports at the end of an epoch. */
export interface EpochMetrics {
  epoch: number;
  train_loss: number;
  val_loss: number;
  /** null for tasks without classes. */
  val_accuracy: number | null;
  /** Mean absolute error, in the target's units; null for tasks without a numeric target. */
  val_mae: number | null;
  /** The LR of the epoch's last step. */
  lr: number;
}

type Tf = typeof import('@tensorflow/tfjs');
type Tensor1D = import('@tensorflow/tfjs').Tensor1D;
type Tensor3D = import('@tensorflow/tfjs').Tensor3D;

/** The per-epoch validation metrics: EpochMetrics without the epoch, the train loss and the LR. */
export type ValidationMetric = Exclude<keyof EpochMetrics, 'epoch' | 'train_loss' | 'lr'>;

/** One [K] tensor per validation metric; null for a metric the task has not (as EpochMetrics says). */
export type MemberMetrics = { [M in ValidationMetric]: null extends EpochMetrics[M] ? Tensor1D | null : Tensor1D };

export interface CohortTask {
  /** Units of the network's last layer. */
  outputs(data: Dataset): number;
  /** The training targets, row-major [trainRows, outputs], in the data set's row order (the trainer shuffles and batches them). */
  trainTargets(data: Dataset): Float32Array;
  /** Builds the task's tensors for one cohort of `members`; the caller disposes it. */
  bind(tf: Tf, data: Dataset, members: number): BoundTask;
}

export interface BoundTask {
  /** Each member's mean loss over the batch: [K, rows, outputs] twice -> [K]. */
  loss(predictions: Tensor3D, targets: Tensor3D): Tensor1D;
  /** Each member's validation metrics from its predictions on the validation rows, [K, valRows, outputs]. */
  evaluate(predictions: Tensor3D): MemberMetrics;
  dispose(): void;
}

/** K copies of a row-major block, back to back ([K, ...block]). */
function repeatBlock(block: Float32Array, members: number, out = new Float32Array(block.length * members)): Float32Array {
  for (let j = 0; j < members; j++) out.set(block, j * block.length);
  return out;
}

/**
 * Classification: softmax cross-entropy over one-hot labels, mean over the batch (what
 * tf.losses.softmaxCrossEntropy's default reduction gives mlp.ts), and validation accuracy.
 */
export const classification: CohortTask = {
  outputs: (data) => classes(data).classes,
  trainTargets: (data) => oneHot(classes(data).trainY, classes(data).classes),
  bind(tf, dataset, members) {
    const data = classes(dataset);
    const valRows = data.valY.length;
    const valLabels = tf.tensor1d(data.valY, 'int32');
    const valTargets = tf.tensor3d(repeatBlock(oneHot(data.valY, data.classes), members), [members, valRows, data.classes]);
    // The per-example losses with tfjs's own op (Reduction.NONE), then the mean per member as
    // its SUM_BY_NONZERO_WEIGHTS reduction takes it: sum, divided by the number of examples.
    const loss = (predictions: Tensor3D, targets: Tensor3D) => {
      const perExample = tf.losses.softmaxCrossEntropy(targets, predictions, undefined, 0, tf.Reduction.NONE);
      return tf.div(tf.sum(perExample, 1), tf.scalar(predictions.shape[1])) as Tensor1D;
    };
    return {
      loss,
      evaluate: (predictions) => ({
        val_loss: loss(predictions, valTargets),
        val_accuracy: tf.mean(tf.cast(tf.equal(tf.argMax(predictions, 2), valLabels), 'float32'), 1) as Tensor1D,
        val_mae: null,
      }),
      dispose: () => tf.dispose([valLabels, valTargets]),
    };
  },
};

/**
 * Regression: mean squared error on the standardised target, mean over the batch's elements (what
 * tf.losses.meanSquaredError's default reduction gives mlp.ts), and the validation MAE.
 */
export const regression: CohortTask = {
  outputs: () => 1,
  trainTargets: (data) => target(data).trainY,
  bind(tf, dataset, members) {
    const data = target(dataset);
    const valRows = data.valY.length;
    const valTargets = tf.tensor3d(repeatBlock(data.valY, members), [members, valRows, 1]);
    const loss = (predictions: Tensor3D, targets: Tensor3D) => {
      const perElement = tf.losses.meanSquaredError(targets, predictions, undefined, tf.Reduction.NONE);
      return tf.div(tf.sum(perElement, [1, 2]), tf.scalar(predictions.shape[1] * predictions.shape[2])) as Tensor1D;
    };
    return {
      loss,
      evaluate: (predictions) => ({
        val_loss: loss(predictions, valTargets),
        val_accuracy: null,
        val_mae: tf.mean(tf.abs(tf.sub(predictions, valTargets)), [1, 2]) as Tensor1D,
      }),
      dispose: () => tf.dispose(valTargets),
    };
  },
};

/** The task for a data set. */
export const taskFor = (data: Dataset): CohortTask => (data.task === 'regression' ? regression : classification);

function classes(data: Dataset): ClassificationData {
  if (data.task !== 'classification') throw new Error(`the classification task needs a data set with classes, got a ${data.task} one`);
  return data;
}

function target(data: Dataset): RegressionData {
  if (data.task !== 'regression') throw new Error(`the regression task needs a data set with a numeric target, got a ${data.task} one`);
  return data;
}

function oneHot(labels: Int32Array, classes: number): Float32Array {
  const out = new Float32Array(labels.length * classes);
  labels.forEach((label, i) => (out[i * classes + label] = 1));
  return out;
}

/**
 * What either engine's cohort trainer checks of its curves first: at least one, each as long as
 * training (epochs x ceil(training rows / batch_size): every epoch ends with a short batch if the
 * rows do not divide).
 */
export function checkCohortCurves(c: { epochs: number; batch_size: number }, data: Pick<Dataset, 'trainY'>, curves: readonly Float64Array[]): void {
  const total = c.epochs * Math.ceil(data.trainY.length / c.batch_size);
  if (curves.length === 0) throw new Error('a cohort needs at least one LR curve, got none');
  curves.forEach((lrs, j) => {
    if (lrs.length < total) throw new Error(`LR curve ${j} has ${lrs.length} values; training takes ${total} steps (epochs x ceil(training rows / batch_size))`);
  });
}
