// The trainer contract: public API (exported from 'lrsweep'). A trainer module default-exports
// defineTrainer({...}); the built-in `mlp` and `quadratic` trainers are written against the same
// contract. This file depends on nothing inside lrsweep's engine, on purpose.
//
// Rules implementers keep:
// - `steps(options)` is the length of the LR curve: the number of optimizer steps of one trial.
//   It must not depend on the seed or the schedule. `ctx.curve[i]` is the LR of step i: set it
//   before step i's update (tfjs SGD ignores `optimizer.learningRate = x`: call setLearningRate,
//   or use fitWithCurve, which does it for every tfjs optimizer).
// - `parse(options, { baseDir })` checks and normalizes options (fill defaults here: the normalized
//   options are stored with the sweep). It runs before anything else, in the main process; throw an
//   Error (or an OptionsError listing every problem with its path) for bad options: the sweep file
//   is refused with exit code 2 and the problems shown at `trainer.options`. Paths in options are
//   relative to the sweep file's directory, `baseDir`; parse may read the files they name (to
//   refuse bad data before any trial runs).
// - Options that name files: the stored options are the sweep's identity, so they should keep
//   paths as the user wrote them (moving a project must not make its sweeps "changed"), while
//   workers need absolute ones. Have parse return what training needs (absolute paths too) and
//   `stored(options)` the form to store; list in `files(options)` the files whose content the
//   results depend on, so a sweep notices when they change.
// - `report(point, metrics)` streams metrics: once per epoch ({ epoch: 1, 2, ... }), or per step
//   ({ step: 0, 1, ... }) for trainers that report per step. Metric names are free; declare them
//   in `metrics` with their goal where lrsweep cannot know it (names it knows: train_loss,
//   val_loss, loss, val_mae, mae, mse, val_mse, val_accuracy, accuracy, val_acc, acc). Report
//   `train_loss` where you can: a NaN or infinite train_loss marks the trial diverged.
// - `seed` is the trial's seed. Use it for everything random (initial weights, data order,
//   dropout): with common random numbers (the default), repeat r of every config gets the same
//   seed, so configs differ only in their LR curve.
// - `signal` fires on timeout and Ctrl-C: stop soon after (tfjs work between steps is fine).
// - Lockstep (optional): `trainCohort(ctx)` trains several curves of one model with one seed at
//   once (ctx.curves[k] is member k's curve); `report(member, point, metrics)`. A member whose loss
//   turns NaN or infinite is diverged: mask its updates so its mates train on unaffected.
// - Per-member stop (cohorts): `memberSignals[k]` fires when member k alone must stop (a pruner
//   stopped its trial; its reason is the abort reason), or when the whole unit does. Stop training
//   that member and spare its work; its mates go on, their numbers exactly what they would have
//   been. A trainer that ignores it loses nothing but time: lrsweep records the member pruned at
//   once and drops whatever it reports later.
// - A pruner reads each point at its step: a trainer that reports per epoch should define
//   `stepsPerEpoch` (epoch e is then placed at step e x stepsPerEpoch - 1); one that reports per
//   step is placed by its steps. A module without stepsPerEpoch cannot have a `pruner`.

import type * as tfjs from '@tensorflow/tfjs';
import type { Goal } from '../core/trial.js';

export type Tf = typeof tfjs;
export type Metrics = Record<string, number>;
/** Where a report belongs: an epoch (from 1) or a step (from 0). */
export type Point = { epoch: number } | { step: number };

interface BaseContext<O> {
  /** The trainer's options, as parse() returned them. */
  options: O;
  seed: number;
  /** TensorFlow.js on the chosen backend, ready (null when the trainer says it does not use tfjs: usesTf). */
  tf: Tf;
  /** The tfjs backend: wasm, cpu, or tensorflow (tfjs-node). */
  backend: string;
  /** Set in LR range tests: report train_loss at every step. */
  perStep: boolean;
  signal: AbortSignal;
}

