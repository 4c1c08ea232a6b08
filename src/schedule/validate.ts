// Rules for schedule parameters and curve requests. Every problem is reported, each naming the
// parameter by the reference's name, the rule, and the value.

import { ParamError, type Problem, show } from '../errors.js';
import { zeroLengthCycle } from './cycles.js';
import {
  PEAK_FLOORS, REFERENCE_NAMES, SCHEDULES, toFamily, withDefaults,
  type Schedule, type ScheduleInput,
} from './params.js';

/** Largest step count or position: every step must be an exact float64 integer. */
export const MAX_STEP = 2 ** 52;

export type Dtype = 'f64' | 'f32';
export const DTYPES: readonly Dtype[] = ['f64', 'f32'];

export interface CurveRequest {
  /** Number of values. */
  steps: number;
  /** Step of the first value (default 0). */
  start?: number;
  dtype?: Dtype;
}

type Rule = (value: unknown) => string | null;

const finite: Rule = (v) => (typeof v === 'number' && Number.isFinite(v) ? null : 'must be a finite number');
const positive: Rule = (v) => finite(v) ?? ((v as number) > 0 ? null : 'must be > 0');
const nonNegative: Rule = (v) => finite(v) ?? ((v as number) >= 0 ? null : 'must be >= 0');
const positiveInt: Rule = (v) =>
  typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_STEP ? null : `must be an integer from 1 to 2^52`;
const nonNegativeInt: Rule = (v) =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_STEP ? null : `must be an integer from 0 to 2^52`;
const bool: Rule = (v) => (typeof v === 'boolean' ? null : 'must be true or false');
const oneOf = (choices: readonly string[]): Rule => (v) =>
  choices.includes(v as string) ? null : `must be one of ${choices.join(', ')}`;

function check(problems: Problem[], field: string, value: unknown, rule: Rule): boolean {
  const broken = rule(value);
  if (broken === null) return true;
  const key = REFERENCE_NAMES[field] ?? field;
  problems.push({ key, message: `${key} ${broken}, got ${key}=${show(value)}` });
  return false;
}

function problem(problems: Problem[], field: string, message: string, related: string[] = []): void {
  problems.push({ key: REFERENCE_NAMES[field] ?? field, message, ...(related.length ? { related: related.map((f) => REFERENCE_NAMES[f] ?? f) } : {}) });
}

/** Every problem with a schedule's parameters (after defaults). Empty when valid. */
export function scheduleProblems(input: ScheduleInput): Problem[] {
  const problems: Problem[] = [];
  if (!SCHEDULES.includes(input?.schedule)) {
    check(problems, 'schedule', input?.schedule, oneOf(SCHEDULES));
    return problems;
  }
  const known = new Set(['schedule', ...Object.keys(input.schedule === 'cawr' ? cawrFields : sgdrFields)]);
  for (const field of Object.keys(input)) {
    if (!known.has(field)) {
      problem(problems, field, `${field} is not a parameter of schedule ${input.schedule}; known: ${[...known].slice(1).join(', ')}`);
    }
  }
  const s = withDefaults(input) as unknown as Record<string, unknown>;
  const fields = input.schedule === 'cawr' ? cawrFields : sgdrFields;
  const ok: Record<string, boolean> = {};
  for (const [field, rule] of Object.entries(fields)) {
    if (field === 'maxCycles' && s[field] === null) ok[field] = true;
    else if (s[field] === undefined) {
      problem(problems, field, `${REFERENCE_NAMES[field]} is required for schedule ${input.schedule}`);
      ok[field] = false;
    } else ok[field] = check(problems, field, s[field], rule);
  }
  const n = (f: string) => s[f] as number;
  if (input.schedule === 'cawr') {
    if (ok.warmupSteps && ok.firstCycleSteps && n('warmupSteps') >= n('firstCycleSteps')) {
      problem(problems, 'warmupSteps',
        `warmup_steps must be smaller than first_cycle_steps, got warmup_steps=${n('warmupSteps')}, first_cycle_steps=${n('firstCycleSteps')}`,
        ['firstCycleSteps']);
    }
    if (ok.minLr && ok.maxLr && ok.allowMinAboveMax && !s.allowMinAboveMax && n('minLr') > n('maxLr')) {
      problem(problems, 'minLr',
        `min_lr must not exceed max_lr, got min_lr=${n('minLr')}, max_lr=${n('maxLr')} (set allow_min_above_max to reproduce the reference's upside-down cycles)`,
        ['maxLr']);
    }
  } else if (ok.etaMin && ok.baseLr && ok.allowMinAboveMax && !s.allowMinAboveMax && n('etaMin') > n('baseLr')) {
    problem(problems, 'etaMin',
      `eta_min must not exceed base_lr, got eta_min=${n('etaMin')}, base_lr=${n('baseLr')} (set allow_min_above_max to reproduce PyTorch's upside-down cycles)`,
      ['baseLr']);
  }
  return problems;
}

