// What the engine computes: every schedule kind as one cosine-with-warmup family (each kind in
// schedule/kinds/ maps itself onto it with its toFamily). SGDR is CAWR with no warmup, gamma 1,
// integer cycle_mult, and no min_lr overwrite at step 0.

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
