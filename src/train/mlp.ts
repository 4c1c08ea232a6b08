// The MLP trainer, on one of two engines (trainer.engine): wasm (the default: lrsweep's own SIMD
// kernels, wasm-mlp/cohort.ts, a single trial being a cohort of one) or tfjs (mlp-tfjs.ts for a
// single trial, mlp-cohort.ts for a cohort). A worker loads the tfjs engine's code, and tfjs,
// only for a trial that asks for it.
// The trial's seed sets the initial weights (glorot uniform, seed + layer) and the data order
// (one shuffle per epoch); the data set and its split come from dataset_seed (dataset.seed for
// the user's files), the same for every trial. Metrics are in the target's own units.

import { defineTrainer, type Metrics } from './contract.js';
import { describeData } from './data/describe.js';
import { outputsOf, type Dataset } from './data/dataset.js';
import { datasetFor } from './mlp-dataset.js';
import { membersWithin, type MlpShape } from './mlp-memory.js';
import { mlpFiles, mlpMetrics, mlpSteps, mlpStepsPerEpoch, readMlpOptions, storedMlpOptions, taskOf, type MlpOptions } from './mlp-options.js';
import type { EpochMetrics } from './cohort-task.js';
import { trainWasmCohort } from './wasm-mlp/cohort.js';
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
  async train(ctx) {
    const data = datasetFor(ctx.options, ctx.signal);
    if (ctx.options.engine === 'wasm') {
      // A single trial is a cohort of one on the wasm engine; onStep's loss is in the target's units.
      trainWasmCohort(ctx.options, data, ctx.seed, [ctx.curve], {
        signal: ctx.signal,
        onEpoch: (_member, { epoch, ...values }) => ctx.report({ epoch }, withoutNulls(values)),
        ...(ctx.perStep ? { onStep: (_member: number, step: number, loss: number) => ctx.report({ step }, { train_loss: loss, lr: ctx.curve[step] }) } : {}),
      });
      return;
    }
    const { trainOne } = await import('./mlp-tfjs.js');
    trainOne(ctx.tf, ctx.options, data, ctx.seed, ctx.curve, { report: ctx.report, signal: ctx.signal, perStep: ctx.perStep });
  },
  // Lockstep: K copies of the network as one batched computation (mlp-cohort.ts). A member's
  // numbers do not depend on its mates, bit for bit, and equal a trial trained alone by train()
  // within float32 rounding (relative 2e-5; see test/train/mlp-cohort.test.ts).
  // A cohort too big for the memory limit (mlp-memory.ts) trains as several smaller ones, one
  // after another: a member's numbers do not depend on its mates, so nothing else changes.
  async trainCohort(ctx) {
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
      if (ctx.options.engine === 'wasm') trainWasmCohort(ctx.options, data, ctx.seed, curves, options);
      else (await import('./mlp-cohort.js')).trainCohort(ctx.tf, ctx.options, data, ctx.seed, curves, options);
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
