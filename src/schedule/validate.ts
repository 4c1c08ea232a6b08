// Rules for schedule parameters and curve requests. Every problem is reported, each naming the
// parameter by the reference's name, the rule, and the value. The per-parameter rules come from
// the parameter table, the rules between parameters from the kind (kinds/).

import { ParamError, type Problem, show } from '../core/errors.js';
import { MAX_STEP, rules, stepCount, type Rule } from '../core/rules.js';
import { findKind, KIND_NAMES } from './kinds/index.js';
import { refName, withDefaults, type ScheduleInput, type ScheduleParams } from './params.js';

export { MAX_STEP };

export type Dtype = 'f64' | 'f32';
export const DTYPES: readonly Dtype[] = ['f64', 'f32'];

export interface CurveRequest {
  /** Number of values. */
  steps: number;
  /** Step of the first value (default 0). */
  start?: number;
  dtype?: Dtype;
}

function check(problems: Problem[], field: string, value: unknown, rule: Rule): boolean {
  const broken = rule(value);
  if (broken === null) return true;
  const key = refName(field);
  problems.push({ key, message: `${key} ${broken}, got ${key}=${show(value)}` });
  return false;
}

function problem(problems: Problem[], field: string, message: string, related: string[] = []): void {
  problems.push({ key: refName(field), message, ...(related.length ? { related: related.map(refName) } : {}) });
}

/** Every problem with a schedule's parameters (after defaults). Empty when valid. */
export function scheduleProblems(input: ScheduleInput): Problem[] {
  const problems: Problem[] = [];
  const kind = findKind(input?.schedule);
  if (kind === undefined) {
    check(problems, 'schedule', input?.schedule, rules.oneOf(KIND_NAMES));
    return problems;
  }
  const table = kind.parameters;
  for (const field of Object.keys(input)) {
    if (field !== 'schedule' && !table.some((d) => d.name === field)) {
      problem(problems, field, `${show(field).slice(1, -1)} is not a parameter of schedule ${input.schedule}; known: ${table.map((d) => d.name).join(', ')}`);
    }
  }
  const s = withDefaults(input);
  const v = s as unknown as Record<string, unknown>;
  const ok: Record<string, boolean> = {};
  for (const d of table) {
    if (d.default === null && v[d.name] === null) ok[d.name] = true;
    else if (v[d.name] === undefined) {
      problem(problems, d.name, `${d.ref} is required for schedule ${input.schedule}`);
      ok[d.name] = false;
    } else ok[d.name] = check(problems, d.name, v[d.name], d.rule);
  }
  for (const p of kind.crossProblems(s, (name) => ok[name])) problem(problems, p.key, p.message, p.related);
  return problems;
}

/** Validates and fills in defaults; throws ParamError listing every problem. */
export function validateSchedule(input: ScheduleInput): ScheduleParams {
  const problems = scheduleProblems(input);
  if (problems.length > 0) throw new ParamError(problems);
  return withDefaults(input);
}

/** Problems of a window's bounds alone (steps, start, dtype), whatever the schedule. */
export function boundsProblems(request: CurveRequest): Problem[] {
  const problems: Problem[] = [];
  const start = request.start ?? 0;
  const okSteps = check(problems, 'steps', request.steps, stepCount);
  const okStart = check(problems, 'start', start, stepCount);
  if (request.dtype !== undefined) check(problems, 'dtype', request.dtype, rules.oneOf(DTYPES));
  if (okSteps && okStart && start + request.steps > MAX_STEP) {
    problem(problems, 'steps', `start + steps must be at most 2^52, got start=${start}, steps=${request.steps}`);
  }
  return problems;
}
