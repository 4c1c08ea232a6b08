// What crosses between the run loop and whoever trains (pool threads, command processes): plain,
// structured-clone-able objects. A unit of work is one trial, or a cohort of trials that share
// trainer, options and seed and differ only in their schedules (trained in lockstep).

import type { MetricPoint } from '../core/trial.js';
import type { KindName } from '../schedule/params.js';
import type { Backend } from '../train/backend.js';
import type { TrainerRef } from '../train/registry.js';

export type UnitMember = {
  trialId: number;
  /** The trial's number within its sweep. */
  number: number;
  /** 1 for the first time a trial runs, then 2, 3, ... */
  attempt: number;
  repeat: number;
} & ({
  /** The schedule's parameters, reference names (first_cycle_steps, ...). */
  params: { schedule: KindName } & Record<string, unknown>;
  curve?: undefined;
} | {
  /** What the given curve is, as trial.json shows it (no schedule kind: it is none). */
  params: Record<string, unknown>;
  /** A curve given as values instead of a schedule (the LR range test's exponential ramp). */
  curve: Float64Array;
});

export interface WorkUnit {
  sweep: string;
  trainer: TrainerRef;
  /** The trainer's options, as its parse() returned them. */
  options: unknown;
  members: UnitMember[];
  /** Length of every LR curve. */
  steps: number;
  seed: number;
  backend: Backend;
  /** LR range tests: trainers report every step. */
  perStep: boolean;
  /**
   * The sweep trains in cohorts: even a unit of one member goes through trainCohort, so a
   * trial's numbers never depend on how many mates it had.
   */
  lockstep?: boolean;
}

/**
 * From a unit as it trains. `member` indexes unit.members. A command's start carries its process
 * group's record (to end it if the runner dies) and where its log is.
 */
export type UnitEvent =
  | { type: 'started'; process?: Record<string, unknown>; details?: Record<string, unknown> }
  | { type: 'point'; member: number; point: MetricPoint };
