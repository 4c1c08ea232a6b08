// Each schedule as the engine's one cosine-with-warmup family (wasm/family.ts).

import type { Family } from '../wasm/family.js';
import type { ScheduleParams } from './params.js';

export type { Family };

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
