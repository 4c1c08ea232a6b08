// cawr: CosineAnnealingWarmupRestarts (katsura-jp/pytorch-cosine-annealing-with-warmup), the
// engine's whole family: warmup, peak decay (gamma), real-valued cycle_mult, max_cycles, and the
// opt-in fixes beyond the reference.

import { rules } from '../../core/rules.js';
import type { PeakFloor } from '../../wasm/family.js';
import { pyFloat } from './python.js';
import { countRule, defaultsOf, lengthRule, type KindInput, type KindParams, type ParameterDeclaration, type ScheduleKind } from './kind.js';

export const PEAK_FLOORS = ['none', 'clamp', 'amplitude'] as const satisfies readonly PeakFloor[];

export const CAWR_PARAMETERS = [
  { ref: 'first_cycle_steps', name: 'firstCycleSteps', flag: 'first-cycle-steps', type: 'integer', rule: lengthRule, column: true,
    help: 'Length of the first cycle, in steps' },
  { ref: 'cycle_mult', name: 'cycleMult', flag: 'cycle-mult', type: 'number', default: 1, rule: rules.positive, column: true,
    help: 'Cycle length multiplier; lengths are int((L - w) * m) + w' },
  { ref: 'max_lr', name: 'maxLr', flag: 'max-lr', type: 'number', default: 0.1, rule: rules.nonNegative, column: true,
    help: 'Peak LR of the first cycle' },
  { ref: 'min_lr', name: 'minLr', flag: 'min-lr', type: 'number', default: 0.001, rule: rules.nonNegative, column: true,
    help: 'Floor LR' },
  { ref: 'warmup_steps', name: 'warmupSteps', flag: 'warmup-steps', type: 'integer', default: 0, rule: countRule, column: true,
    help: 'Linear warmup steps at the start of each cycle (smaller than first_cycle_steps)' },
  { ref: 'gamma', name: 'gamma', flag: 'gamma', type: 'number', default: 1, rule: rules.positive, column: true,
    help: 'Peak decay per cycle: peak = max_lr * gamma^cycle' },
  { ref: 'warmup_first_cycle_only', name: 'warmupFirstCycleOnly', flag: 'warmup-first-cycle-only', type: 'boolean', default: false,
    rule: rules.bool, optIn: true, help: 'Warm up in the first cycle only; later cycles start at their peak' },
  { ref: 'peak_floor', name: 'peakFloor', flag: 'peak-floor', type: 'choice', choices: PEAK_FLOORS, default: 'none',
    rule: rules.oneOf(PEAK_FLOORS), optIn: true, help: 'Keep peaks above min_lr: clamp, or amplitude (Keras-style) decay' },
  { ref: 'max_cycles', name: 'maxCycles', flag: 'max-cycles', type: 'integer', default: null, rule: countRule, optIn: true, column: true,
    help: 'After this many cycles the LR stays at min_lr' },
  { ref: 'allow_min_above_max', name: 'allowMinAboveMax', flag: 'allow-min-above-max', type: 'boolean', default: false,
    rule: rules.bool, optIn: true, help: "Accept min_lr > max_lr, as the reference does (every cycle upside down)" },
] as const satisfies readonly ParameterDeclaration[];

export type CawrInput = KindInput<'cawr', typeof CAWR_PARAMETERS>;
export type Cawr = KindParams<'cawr', typeof CAWR_PARAMETERS>;
export const CAWR_DEFAULTS = defaultsOf(CAWR_PARAMETERS) as Omit<Cawr, 'schedule' | 'firstCycleSteps'>;

/** What `fit` does not search (it only shapes the LR values), and what it searches. */
export type CawrFixed = Omit<CawrInput, 'schedule' | 'firstCycleSteps' | 'cycleMult' | 'warmupSteps' | 'maxCycles'>;
export interface CawrFitSearch {
  schedule: 'cawr';
  cycleMults: readonly number[];
  warmups: readonly number[];
  fixed?: CawrFixed;
}
export type CawrShape = Pick<CawrInput, 'schedule' | 'cycleMult' | 'warmupSteps' | 'warmupFirstCycleOnly'>;

export const cawr = {
  name: 'cawr',
  title: 'CosineAnnealingWarmupRestarts',
  parameters: CAWR_PARAMETERS,
  keys: { peak: 'maxLr', floor: 'minLr', length: 'firstCycleSteps', maxCycles: 'maxCycles' },
  crossProblems(s, ok) {
    const out = [];
    if (ok('warmupSteps') && ok('firstCycleSteps') && s.warmupSteps >= s.firstCycleSteps) {
      out.push({
        key: 'warmupSteps', related: ['firstCycleSteps'],
        message: `warmup_steps must be smaller than first_cycle_steps, got warmup_steps=${s.warmupSteps}, first_cycle_steps=${s.firstCycleSteps}`,
      });
    }
    if (ok('minLr') && ok('maxLr') && ok('allowMinAboveMax') && !s.allowMinAboveMax && s.minLr > s.maxLr) {
      out.push({
        key: 'minLr', related: ['maxLr'],
        message: `min_lr must not exceed max_lr, got min_lr=${s.minLr}, max_lr=${s.maxLr} (set allow_min_above_max to reproduce the reference's upside-down cycles)`,
      });
    }
    return out;
  },
  toFamily: (s) => ({
    firstCycleSteps: s.firstCycleSteps, cycleMult: s.cycleMult, maxLr: s.maxLr, minLr: s.minLr,
    warmupSteps: s.warmupSteps, gamma: s.gamma, warmupFirstCycleOnly: s.warmupFirstCycleOnly,
    peakFloor: s.peakFloor, maxCycles: s.maxCycles, minAtStepZero: true,
  }),
  nativeCall: (s) => {
    const fixes = [s.warmupFirstCycleOnly && 'warmup_first_cycle_only', s.peakFloor !== 'none' && `peak_floor=${s.peakFloor}`, s.maxCycles !== null && `max_cycles=${s.maxCycles}`]
      .filter(Boolean);
    return `CosineAnnealingWarmupRestarts(optimizer, first_cycle_steps=${s.firstCycleSteps}, cycle_mult=${pyFloat(s.cycleMult)}, ` +
      `max_lr=${pyFloat(s.maxLr)}, min_lr=${pyFloat(s.minLr)}, warmup_steps=${s.warmupSteps}, gamma=${pyFloat(s.gamma)}); scheduler.step() after each optimizer step` +
      (fixes.length ? ` (${fixes.join(', ')}: lrsweep's opt-in, the reference has no such option)` : '');
  },
  lints: ['ends-mid-cycle', 'cycle-mult-no-op', 'peak-below-min', 'warmup-dominates', 'shrinking-cycles'],
  fit: {
    multiplier: { key: 'cycleMult', list: 'cycleMults', help: 'cycle_mult values, e.g. 1,1.5,2' },
    warmup: { key: 'warmupSteps', list: 'warmups', help: 'warmup_steps values or ranges, e.g. 0,100' },
    shape: ['cycleMult', 'warmupSteps', 'warmupFirstCycleOnly'],
  },
} as const satisfies ScheduleKind<Cawr>;
