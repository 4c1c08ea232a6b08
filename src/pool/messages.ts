// What crosses between the run loop and pool workers: plain, structured-clone-able objects.

import type { MessagePort } from 'node:worker_threads';
import type { ScheduleInput } from '../schedule/params.js';
import type { Backend, EpochMetrics } from '../train/types.js';

export interface TrialTask {
  trialId: number;
  /** The trainer's parsed config (sweep file `trainer` section); `kind` picks the trainer. */
  trainer: { kind: string } & Record<string, unknown>;
  schedule: ScheduleInput;
  /** Length of the LR curve: the trainer's step count. */
  steps: number;
  seed: number;
  backend: Backend;
  /** When the trial has a time limit: the worker posts on it as the trial starts (the clock starts then, not while queued). */
  started?: MessagePort;
}

export interface TrialOutcome {
  trialId: number;
  epochs: EpochMetrics[];
  /** Time spent in the worker, curve included. */
  duration_ms: number;
}
