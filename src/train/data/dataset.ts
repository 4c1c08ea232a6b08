// A data set as the MLP trainers learn from it: training and validation rows as plain arrays,
// features standardised, classes or a standardised regression target. A leaf: the built-in data
// sets (train/datasets.ts), the user's files (data/build.ts) and the trainers all read these types.

interface Rows {
  features: number;
  trainX: Float32Array; // row-major, training rows x features
  valX: Float32Array;
}

export interface ClassificationData extends Rows {
  task: 'classification';
  classes: number;
  trainY: Int32Array;
  valY: Int32Array;
}

export interface RegressionData extends Rows {
  task: 'regression';
  /** The targets, standardised with the training rows' mean and standard deviation. */
  trainY: Float32Array;
  valY: Float32Array;
  /** target = mean + sd x standardised target. */
  target: { mean: number; sd: number };
}

export type Dataset = ClassificationData | RegressionData;

/** Units of the network's last layer: one per class, or one for a regression target. */
export const outputsOf = (data: Dataset): number => (data.task === 'classification' ? data.classes : 1);

/**
 * Factors that turn metrics computed on the standardised target back into the target's own
 * units: a squared error (MSE, the loss) times sd^2, an absolute error times sd. 1 for classes.
 * Both trainers apply them to the numbers they read back (in float64), so every reported metric
 * is in the target's units and a member of a cohort reports what a lone trial does.
 */
export function targetUnits(data: Dataset): { squared: number; absolute: number } {
  return data.task === 'regression' ? { squared: data.target.sd ** 2, absolute: data.target.sd } : { squared: 1, absolute: 1 };
}
