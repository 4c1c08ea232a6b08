// fitWithCurve: trains a compiled tfjs LayersModel on a trial's LR curve, for module trainers.
// Public API (exported from 'lrsweep').
//
// What it guarantees:
// - Step i (the i-th batch overall, from 0) updates the weights with the LR ctx.curve[i], in
//   float32 as tfjs computes. tfjs's SGD and Momentum optimizers cache -lr in a tensor that only
//   setLearningRate() renews (a plain `optimizer.learningRate = x` is ignored); Adam, Adamax,
//   Adagrad, Adadelta and RMSProp read their learningRate field in every update. fitWithCurve
//   does the right thing for each (test/train/fit-with-curve.test.ts proves it per optimizer).
// - The batches come from the trial's seed: one seeded permutation of the rows per epoch (or the
//   rows in order with shuffle: false), batches of batchSize taken in turn, the last one smaller.
//   So steps = epochs x ceil(rows / batchSize); the trainer's steps(options) must say the same
//   (fitSteps computes it), and a curve of another length is refused before any step.
// - After each epoch it reports train_loss (the mean of the epoch's step losses, as the compiled
//   loss computes them, regularizers included), the compiled metrics' means over the steps under
//   the names given to compile (`accuracy`), with validationData val_loss and val_<metric>
//   (`val_accuracy`) from model.evaluate, the `metrics` callback's values, and lr (the LR of the
//   epoch's last step). With ctx.perStep (LR range tests) it also reports { step } train_loss and
//   lr after every step. A non-finite train_loss ends training after its epoch's report (the
//   runner marks the trial diverged).
// - ctx.signal is checked before every batch, and the loop yields to the event loop every few
//   milliseconds so a stop can arrive: a stop throws "stopped at step i of n: <reason>".
//
// Why a loop over model.trainOnBatch and not model.fit with an onBatchBegin callback: both set
// the LR exactly (fit awaits onBatchBegin before each step), but fit shuffles with Math.random,
// not the trial's seed, and batches per call; trainOnBatch runs the compiled loss, metrics,
// regularizers and optimizer (the same train function fit uses) on the batches we choose. On a
// small conv net (57 steps, wasm) the two took the same time within noise.
//
// The model must be compiled with an optimizer and a loss, as Keras users do:
//   model.compile({ optimizer: ctx.tf.train.adam(ctx.curve[0]), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
// Build it with ctx.tf (never a tfjs of your own: it would be another engine). fitWithCurve does
// not dispose the model, its optimizer or the data.

import type * as tfjs from '@tensorflow/tfjs';
import { mulberry32, permutation } from '../core/random.js';
import { yieldToEvents } from '../core/yield.js';
import type { Metrics, TrainContext } from './contract.js';
import { learningRateSetter } from './learning-rate.js';
import { registerWasmTrainingKernels } from './wasm-training-kernels.js';

/** Rows of inputs and targets: one tensor each, or one per model input / output. Rows are along axis 0. */
export interface FitData {
  x: tfjs.Tensor | tfjs.Tensor[];
  y: tfjs.Tensor | tfjs.Tensor[];
}

export interface FitWithCurveOptions {
  epochs: number;
  batchSize: number;
  /** Evaluated after every epoch: val_loss and val_<metric>. */
  validationData?: FitData;
  /** Shuffle the rows every epoch with the trial's seed (default true). */
  shuffle?: boolean;
  /** Extra metrics computed after each epoch (e.g. on data of your own), merged into its report. */
  metrics?: (model: tfjs.LayersModel, epoch: number) => Metrics | Promise<Metrics>;
}

export interface FitResult {
  /** Steps taken (the curve's length unless training stopped early on divergence). */
  steps: number;
  /** Each epoch's reported metrics, in order. */
  history: Metrics[];
}

/** What fitWithCurve uses of a trial's context: pass the ctx your train() received. */
export type FitContext = Pick<TrainContext<unknown>, 'tf' | 'backend' | 'curve' | 'seed' | 'signal' | 'perStep' | 'report'>;

/** The number of optimizer steps fitWithCurve takes: epochs x ceil(rows / batchSize). Use it in steps(options). */
export function fitSteps(rows: number, o: { epochs: number; batchSize: number }): number {
  return o.epochs * Math.ceil(rows / o.batchSize);
}

/** How often the loop lets the event loop run, so a stop (a message to the worker) arrives. */
const YIELD_EVERY_MS = 10;
/** The data order's own salt, so it never shares a random stream with weights seeded from the same seed. */
const SHUFFLE_SALT = 0x5eed_f17;

