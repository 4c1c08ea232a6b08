// The schedule's parameters as kebab-case flags, shared by every command that takes a schedule.

import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { PEAK_FLOORS, SCHEDULES, type PeakFloor, type ScheduleInput, type ScheduleName } from '../schedule/params.js';
import { numberFlag } from './flags.js';

const CAWR_GROUP = 'cawr (CosineAnnealingWarmupRestarts):';
const SGDR_GROUP = 'sgdr (PyTorch CosineAnnealingWarmRestarts):';

// flag -> [param, schedule]; the one table that ties flags to parameters.
const FLAGS: Record<string, [string, ScheduleName]> = {
  'first-cycle-steps': ['firstCycleSteps', 'cawr'],
  'cycle-mult': ['cycleMult', 'cawr'],
  'max-lr': ['maxLr', 'cawr'],
  'min-lr': ['minLr', 'cawr'],
  'warmup-steps': ['warmupSteps', 'cawr'],
  gamma: ['gamma', 'cawr'],
  'warmup-first-cycle-only': ['warmupFirstCycleOnly', 'cawr'],
  'peak-floor': ['peakFloor', 'cawr'],
  'max-cycles': ['maxCycles', 'cawr'],
  t0: ['t0', 'sgdr'],
  't-mult': ['tMult', 'sgdr'],
  'eta-min': ['etaMin', 'sgdr'],
  'base-lr': ['baseLr', 'sgdr'],
};

const num = (flag: string, describe: string, group: string) =>
  ({ nargs: 1, coerce: numberFlag(flag), describe, group }) as const;

export function withScheduleFlags<T>(y: Argv<T>) {
  return y
    .option('schedule', { choices: SCHEDULES, default: 'cawr' as ScheduleName, describe: 'Which schedule', group: 'Schedule:' })
    .option('first-cycle-steps', num('first-cycle-steps', 'Length of the first cycle, in steps (required)', CAWR_GROUP))
    .option('cycle-mult', num('cycle-mult', 'Cycle length multiplier; lengths are int((L - w) * m) + w  [default: 1]', CAWR_GROUP))
    .option('max-lr', num('max-lr', 'Peak LR of the first cycle  [default: 0.1]', CAWR_GROUP))
    .option('min-lr', num('min-lr', 'Floor LR  [default: 0.001]', CAWR_GROUP))
    .option('warmup-steps', num('warmup-steps', 'Linear warmup steps at the start of each cycle  [default: 0]', CAWR_GROUP))
    .option('gamma', num('gamma', 'Peak decay per cycle: peak = max_lr * gamma^cycle  [default: 1]', CAWR_GROUP))
    .option('warmup-first-cycle-only', { type: 'boolean', describe: 'Opt-in: warm up in the first cycle only', group: CAWR_GROUP })
    .option('peak-floor', { choices: PEAK_FLOORS, describe: 'Opt-in: keep peaks above min_lr (clamp, or amplitude decay)', group: CAWR_GROUP })
    .option('max-cycles', num('max-cycles', 'Opt-in: after this many cycles stay at min_lr', CAWR_GROUP))
    .option('t0', num('t0', 'Length of the first cycle, T_0 (required)', SGDR_GROUP))
    .option('t-mult', num('t-mult', 'Cycle length multiplier, an integer >= 1  [default: 1]', SGDR_GROUP))
    .option('eta-min', num('eta-min', 'Floor LR  [default: 0]', SGDR_GROUP))
    .option('base-lr', num('base-lr', "The optimizer's LR, the peak (required)", SGDR_GROUP))
    .option('allow-min-above-max', { type: 'boolean', describe: "Accept a floor above the peak, as the references do", group: 'Schedule:' });
}

/** Builds the schedule's parameters from parsed flags; a flag of the other schedule is an error. */
export function scheduleFromFlags(argv: Record<string, unknown>): ScheduleInput {
  const schedule = argv.schedule as ScheduleName;
  const params: Record<string, unknown> = { schedule };
  for (const [flag, [param, owner]] of Object.entries(FLAGS)) {
    const value = argv[flag];
    if (value === undefined) continue;
    if (owner !== schedule) throw new UsageError(`--${flag} is a parameter of --schedule ${owner}, not of --schedule ${schedule}`);
    params[param] = value;
  }
  if (argv['allow-min-above-max'] !== undefined) params.allowMinAboveMax = argv['allow-min-above-max'];
  if (schedule === 'cawr' && params.firstCycleSteps === undefined) throw new UsageError('--first-cycle-steps is required for --schedule cawr');
  if (schedule === 'sgdr' && params.t0 === undefined) throw new UsageError('--t0 is required for --schedule sgdr');
  if (schedule === 'sgdr' && params.baseLr === undefined) throw new UsageError('--base-lr is required for --schedule sgdr');
  return params as unknown as ScheduleInput & { peakFloor?: PeakFloor };
}
