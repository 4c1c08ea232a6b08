// sgdr: PyTorch's CosineAnnealingWarmRestarts. The engine's family with no warmup, gamma 1, an
// integer multiplier (T_mult), no max_cycles, and step 0 at base_lr (no min_lr overwrite).

import { rules } from '../../core/rules.js';
import { pyFloat } from './python.js';
import { defaultsOf, lengthRule, type KindInput, type KindParams, type ParameterDeclaration, type ScheduleKind } from './kind.js';

/** T_mult is capped: at 2^20 a second cycle already passes any curve we can produce. */
export const MAX_T_MULT = 2 ** 20;

export const SGDR_PARAMETERS = [
  { ref: 't_0', name: 't0', flag: 't0', type: 'integer', rule: lengthRule, column: true, help: 'Length of the first cycle, T_0' },
  { ref: 't_mult', name: 'tMult', flag: 't-mult', type: 'integer', default: 1, rule: rules.integer(1, MAX_T_MULT), column: true,
    help: 'Cycle length multiplier, an integer' },
  { ref: 'eta_min', name: 'etaMin', flag: 'eta-min', type: 'number', default: 0, rule: rules.nonNegative, column: true, help: 'Floor LR' },
  { ref: 'base_lr', name: 'baseLr', flag: 'base-lr', type: 'number', rule: rules.nonNegative, column: true,
    help: "The optimizer's LR: the peak" },
  { ref: 'allow_min_above_max', name: 'allowMinAboveMax', flag: 'allow-min-above-max', type: 'boolean', default: false,
    rule: rules.bool, optIn: true, help: 'Accept eta_min > base_lr, as PyTorch does (every cycle upside down)' },
] as const satisfies readonly ParameterDeclaration[];

export type SgdrInput = KindInput<'sgdr', typeof SGDR_PARAMETERS>;
export type Sgdr = KindParams<'sgdr', typeof SGDR_PARAMETERS>;
export const SGDR_DEFAULTS = defaultsOf(SGDR_PARAMETERS) as Omit<Sgdr, 'schedule' | 't0' | 'baseLr'>;

/** What `fit` does not search (it only shapes the LR values), and what it searches. */
export type SgdrFixed = Omit<SgdrInput, 'schedule' | 't0' | 'tMult'>;
export interface SgdrFitSearch {
  schedule: 'sgdr';
  tMults: readonly number[];
  fixed: SgdrFixed;
}
export type SgdrShape = Pick<SgdrInput, 'schedule' | 'tMult'>;

export const sgdr = {
  name: 'sgdr',
  title: 'PyTorch CosineAnnealingWarmRestarts',
  parameters: SGDR_PARAMETERS,
  keys: { peak: 'baseLr', floor: 'etaMin', length: 't0', maxCycles: null },
  crossProblems(s, ok) {
    if (!(ok('etaMin') && ok('baseLr') && ok('allowMinAboveMax') && !s.allowMinAboveMax && s.etaMin > s.baseLr)) return [];
    return [{
      key: 'etaMin', related: ['baseLr'],
      message: `eta_min must not exceed base_lr, got eta_min=${s.etaMin}, base_lr=${s.baseLr} (set allow_min_above_max to reproduce PyTorch's upside-down cycles)`,
    }];
  },
  toFamily: (s) => ({
    firstCycleSteps: s.t0, cycleMult: s.tMult, maxLr: s.baseLr, minLr: s.etaMin, warmupSteps: 0, gamma: 1,
    warmupFirstCycleOnly: false, peakFloor: 'none', maxCycles: null, minAtStepZero: false,
  }),
  // The other lints look at warmup, gamma and a real-valued multiplier, which sgdr does not have.
  nativeCall: (s) =>
    `CosineAnnealingWarmRestarts(optimizer, T_0=${s.t0}, T_mult=${s.tMult}, eta_min=${pyFloat(s.etaMin)}) with the optimizer's lr=${pyFloat(s.baseLr)}; ` +
    'scheduler.step() after each optimizer step',
  lints: ['ends-mid-cycle'],
  fit: {
    multiplier: { key: 'tMult', list: 'tMults', help: 'T_mult values (integers), e.g. 1,2' },
    warmup: null,
    shape: ['tMult'],
  },
} as const satisfies ScheduleKind<Sgdr>;
