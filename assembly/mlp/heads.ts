// The loss at the network's outputs, its gradient there (into gradA), and the validation sums.
// Classification: softmax cross-entropy over integer labels, as tf.losses.softmaxCrossEntropy
// computes it (tfjs-core ops/losses/softmax_cross_entropy.js): lse = max + log(sum exp(z - max)),
// per-row loss lse - z[label], mean over the rows, gradient (softmax - onehot) / rows.
// Regression: squared error (z - t)^2 on one output, mean over the rows, gradient
// (2 (z - t)) / rows (tfjs's SquaredDifference gradient).

import { TASK_CLASSIFICATION, gradA, task, units, width, layers } from "./network";

/** The batch's mean loss (float32, sum over rows then divided by the row count, as tfjs); writes dL/dz into gradA. y holds i32 labels or f32 targets, one per row. */
export function lossAndGradient(z: usize, y: usize, rows: i32): f32 {
  const outWidth = width(layers - 1);
  const inv: f32 = <f32>1 / <f32>rows;
  let sum: f32 = 0;
  if (task == TASK_CLASSIFICATION) {
    const classes = units(layers - 1);
    for (let r = 0; r < rows; r++) {
      const row = z + (<usize>(r * outWidth) << 2);
      const g = gradA + (<usize>(r * outWidth) << 2);
      const label = load<i32>(y + (<usize>r << 2));
      const lse = logSumExp(row, classes);
      sum += lse - load<f32>(row + (<usize>label << 2));
      for (let c = 0; c < classes; c++) {
        const p = Mathf.exp(load<f32>(row + (<usize>c << 2)) - lse);
        store<f32>(g + (<usize>c << 2), (p - (c == label ? <f32>1 : <f32>0)) * inv);
      }
      for (let c = classes; c < outWidth; c++) store<f32>(g + (<usize>c << 2), 0);
    }
  } else {
    for (let r = 0; r < rows; r++) {
      const row = z + (<usize>(r * outWidth) << 2);
      const g = gradA + (<usize>(r * outWidth) << 2);
      const diff = load<f32>(row) - load<f32>(y + (<usize>r << 2));
      sum += diff * diff;
      store<f32>(g, (<f32>2 * diff) * inv);
      for (let c = 1; c < outWidth; c++) store<f32>(g + (<usize>c << 2), 0);
    }
  }
  return sum / <f32>rows;
}

/** log(sum exp(z_c)) over the row's classes, as tfjs's logSumExp takes it (max first). */
function logSumExp(row: usize, classes: i32): f32 {
  let max: f32 = -Infinity;
  for (let c = 0; c < classes; c++) max = Mathf.max(max, load<f32>(row + (<usize>c << 2)));
  let s: f32 = 0;
  for (let c = 0; c < classes; c++) s += Mathf.exp(load<f32>(row + (<usize>c << 2)) - max);
  return max + Mathf.log(s);
}

// Validation sums over the rows seen since resetValidation (float64: the sums of whole data sets).
let lossSum: f64 = 0;
let metricSum: f64 = 0;

export function resetValidation(): void {
  lossSum = 0;
  metricSum = 0;
}

/** Adds the rows' losses, and their correct predictions (classification: the first largest output is the label) or absolute errors (regression). */
export function addValidation(z: usize, y: usize, rows: i32): void {
  const outWidth = width(layers - 1);
  if (task == TASK_CLASSIFICATION) {
    const classes = units(layers - 1);
    for (let r = 0; r < rows; r++) {
      const row = z + (<usize>(r * outWidth) << 2);
      const label = load<i32>(y + (<usize>r << 2));
      lossSum += <f64>(logSumExp(row, classes) - load<f32>(row + (<usize>label << 2)));
      let best = 0;
      for (let c = 1; c < classes; c++) if (load<f32>(row + (<usize>c << 2)) > load<f32>(row + (<usize>best << 2))) best = c;
      if (best == label) metricSum += 1;
    }
  } else {
    for (let r = 0; r < rows; r++) {
      const diff = load<f32>(z + (<usize>(r * outWidth) << 2)) - load<f32>(y + (<usize>r << 2));
      lossSum += <f64>(diff * diff);
      metricSum += <f64>Mathf.abs(diff);
    }
  }
}

export function validationLoss(): f64 { return lossSum; }
export function validationMetric(): f64 { return metricSum; }