const cawrFields: Record<string, Rule> = {
  firstCycleSteps: positiveInt,
  cycleMult: positive,
  maxLr: nonNegative,
  minLr: nonNegative,
  warmupSteps: nonNegativeInt,
  gamma: positive,
  warmupFirstCycleOnly: bool,
  peakFloor: oneOf(PEAK_FLOORS),
  maxCycles: nonNegativeInt,
  allowMinAboveMax: bool,
};

const sgdrFields: Record<string, Rule> = {
  t0: positiveInt,
  tMult: (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 2 ** 20 ? null : 'must be an integer >= 1'),
  etaMin: nonNegative,
  baseLr: nonNegative,
  allowMinAboveMax: bool,
};

/** The rule of one parameter on its own ('must be ...' or null), for sweep files that vary it. */
export function parameterRule(schedule: ScheduleInput['schedule'], field: string): Rule | undefined {
  return (schedule === 'cawr' ? cawrFields : sgdrFields)[field];
}

/** The parameters a schedule takes, by their camelCase names. */
export function parameterNames(schedule: ScheduleInput['schedule']): string[] {
  return Object.keys(schedule === 'cawr' ? cawrFields : sgdrFields);
}

/** Validates and fills in defaults; throws ParamError listing every problem. */
export function resolveSchedule(input: ScheduleInput): Schedule {
  const problems = scheduleProblems(input);
  if (problems.length > 0) throw new ParamError(problems);
  return withDefaults(input);
}

/** Checks a curve request against a valid schedule: window bounds and producibility. */
export function requestProblems(schedule: Schedule, request: CurveRequest): Problem[] {
  const problems: Problem[] = [];
  const start = request.start ?? 0;
  const okSteps = check(problems, 'steps', request.steps, nonNegativeInt);
  const okStart = check(problems, 'start', start, nonNegativeInt);
  if (request.dtype !== undefined) check(problems, 'dtype', request.dtype, oneOf(DTYPES));
  if (!okSteps || !okStart) return problems;
  if (start + request.steps > MAX_STEP) {
    problem(problems, 'steps', `start + steps must be at most 2^52, got start=${start}, steps=${request.steps}`);
    return problems;
  }
  const zero = zeroLengthCycle(toFamily(schedule), start + request.steps);
  if (zero !== null) {
    const s = schedule as { cycleMult: number };
    problem(problems, 'cycleMult',
      `cycle_mult=${s.cycleMult} shrinks cycle ${zero.cycle} to zero length at step ${zero.step} (the reference divides by zero there), ` +
      `so only steps before ${zero.step} exist, got start=${start}, steps=${request.steps}`,
      ['firstCycleSteps', 'warmupSteps']);
  }
  return problems;
}

export function validateRequest(schedule: Schedule, request: CurveRequest): void {
  const problems = requestProblems(schedule, request);
  if (problems.length > 0) throw new ParamError(problems);
}
