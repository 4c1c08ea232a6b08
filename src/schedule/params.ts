// Schedule parameters: what the user writes (camelCase, optional fields), the defaults (in one
// place), and the resolved form every engine uses. Validation lives in validate.ts.

export type PeakFloor = 'none' | 'clamp' | 'amplitude';
export const PEAK_FLOORS: readonly PeakFloor[] = ['none', 'clamp', 'amplitude'];

/** CosineAnnealingWarmupRestarts (katsura-jp/pytorch-cosine-annealing-with-warmup). */
export interface CawrInput {
  schedule: 'cawr';
  firstCycleSteps: number;
  cycleMult?: number;
  maxLr?: number;
  minLr?: number;
  warmupSteps?: number;
  gamma?: number;
  // Opt-in fixes; all off by default, so the default is the reference bit for bit.
  /** Warm up only in the first cycle; later cycles start at their peak. */
  warmupFirstCycleOnly?: boolean;
  /** 'clamp': peak = max(max_lr * gamma^c, min_lr). 'amplitude': peak = min_lr + (max_lr - min_lr) * gamma^c. */
  peakFloor?: PeakFloor;
  /** After this many cycles the LR stays at min_lr. */
  maxCycles?: number | null;
  /** The reference accepts min_lr > max_lr (every cycle upside down); lrsweep refuses it unless asked. */
  allowMinAboveMax?: boolean;
}

/** PyTorch's CosineAnnealingWarmRestarts (SGDR). */
export interface SgdrInput {
  schedule: 'sgdr';
  t0: number;
  tMult?: number;
  etaMin?: number;
  /** The optimizer's lr when the scheduler is built (the curve's peak). */
  baseLr: number;
  allowMinAboveMax?: boolean;
}

export type ScheduleInput = CawrInput | SgdrInput;
export type ScheduleName = ScheduleInput['schedule'];
export const SCHEDULES: readonly ScheduleName[] = ['cawr', 'sgdr'];

export type Cawr = Required<Omit<CawrInput, 'maxCycles'>> & { maxCycles: number | null };
export type Sgdr = Required<SgdrInput>;
export type Schedule = Cawr | Sgdr;

export const CAWR_DEFAULTS = {
  cycleMult: 1,
  maxLr: 0.1,
  minLr: 0.001,
  warmupSteps: 0,
  gamma: 1,
  warmupFirstCycleOnly: false,
  peakFloor: 'none' as PeakFloor,
  maxCycles: null,
  allowMinAboveMax: false,
} as const;

export const SGDR_DEFAULTS = {
  tMult: 1,
  etaMin: 0,
  allowMinAboveMax: false,
} as const;

/** Fills in defaults. Does not validate: see validateSchedule. */
export function withDefaults(input: ScheduleInput): Schedule {
  const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  if (input.schedule === 'sgdr') return { ...SGDR_DEFAULTS, ...given } as Sgdr;
  return { ...CAWR_DEFAULTS, ...given } as Cawr;
}

/** The reference's name of each parameter, used in messages and sweep files. */
export const REFERENCE_NAMES: Record<string, string> = {
  firstCycleSteps: 'first_cycle_steps',
  cycleMult: 'cycle_mult',
  maxLr: 'max_lr',
  minLr: 'min_lr',
  warmupSteps: 'warmup_steps',
  gamma: 'gamma',
  warmupFirstCycleOnly: 'warmup_first_cycle_only',
  peakFloor: 'peak_floor',
  maxCycles: 'max_cycles',
  allowMinAboveMax: 'allow_min_above_max',
  t0: 't_0',
  tMult: 't_mult',
  etaMin: 'eta_min',
  baseLr: 'base_lr',
};

/** The library's camelCase name of each reference name (first_cycle_steps -> firstCycleSteps). */
export const CAMEL_NAMES: Record<string, string> = Object.fromEntries(Object.entries(REFERENCE_NAMES).map(([camel, ref]) => [ref, camel]));

/** Parameters that take integers (reference names): sampled with int_uniform, exported as IntDistribution. */
export const INTEGER_PARAMETERS: ReadonlySet<string> = new Set(['first_cycle_steps', 'warmup_steps', 'max_cycles', 't_0', 't_mult']);

/**
 * Both schedules as one cosine-with-warmup family: SGDR is CAWR with no warmup, gamma 1,
 * integer cycle_mult, and no min_lr overwrite at step 0. The engines compute this form.
 */
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

export function toFamily(s: Schedule): Family {
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
