// Where a recorded point falls in training, in steps: what pruners judge by (pruners/ match
// points to rungs by step) and what replay reads back. A trainer that reports per step says it;
// one that reports per epoch is placed by its steps per epoch (the built-in trainers' and a
// module's stepsPerEpoch, a command's trainer.steps_per_epoch). The dispatcher places each point
// as it arrives (placePoint), so every stored point carries its step when it can be known.
//
// The convention, the one step-reporting trainers use: `step` is the index (from 0) of the last
// optimizer step taken before the metrics were measured. Epoch e of S steps ends at step e x S - 1
// (capped at the trial's last step, steps - 1).

import type { MetricPoint } from '../core/trial.js';
import type { SweepTrainer } from './trainer.js';

/** The point with its step filled in from its epoch when the steps per epoch are known; as it is otherwise. */
// (The steps' shape is progress.ts's TrialSteps, written out: progress.ts reads sweep files, which read this file.)
export function placePoint(point: MetricPoint, steps: { perTrial: number; perEpoch: number | null } | undefined): MetricPoint {
  if (point.step !== null || point.epoch === null || !steps || steps.perEpoch === null) return point;
  return { ...point, step: Math.min(point.epoch * steps.perEpoch, steps.perTrial) - 1 };
}

/**
 * Whether a sweep's trainer places every point it records at a step (what a `pruner` needs):
 * true, or the reason it cannot, one line naming what to add. Built-in trainers always can; a
 * module when its definition has stepsPerEpoch (a module that reports only { step } can too, but
 * that cannot be known before it runs: give stepsPerEpoch); a command always may, as its lines can
 * carry `step` (with trainer.epochs and steps_per_epoch, an epoch-only line is placed too; without
 * them such a line is recorded unplaced and never judged).
 */
export function canPlacePoints(loaded: { trainer: Pick<SweepTrainer, 'section' | 'stepsPerEpoch'> }): true | string {
  const { section, stepsPerEpoch } = loaded.trainer;
  if (section.kind === 'command' || stepsPerEpoch !== null) return true;
  if (section.kind === 'module') {
    return `the module trainer ${String(section.path)} does not say its steps per epoch: add stepsPerEpoch(options) to its defineTrainer({...}), so each epoch's point is placed at a step`;
  }
  return `the ${section.kind} trainer does not say its steps per epoch, so its points cannot be placed at steps`;
}
