// The trainer contract. A trainer is two halves: a spec (parse and size a config; cheap, runs in
// the main thread while validating a sweep file) and an implementation (trains; runs in a pool
// worker, may load tfjs). The registry (registry.ts) ties a `kind` to both.
//
// A training job is one model on one data set with one seed, driven by one or more LR curves.
// Today every job carries one curve; the list is there so a later trainer can run several
// schedules of the same model in lockstep (a group of trials sharing model, data and seed)
// without changing this contract. train() must return one result per curve, in order.

import type { Problems } from '../sweep/problems.js';

export interface EpochMetrics {
  epoch: number; // 1-based
  train_loss: number;
  val_loss: number;
  /** null for trainers without classes (the quadratic). */
  val_accuracy: number | null;
  /** The LR used by the epoch's last step. */
  lr: number;
}

export const METRICS = ['val_loss', 'val_accuracy', 'train_loss'] as const;
export type Metric = (typeof METRICS)[number];

export interface TrainerSpec<C> {
  kind: string;
  describe: string;
  /** Reads the sweep file's `trainer` section, reporting problems under `path`; fills defaults. */
  parse(raw: Record<string, unknown>, path: string, problems: Problems): C;
  /** Training steps of one trial: the length of its LR curve. */
  steps(config: C): number;
  /** Metrics this trainer reports (val_accuracy only where there are classes). */
  metrics: readonly Metric[];
}

export interface TrainJob<C> {
  config: C;
  seed: number;
  /** One LR per training step, one curve per schedule trained on this model. */
  curves: Float64Array[];
  /** Where tfjs runs: 'wasm' (default), 'cpu', or 'tensorflow' (tfjs-node, when installed). */
  backend: Backend;
}

export type Backend = 'wasm' | 'cpu' | 'tensorflow';
export const BACKENDS: readonly Backend[] = ['wasm', 'cpu', 'tensorflow'];

export interface TrainerImpl<C> {
  train(job: TrainJob<C>): Promise<EpochMetrics[][]>;
}
