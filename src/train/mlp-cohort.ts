// The MLP trainer for a cohort: K trials of the same model, data and seed that differ only in
// their LR curves, trained in lockstep as one batched computation (stacked-mlp.ts), each member
// with its own LR at every step (stacked-optimizers.ts). For the small models sweeps use, tfjs
// spends most of a step dispatching ops, so K members cost far less than K single trials.
//
// The contract, for whoever groups trials into cohorts:
// - Every member starts from the weights mlp.ts gives that seed, sees the same batches in the same
//   order (one shuffle per epoch by shuffleRandom(seed), batches as contiguous slices), and
//   is updated by tfjs's own rules with its own LR. Its per-epoch metrics match the same curve
//   trained alone by mlp.ts within float32 rounding (test/train/mlp-cohort.test.ts states and
//   measures the tolerance): a member's slice of a batched matMul does not sum in the order of the
//   unbatched matMul mlp.ts runs.
// - A member's numbers do not depend on its mates, bit for bit: not on their curves, their count,
//   or whether they diverge. Every op works on each member's slice apart, and a lone member is
//   trained with a twin (its own curve again, result dropped) because tfjs's wasm backend sends
//   an unbatched matMul to XNNPACK and a batched one to a plain loop, which round differently.
//   So a trial gives the same numbers in a cohort of any size and composition.
// - A member diverges at the first step whose training loss is NaN or infinite (`divergedAt`, an
//   index into its LR curve). From that step on its weights and optimizer state are frozen (its
//   update is masked out), and its metrics end with that epoch: train_loss is then non-finite and
//   the validation metrics are NaN, so a runner sees the divergence. Its mates train on.
// - A member stopped on its own (options.memberSignals[j]: a pruner stopped its trial) leaves the
//   cohort before the next step: every variable, optimizer state and this epoch's losses are
//   gathered down to the members left (a lone one with its twin again), so its work is spared and,
//   as above, its mates' numbers are what they would have been. Its results end with its last
//   full epoch before the stop.
// - Metrics are in the target's units: a regression target is trained standardised, and its
//   losses and errors are scaled back after they are read (data/dataset.ts targetUnits).
// - Each step gathers its batch in JS, feeds it to every member at once ([1, rows, features]; the
//   batched matMul broadcasts it), and reads back the K losses (a copy out of WASM memory on the
//   wasm and cpu backends, where nothing waits on a device).

import { checkCohortCurves, taskFor, type CohortTask, type EpochMetrics, type MemberMetrics, type ValidationMetric } from './cohort-task.js';
import { targetUnits, type Dataset } from './data/dataset.js';
import { shuffleRandom, type MlpOptions as MlpConfig } from './mlp-options.js';
import { permutation } from '../core/random.js';
import { stackedMlp } from './stacked-mlp.js';
import { stackedOptimizer } from './stacked-optimizers.js';

type Tf = typeof import('@tensorflow/tfjs');
type Tensor = import('@tensorflow/tfjs').Tensor;
type Tensor1D = import('@tensorflow/tfjs').Tensor1D;
type Tensor3D = import('@tensorflow/tfjs').Tensor3D;

export interface MemberResult {
  /** One entry per epoch trained; a diverged member's end with the epoch it diverged in. */
  epochs: EpochMetrics[];
  /** The first step (index into its LR curve) whose training loss was NaN or infinite; null if none. */
  divergedAt: number | null;
}

export interface CohortOptions {
  /** What the network learns: loss and validation metrics. Default: the data set's task. */
  task?: CohortTask;
  /** Called as each member's epoch is done (streamed, so a running cohort's progress is recorded). */
  onEpoch?: (member: number, metrics: EpochMetrics) => void;
  /** Checked between epochs: training stops once it is aborted. */
  signal?: AbortSignal;
  /** Member j's own stop, one per curve: checked before every step; a stopped member leaves the cohort. */
  memberSignals?: readonly AbortSignal[];
}

