// Whether a sweep's trainer can place its points at steps, which a pruner needs (its readings are
// steps). Placeholder with the same rule as branch pruned-state's sweep/points-steps.ts
// canPlacePoints, which replaces it once merged: built-in trainers and modules that say their
// steps per epoch can, and a command always may (its lines can carry `step`).

import type { SweepTrainer } from '../trainer.js';

/** Whether the trainer's points can be placed at steps. */
export function placesSteps(trainer: Pick<SweepTrainer, 'section' | 'stepsPerEpoch'>): boolean {
  return trainer.section.kind === 'command' || trainer.stepsPerEpoch !== null;
}

export const UNPLACED = "needs a trainer whose points carry their training step: a module trainer's definition must say its stepsPerEpoch";