export async function fitWithCurve(model: tfjs.LayersModel, data: FitData, ctx: FitContext, options: FitWithCurveOptions): Promise<FitResult> {
  const { tf, curve } = ctx;
  const { epochs, batchSize, validationData, shuffle = true } = options;
  if (!(Number.isInteger(epochs) && epochs >= 1)) throw new Error(`fitWithCurve: epochs must be an integer >= 1, got ${epochs}`);
  if (!(Number.isInteger(batchSize) && batchSize >= 1)) throw new Error(`fitWithCurve: batchSize must be an integer >= 1, got ${batchSize}`);
  if (!model.optimizer) throw new Error("fitWithCurve: compile the model with an optimizer and a loss first, e.g. model.compile({ optimizer: ctx.tf.train.sgd(0.1), loss: 'categoricalCrossentropy' })");
  const xs = listOf(data.x);
  const ys = listOf(data.y);
  const rows = rowsOf([...xs, ...ys], 'data');
  if (validationData) rowsOf([...listOf(validationData.x), ...listOf(validationData.y)], 'validationData');
  const steps = fitSteps(rows, options);
  if (curve.length !== steps) {
    throw new Error(`fitWithCurve: ${epochs} epochs of ${rows} rows in batches of ${batchSize} take ${steps} steps, but the trial's LR curve has ${curve.length}: ` +
      `make the trainer's steps(options) return ${steps} (fitSteps(rows, { epochs, batchSize }) computes it)`);
  }
  if (ctx.backend === 'wasm') registerWasmTrainingKernels(tf);
  const setLearningRate = learningRateSetter(model.optimizer);
  const names = compiledMetricNames(model);
  const random = mulberry32((ctx.seed ^ SHUFFLE_SALT) >>> 0);
  const history: Metrics[] = [];
  let step = 0;
  let yielded = performance.now();

  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = shuffle ? tf.tensor1d(permutation(rows, random), 'int32') : null;
    const [xe, ye] = order ? tf.tidy(() => [xs.map((t) => tf.gather(t, order)), ys.map((t) => tf.gather(t, order))]) : [xs, ys];
    order?.dispose();
    const sums = new Float64Array(1 + names.length);
    let batches = 0;
    try {
      for (let from = 0; from < rows; from += batchSize) {
        if (performance.now() - yielded >= YIELD_EVERY_MS) {
          await yieldToEvents();
          yielded = performance.now();
        }
        if (ctx.signal.aborted) throw new Error(`stopped at step ${step} of ${steps}: ${reasonOf(ctx.signal)}`);
        setLearningRate(curve[step]);
        const size = Math.min(batchSize, rows - from);
        const xb = xe.map((t) => tf.slice(t, from, size));
        const yb = ye.map((t) => tf.slice(t, from, size));
        let out: number | number[];
        try {
          out = await model.trainOnBatch(single(xb), single(yb));
        } finally {
          tf.dispose([...xb, ...yb]);
        }
        const values = Array.isArray(out) ? out : [out];
        for (let k = 0; k < sums.length; k++) sums[k] += values[k];
        if (ctx.perStep) ctx.report({ step }, { train_loss: values[0], lr: curve[step] });
        batches++;
        step++;
      }
    } finally {
      if (order) tf.dispose([...xe, ...ye]);
    }
    const metrics: Metrics = { train_loss: sums[0] / batches };
    names.forEach((name, k) => { metrics[name] = sums[k + 1] / batches; });
    if (validationData) Object.assign(metrics, evaluate(model, validationData, batchSize, names));
    if (options.metrics) Object.assign(metrics, await options.metrics(model, epoch));
    metrics.lr = curve[step - 1];
    ctx.report({ epoch }, metrics);
    history.push(metrics);
    if (!Number.isFinite(metrics.train_loss)) break; // diverged: nothing more to learn
  }
  return { steps: step, history };
}

/** The compiled metrics' names, beyond the loss: as given to compile where they were strings ('accuracy', which tfjs calls acc). */
function compiledMetricNames(model: tfjs.LayersModel): string[] {
  const names = model.metricsNames.slice(1);
  const raw = model.metrics;
  const given = raw == null ? [] : Array.isArray(raw) ? raw : typeof raw === 'object' ? Object.values(raw) : [raw];
  if (model.outputs.length !== 1 || given.length !== names.length) return names;
  return names.map((name, k) => (typeof given[k] === 'string' ? (given[k] as string) : name));
}

function evaluate(model: tfjs.LayersModel, data: FitData, batchSize: number, names: string[]): Metrics {
  const out = model.evaluate(single(listOf(data.x)), single(listOf(data.y)), { batchSize });
  const scalars = Array.isArray(out) ? out : [out];
  const metrics: Metrics = {};
  scalars.forEach((s, k) => {
    metrics[k === 0 ? 'val_loss' : `val_${names[k - 1]}`] = s.dataSync()[0];
    s.dispose();
  });
  return metrics;
}

function listOf(t: tfjs.Tensor | tfjs.Tensor[]): tfjs.Tensor[] {
  return Array.isArray(t) ? t : [t];
}

function single(ts: tfjs.Tensor[]): tfjs.Tensor | tfjs.Tensor[] {
  return ts.length === 1 ? ts[0] : ts;
}

function rowsOf(ts: tfjs.Tensor[], what: string): number {
  if (ts.length === 0 || ts.some((t) => t.rank === 0)) throw new Error(`fitWithCurve: ${what} needs x and y tensors with rows along axis 0`);
  const rows = ts[0].shape[0];
  const other = ts.find((t) => t.shape[0] !== rows);
  if (other) throw new Error(`fitWithCurve: every tensor of ${what} must have the same number of rows, got ${ts.map((t) => t.shape[0]).join(' and ')}`);
  if (rows === 0) throw new Error(`fitWithCurve: ${what} has no rows`);
  return rows;
}

function reasonOf(signal: AbortSignal): string {
  const r = signal.reason as { message?: unknown } | undefined;
  return String(r?.message ?? r ?? 'aborted');
}
