// The seam between a pruner (pruners/) and the run loop (dispatch.ts): the dispatcher asks a
// PruneCheck on each live point of a trial that reports the objective metric at a known step.
//
// Rules the dispatcher keeps, so a check can be a pure function of what it is given:
// - `points` are the trial's objective points of this attempt so far, in step order, one per step
//   (a program that prints a step's metrics on several lines gives one point, with its last value),
//   finite values only (a NaN or infinite one makes the trial diverged, and it is not asked again).
//   `step` is the index of the last optimizer step taken before the value was measured (0-based: an
//   epoch e of S steps is at step e x S - 1; points-steps.ts).
// - A non-null answer is the reason to stop the trial as pruned: it is recorded `pruned` with the
//   reason as its note and its objective metric's last reported value as its objective; its later
//   points are dropped; its training is stopped (a command as on timeout: SIGTERM, then SIGKILL
//   after kill_grace; a module's signal aborts with the reason; a cohort member on its own).
// - The trial is asked again only once the answer for its previous point has come back: while an
//   asynchronous answer is pending, its later points wait (they are recorded only if it goes on).
// - A check that throws or rejects ends the run with that error (a pruner's bug is not a trial's
//   failure).

import type { Storage, TrialRecord } from '../storage/types.js';
import type { Sweep } from './definition.js';
import type { TrialSteps } from './progress.js';
import type { LoadedSweep } from './file.js';

/** One point of a trial's judged metric (the objective's unless PruneCheck.metric says), placed at its training step. */
export interface PlacedPoint {
  step: number;
  value: number;
}

/**
 * Asked on each live point of a trial: a reason to stop it as pruned, or null to let it go on.
 * `metric`: the metric whose points it is asked on and handed (a pruner that judges its own, the
 * law's training loss); absent: the objective's. Everything the rules above say of the objective's
 * points then holds of that metric's (the pruned trial still records the objective's last value).
 */
export type PruneCheck = ((trial: TrialRecord, points: readonly PlacedPoint[]) => Promise<string | null> | string | null) & { metric?: string };

/** What a run (or a worker's session) knows of a sweep when it builds its prune check. */
export interface PruneContext {
  storage: Storage;
  sweepId: number;
  /** The definition the run uses. */
  sweep: Sweep;
  /** A trial's steps, and an epoch's when the trainer says. */
  steps: TrialSteps;
  /**
   * Writes what this run has settled and not yet committed (the dispatcher batches its writes), so
   * a history read right after has every trial that ended here: a check calls it before it reads.
   */
  commit?: () => Promise<void>;
  /** The run's stop (Ctrl-C): a check waiting on a pruner's work (law's fit) ends it and lets the trial go on, to be interrupted. */
  signal?: AbortSignal;
  /** Where a pruner's notice goes (a run's stderr). */
  onNotice?: (line: string) => void;
}

/**
 * Builds a sweep's prune check when a run (run.ts) or a worker's session (serve/session.ts) opens
 * it; null for none. RunOptions.prune and ServeOptions.prune take one.
 */
export type PruneCheckFactory = ((c: PruneContext) => PruneCheck | null) & {
  /**
   * Checks the factory's own pruner (a `--pruner` flag's) against a loaded sweep file's trainer as
   * the file's `pruner` key is checked: throws a UsageError naming the flag. Called before anything
   * is written (run) or before a worker serves the sweep.
   */
  validate?: (loaded: LoadedSweep) => void;
};
