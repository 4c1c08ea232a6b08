// What the engine computes: both schedules as one cosine-with-warmup family (schedule/family.ts
// maps each schedule onto it). SGDR is CAWR with no warmup, gamma 1, integer cycle_mult, and no
// min_lr overwrite at step 0.

export type PeakFloor = 'none' | 'clamp' | 'amplitude';

export interface Family {
  firstCycleSteps: number;
  cycleMult: number;
  maxLr: number;
  minLr: number;
  warmupSteps: number;
  gamma: number;
  warmupFirstCycleOnly: boolean;
  peakFloor: PeakFloor;
  maxCycles: number | null;
  minAtStepZero: boolean;
}
