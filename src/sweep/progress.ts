// How far a run has got, in training steps. A cohort's trials all end at once, so a count of
// finished trials stands still for as long as a cohort trains, while its steps move every epoch.
// Total: every trial's steps (the sweep's steps per trial). Done: each finished trial (complete,
// diverged, pruned or failed: none trains more in this run) its full steps (a pruned trial's
// unspent steps count as done: they will never be trained), plus each trial in training
// the steps it reported last: a step index i is i + 1 steps, an epoch e is e x the trainer's
// steps per epoch. A trial that reports only epochs of a trainer that does not say its steps per
// epoch cannot be counted in steps: progress then counts trials (null here).

import { totalOf, type MetricPoint, type StateCounts } from '../core/trial.js';
import type { LoadedSweep } from './file.js';

/** A trial's length: its steps, and the steps in one of its epochs when the trainer says (null otherwise). */
export interface TrialSteps {
  perTrial: number;
  perEpoch: number | null;
}

/** A sweep's trial steps, as its trainer says. */
export function stepsOf(loaded: LoadedSweep): TrialSteps {
  return { perTrial: loaded.trainer.steps, perEpoch: loaded.trainer.stepsPerEpoch };
}

/** Steps a trial has taken by the point it reported last (none reported: 0); null when it reported only an epoch whose length is unknown. */
export function stepsAt(point: MetricPoint | null, steps: TrialSteps): number | null {
  if (point === null) return 0;
  if (point.step !== null) return Math.min(point.step + 1, steps.perTrial);
  if (point.epoch !== null && steps.perEpoch !== null) return Math.min(point.epoch * steps.perEpoch, steps.perTrial);
  return null;
}

export interface StepProgress {
  /** Every trial's steps. */
  total: number;
  /** Finished trials' steps and how far those in training got. */
  done: number;
  /** Of done, what this run trained: the trials it ended (full steps) and those in training. */
  doneThisRun: number;
  /** The steps of the trials this run set out to train. */
  toRunThisRun: number;
}

/**
 * The run's progress in steps, from the sweep's counts, the steps of one trial and the steps of
 * trials in training not yet in the counts (Dispatcher.stepsInFlight; null: not countable, so null).
 */
export function stepProgress(counts: StateCounts, perTrial: number, inFlight: number | null, endedThisRun: number, toRunThisRun: number): StepProgress | null {
  if (inFlight === null) return null;
  const finished = counts.complete + counts.diverged + counts.pruned + counts.failed;
  return {
    total: totalOf(counts) * perTrial,
    done: finished * perTrial + inFlight,
    doneThisRun: endedThisRun * perTrial + inFlight,
    toRunThisRun: toRunThisRun * perTrial,
  };
}

/** Seconds left at the rate so far (`done` of `toRun` in `elapsedSeconds`), or null before anything is done. */
export function etaSeconds(done: number, toRun: number, elapsedSeconds: number): number | null {
  return done > 0 ? (Math.max(0, toRun - done) * elapsedSeconds) / done : null;
}

/** How far the trials in training have got: the range of epochs and of steps they reached (null: none reported). */
export interface Reached {
  epochs: [number, number] | null;
  steps: [number, number] | null;
}

/** How far trials in training have got, for the progress line: ` (at epoch 3)`, ` (at epochs 2-3)`, ` (at step 1200)`, or nothing. */
export function reachedText(r: Reached): string {
  const range = (what: string, [lo, hi]: [number, number]) => (lo === hi ? `${what} ${lo}` : `${what}s ${lo}-${hi}`);
  const parts = [r.epochs && range('epoch', r.epochs), r.steps && range('step', r.steps)].filter((x) => x);
  return parts.length ? ` (at ${parts.join(', ')})` : '';
}

/** `N pruned, ` when a pruner stopped trials (sweeps without a pruner read as before). */
export const prunedText = (n: number) => (n > 0 ? `${n} pruned, ` : '');