export function trainCohort(tf: Tf, c: MlpConfig, data: Dataset, seed: number, curves: Float64Array[], options: CohortOptions = {}): MemberResult[] {
  checkCohortCurves(c, data, curves);
  // A lone member trains with a twin, so it runs the batched kernels every cohort runs (see above).
  // slot[c] is the member that row c of every stacked tensor trains; -1 for a twin.
  let slot = curves.length === 1 ? [0, -1] : curves.map((_, j) => j);
  let lrsOf = slot.map((j) => curves[Math.max(0, j)]);
  let K = lrsOf.length;
  const taskSpec = options.task ?? taskFor(data);
  // Metrics in the target's units (a regression target is trained standardised): see targetUnits.
  const units = targetUnits(data);
  const scale: Record<ValidationMetric, number> = { val_loss: units.squared, val_accuracy: 1, val_mae: units.absolute };
  const trainRows = data.trainY.length;
  const features = data.features;

  const results: MemberResult[] = curves.map(() => ({ epochs: [], divergedAt: null }));
  let divergedAt: (number | null)[] = new Array(K).fill(null);
  let task = taskSpec.bind(tf, data, K);
  const outputs = taskSpec.outputs(data);
  const model = stackedMlp(tf, { features, hidden: c.hidden, outputs, activation: c.activation }, seed, K);
  const optimizer = stackedOptimizer(tf, c, model.variables);
  const trainTargets = taskSpec.trainTargets(data);
  const valRows = data.valY.length;
  const xVal = tf.tensor3d(data.valX, [1, valRows, features]);
  const random = shuffleRandom(seed);
  let negLr = new Float32Array(K);
  // Each batch is gathered here, not sliced from a shuffled tensor as mlp.ts does: tfjs wasm's
  // Slice copies its whole input out of WASM memory on every call. The inputs go in once for all
  // members; the targets K times, as the loss takes them shaped like the predictions.
  const xBatch = new Float32Array(c.batch_size * features);
  let yBatch = new Float32Array(K * c.batch_size * outputs);
  let alive = null as Tensor | null; // [K, 1, 1] bool once a member has diverged
  let losses: Tensor1D[] = [];
  let step = 0;
  const memberSignals = options.memberSignals;
  const stoppedAlone = (j: number) => j >= 0 && memberSignals?.[j]?.aborted === true;
  const aliveMask = () => (divergedAt.includes(null) && divergedAt.some((d) => d !== null)
    ? tf.keep(tf.tensor3d(divergedAt.map((d) => (d === null ? 1 : 0)), [K, 1, 1], 'bool')) : null);
  // Members stopped on their own leave: rows gathered down to the rest (a lone one with its twin).
  const leave = (): boolean => {
    if (!memberSignals || !slot.some(stoppedAlone)) return false;
    let rows = slot.map((j, r) => (j >= 0 && !stoppedAlone(j) ? r : -1)).filter((r) => r >= 0);
    if (rows.length === 0) return true;
    if (rows.length === 1) rows = [rows[0], rows[0]];
    const twin = rows.length === 2 && rows[0] === rows[1];
    model.keep(rows);
    optimizer.keep(rows);
    const kept = losses.map((l) => tf.tidy(() => tf.gather(l, tf.tensor1d(rows, 'int32'), 0) as Tensor1D));
    tf.dispose(losses);
    losses = kept;
    slot = rows.map((r, i) => (twin && i === 1 ? -1 : slot[r]));
    lrsOf = rows.map((r) => lrsOf[r]);
    divergedAt = rows.map((r) => divergedAt[r]);
    K = rows.length;
    negLr = new Float32Array(K);
    yBatch = new Float32Array(K * c.batch_size * outputs);
    task.dispose();
    task = taskSpec.bind(tf, data, K);
    alive?.dispose();
    alive = aliveMask();
    return false;
  };
  // Training goes on while a member is neither diverged nor stopped.
  const training = () => !options.signal?.aborted && slot.some((j, r) => j >= 0 && divergedAt[r] === null && !stoppedAlone(j));
  try {
    for (let epoch = 1; epoch <= c.epochs && training(); epoch++) {
      const epochStart = step;
      // One shuffle per epoch; batches are contiguous runs of the shuffled order.
      const order = permutation(trainRows, random);
      // The signals read shared flags (pool/thread.ts): checked every step, at no cost.
      for (let from = 0; from < trainRows && training(); from += c.batch_size) {
        if (leave()) break;
        for (let j = 0; j < K; j++) negLr[j] = -lrsOf[j][step];
        const rows = Math.min(c.batch_size, trainRows - from);
        const xb = gatherRows(data.trainX, features, order, from, rows, 1, xBatch);
        const yb = gatherRows(trainTargets, outputs, order, from, rows, K, yBatch);
        tf.tidy(() => {
          const x = tf.tensor3d(xb, [1, rows, features]);
          const y = tf.tensor3d(yb, [K, rows, outputs]);
          let loss!: Tensor1D;
          // Members are independent, so the gradient of the sum of their losses holds, slice by
          // slice, each member's own gradient. The sum's value is never read: a NaN member makes
          // it NaN, but d(sum)/d(loss_j) is 1 whatever the other terms hold.
          const { grads } = tf.variableGrads(() => {
            loss = tf.keep(task.loss(model.apply(x), y));
            return tf.sum(loss);
          }, model.variables);
          losses.push(loss);
          // One read-back of K floats a step: a diverging member must be masked out of this very
          // step's update.
          const values = loss.dataSync();
          let changed = false;
          for (let j = 0; j < K; j++) {
            if (divergedAt[j] === null && !Number.isFinite(values[j])) {
              divergedAt[j] = step;
              changed = true;
            }
          }
          if (changed) {
            alive?.dispose();
            alive = tf.keep(tf.tensor3d(divergedAt.map((d) => (d === null ? 1 : 0)), [K, 1, 1], 'bool'));
          }
          optimizer.apply(model.variables.map((v) => grads[v.name]), tf.tensor3d(negLr, [K, 1, 1]), alive);
        });
        step++;
      }
      // A partial epoch is not reported when the unit stopped (the finally frees its losses), nor
      // for members stopped on their own (skipped below); an epoch that every member left before its first step has nothing to report.
      if (options.signal?.aborted || losses.length === 0) break;
      const { trainLoss, metrics } = epochMetrics(tf, losses, () => task.evaluate(model.apply(xVal)));
      tf.dispose(losses);
      losses = [];
      slot.forEach((j, r) => {
        if (j < 0 || stoppedAlone(j)) return; // a twin, or a member stopped during this epoch
        const at = divergedAt[r];
        if (at !== null && at < epochStart) return;
        const diverged = at !== null;
        const val = Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, v === null ? null : diverged ? Number.NaN : v[r] * scale[k as ValidationMetric]]));
        const entry = { epoch, train_loss: trainLoss[r] * units.squared, ...(val as Pick<EpochMetrics, ValidationMetric>), lr: lrsOf[r][step - 1] };
        results[j].epochs.push(entry);
        results[j].divergedAt = at;
        options.onEpoch?.(j, entry);
      });
    }
  } finally {
    tf.dispose([...losses, xVal]);
    alive?.dispose();
    optimizer.dispose();
    model.dispose();
    task.dispose();
  }
  return results;
}

/** The batch's rows (order[from .. from + rows)) of a row-major [*, width] array, `copies` times over, into out. */
function gatherRows(source: Float32Array, width: number, order: Int32Array, from: number, rows: number, copies: number, out: Float32Array): Float32Array {
  for (let r = 0; r < rows; r++) {
    const row = order[from + r];
    out.set(source.subarray(row * width, (row + 1) * width), r * width);
  }
  const block = rows * width;
  for (let j = 1; j < copies; j++) out.copyWithin(j * block, 0, block);
  return out.subarray(0, copies * block);
}

/** The epoch's per-member numbers, read back: mean step loss, and each validation metric. */
function epochMetrics(tf: Tf, losses: Tensor1D[], evaluate: () => MemberMetrics) {
  let read!: { trainLoss: Float32Array; metrics: Record<ValidationMetric, Float32Array | null> };
  tf.tidy(() => {
    const trainLoss = tf.mean(tf.stack(losses), 0).dataSync() as Float32Array;
    const metrics = Object.fromEntries(Object.entries(evaluate()).map(([k, t]) => [k, t === null ? null : (t as Tensor).dataSync()]));
    read = { trainLoss, metrics: metrics as Record<ValidationMetric, Float32Array | null> };
  });
  return read;
}
