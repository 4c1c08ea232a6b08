// Turning rows into what the network trains on: a seeded split into training and validation rows,
// and standardisation with statistics of the training rows only (so nothing about the validation
// rows leaks into training). Shared by the built-in data sets and the user's files.

import { mulberry32, permutation } from '../../core/random.js';

type Floats = Float32Array | Float64Array;

/** Rows held out for validation: round(n x fraction), at least 1. */
export const heldOutCount = (n: number, fraction: number): number => Math.max(1, Math.round(n * fraction));

/**
 * A fixed shuffle of n rows by the data set's seed: the first n - heldOutCount are the training
 * rows, the rest validation. The salt keeps this stream apart from the data's own draws (see
 * datasets.ts); changing it changes every split, so every stored result: keep it.
 */
export function splitOrder(n: number, fraction: number, seed: number): { train: Int32Array; validation: Int32Array } {
  const order = permutation(n, mulberry32(seed ^ 0x5b117));
  const trainCount = n - heldOutCount(n, fraction);
  return { train: order.subarray(0, trainCount), validation: order.subarray(trainCount) };
}

/** The given rows of a row-major [*, width] array, in that order, as float32. */
export function takeRows(source: Floats | Int32Array, width: number, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * width);
  for (let i = 0; i < rows.length; i++) out.set(source.subarray(rows[i] * width, (rows[i] + 1) * width), i * width);
  return out;
}

/** The given entries of a label array, in that order. */
export function takeLabels(source: Int32Array, rows: Int32Array): Int32Array {
  return Int32Array.from(rows, (r) => source[r]);
}

/**
 * Standardises each column of `train` (row-major, `width` columns) in place to mean 0 and standard
 * deviation 1, and applies the same shift and scale to `others`. A constant column is only
 * shifted (scale 1). Returns each column's mean and standard deviation.
 */
export function standardise(train: Floats, others: Floats[], width: number): { mean: number[]; sd: number[] } {
  const rows = train.length / width;
  const stats = { mean: [] as number[], sd: [] as number[] };
  for (let j = 0; j < width; j++) {
    let mean = 0;
    for (let i = 0; i < rows; i++) mean += train[i * width + j];
    mean /= rows;
    let variance = 0;
    for (let i = 0; i < rows; i++) variance += (train[i * width + j] - mean) ** 2;
    const sd = Math.sqrt(variance / rows) || 1;
    for (const a of [train, ...others]) for (let i = j; i < a.length; i += width) a[i] = (a[i] - mean) / sd;
    stats.mean.push(mean);
    stats.sd.push(sd);
  }
  return stats;
}
