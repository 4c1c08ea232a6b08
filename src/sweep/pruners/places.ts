// Whether a sweep's trainer can place its points at steps, which a pruner needs (its readings are
// steps). Placeholder until the trainer side (branch pruned-state) exports its own check: a
// trainer that says its steps per epoch (built-in trainers, a command's steps_per_epoch, a
// module's stepsPerEpoch).

import type { SweepTrainer } from '../trainer.js';

/** Whether the trainer's points can be placed at steps. */
export function placesSteps(trainer: Pick<SweepTrainer, 'stepsPerEpoch'>): boolean {
  return trainer.stepsPerEpoch !== null;
}

export const UNPLACED = "needs a trainer whose points carry their training step: give a command trainer steps_per_epoch, or a module trainer's definition stepsPerEpoch";