export interface TrainContext<O = Record<string, unknown>> extends BaseContext<O> {
  /** One LR per step. */
  curve: Float64Array;
  report(point: Point, metrics: Metrics): void;
}

export interface CohortContext<O = Record<string, unknown>> extends BaseContext<O> {
  /** One curve per member, all of `steps(options)` values. */
  curves: Float64Array[];
  /** Member k's stop: fires when a pruner stops member k alone (its mates go on), or with `signal`. */
  memberSignals: readonly AbortSignal[];
  report(member: number, point: Point, metrics: Metrics): void;
}

/** What parse is told besides the options. */
export interface ParseContext {
  /** The sweep file's directory, absolute: relative paths in the options start here. */
  baseDir: string;
}

export interface TrainerDefinition<O = Record<string, unknown>> {
  /** The metrics it reports: a list of names, or name -> goal (null where the sweep file must say). */
  metrics: readonly string[] | Record<string, Goal | null>;
  steps(options: O): number;
  /**
   * The steps in one epoch, for a trainer that reports per epoch: progress counts a trial in
   * training as epochs reported x this (without it, a trial reporting epochs is counted only when
   * it ends), and each epoch's point is stored at its step (e x this - 1), which a `pruner` needs.
   */
  stepsPerEpoch?(options: O): number;
  /** `context` is given when lrsweep calls it (a sweep file); a caller of its own may leave it out. */
  parse?(options: unknown, context?: ParseContext): O;
  /** The options as the sweep stores them, when that differs from what parse returned (see above). Default: the options. */
  stored?(options: O): unknown;
  /** Files (absolute paths) whose content the trials' results depend on, e.g. data files. Default: none. */
  files?(options: O): string[];
  /**
   * The metrics trials with these options report, when that is fewer than `metrics` declares
   * (the MLP reports val_accuracy for classes, val_mae for a regression target), and why, for
   * messages (`task regression`). The sweep file's objective must be one of them.
   */
  metricsFor?(options: O): { names: readonly string[]; because: string };
  /** One line about what the trials train on, for --dry-run (`data: train.csv, 120 rows x 4 features, ...`). */
  describe?(options: O): string;
  train(ctx: TrainContext<O>): Promise<void> | void;
  trainCohort?(ctx: CohortContext<O>): Promise<void> | void;
  /**
   * Whether it uses tfjs (default true); false spares a worker from loading it. A function of the
   * options when that depends on them (the built-in mlp: only its tfjs engine does).
   */
  usesTf?: boolean | ((options: O) => boolean);
}

/** Whether a trainer needs tfjs for these options (its usesTf; default true). */
export function usesTfjs<O>(d: Pick<TrainerDefinition<O>, 'usesTf'>, options: O): boolean {
  return typeof d.usesTf === 'function' ? d.usesTf(options) : d.usesTf !== false;
}

/** Declares a trainer; the identity at run time, the types at compile time. */
export function defineTrainer<O>(definition: TrainerDefinition<O>): TrainerDefinition<O> {
  return definition;
}

/** Bad options: every problem, each with its path inside the options (e.g. `layers[2]`). */
export class OptionsError extends Error {
  override name = 'OptionsError';
  constructor(readonly problems: readonly { path: string; message: string }[]) {
    super(problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; '));
  }
}

/** Goals of the metric names lrsweep knows; any other name needs its goal declared. */
export const KNOWN_GOALS: Readonly<Record<string, Goal>> = {
  train_loss: 'minimize', val_loss: 'minimize', loss: 'minimize', val_mae: 'minimize', mae: 'minimize',
  mse: 'minimize', val_mse: 'minimize', val_accuracy: 'maximize', accuracy: 'maximize', val_acc: 'maximize', acc: 'maximize',
};

/** A definition's metrics as name -> declared goal (null when not declared). */
export function declaredMetrics(d: Pick<TrainerDefinition<never>, 'metrics'>): Record<string, Goal | null> {
  return Array.isArray(d.metrics) ? Object.fromEntries((d.metrics as string[]).map((m) => [m, null])) : { ...(d.metrics as Record<string, Goal | null>) };
}
