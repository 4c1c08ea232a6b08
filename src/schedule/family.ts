// Both schedules as one cosine-with-warmup family, the form the engines compute: SGDR is CAWR
// with no warmup, gamma 1, integer cycle_mult, and no min_lr overwrite at step 0.

import type { PeakFloor, ScheduleParams } from './params.js';

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

export function toFamily(s: ScheduleParams): Family {
  if (s.schedule === 'sgdr') {
    return {
      firstCycleSteps: s.t0, cycleMult: s.tMult, maxLr: s.baseLr, minLr: s.etaMin, warmupSteps: 0, gamma: 1,
      warmupFirstCycleOnly: false, peakFloor: 'none', maxCycles: null, minAtStepZero: false,
    };
  }
  return {
    firstCycleSteps: s.firstCycleSteps, cycleMult: s.cycleMult, maxLr: s.maxLr, minLr: s.minLr,
    warmupSteps: s.warmupSteps, gamma: s.gamma, warmupFirstCycleOnly: s.warmupFirstCycleOnly,
    peakFloor: s.peakFloor, maxCycles: s.maxCycles, minAtStepZero: true,
  };
}
