// Reading a sweep file: parse (YAML or JSON) -> normalize (defaults, types) -> rules, reporting
// every problem at once with its key path. Nothing touches the database before this passes.

import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../errors.js';
import { CAMEL_NAMES, INTEGER_PARAMETERS, REFERENCE_NAMES, SCHEDULES, type ScheduleName } from '../schedule/params.js';
import { parameterNames, parameterRule, requestProblems, resolveSchedule, scheduleProblems } from '../schedule/validate.js';
import { TRAINER_KINDS, trainerEntry } from '../train/registry.js';
import { METRICS, type Metric } from '../train/types.js';
import { DISTRIBUTIONS, type Distribution, type ParamSpec, type Sweep } from './definition.js';
import { Problems, SweepFileError, field, isRecord, rules, unknownKeys } from './problems.js';
import { configs, toScheduleInput } from './space.js';

const TOP_KEYS = ['name', 'schedule', 'parameters', 'method', 'trials', 'seed', 'repeats', 'objective', 'trainer', 'budget'];
/** How many configs with problems are listed before the rest is summarised. */
const MAX_CONFIG_PROBLEMS = 8;

const refName = (camel: string) => REFERENCE_NAMES[camel] ?? camel;

/** Reads and checks a sweep file; throws SweepFileError (exit 2) listing every problem. */
export function loadSweepFile(path: string): Sweep {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read sweep file ${JSON.stringify(path)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new SweepFileError(path, [`not valid ${extname(path).toLowerCase() === '.json' ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`]);
  }
  return checkSweep(raw, path);
}

export function checkSweep(raw: unknown, file = 'sweep'): Sweep {
  const problems = new Problems();
  if (!isRecord(raw)) throw new SweepFileError(file, ['the file must hold a mapping of keys (name, schedule, parameters, ...)']);
  unknownKeys(problems, raw, TOP_KEYS, '');

  const name = field(problems, raw, 'name', 'name', (v) =>
    typeof v === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(v) ? null : 'must be a name of letters, digits, dot, dash or underscore', '');
  if (raw.name === undefined) problems.add('name', 'is required', undefined, false);

  // schedule: the fixed parameters
  const rawSchedule = isRecord(raw.schedule) ? raw.schedule : {};
  if (raw.schedule !== undefined && !isRecord(raw.schedule)) problems.add('schedule', 'must be a mapping of fixed parameters', raw.schedule);
  const kind = field(problems, rawSchedule, 'kind', 'schedule.kind', rules.oneOf(SCHEDULES), 'cawr' as ScheduleName);
  const known = parameterNames(kind).map(refName);
  unknownKeys(problems, rawSchedule, ['kind', ...known], 'schedule');
  const schedule: Sweep['schedule'] = { kind };
  for (const key of known) {
    if (rawSchedule[key] === undefined) continue;
    const broken = parameterRule(kind, CAMEL_NAMES[key])!(rawSchedule[key]);
    if (broken) problems.add(`schedule.${key}`, broken, rawSchedule[key]);
    else schedule[key] = rawSchedule[key];
  }

  // parameters: what varies
  const method = field(problems, raw, 'method', 'method', rules.oneOf(['grid', 'random']), 'grid' as 'grid' | 'random');
  const parameters: Record<string, ParamSpec> = {};
  const rawParams = isRecord(raw.parameters) ? raw.parameters : {};
  if (raw.parameters !== undefined && !isRecord(raw.parameters)) problems.add('parameters', 'must be a mapping of parameter: {values: [...]} or {min, max, distribution}', raw.parameters);
  for (const [key, spec] of Object.entries(rawParams)) {
    const path = `parameters.${key}`;
    if (!known.includes(key)) {
      problems.add(path, `is not a parameter of schedule ${kind} (known: ${known.join(', ')})`, undefined, false);
      continue;
    }
    if (key in schedule || rawSchedule[key] !== undefined) {
      problems.add(path, `is also fixed in schedule.${key}; give it in one place`, undefined, false);
      continue;
    }
    const parsed = paramSpec(problems, spec, path, key, kind, method);
    if (parsed) parameters[key] = parsed;
  }

  const trials = method === 'random'
    ? field(problems, raw, 'trials', 'trials', rules.positiveInt, null as number | null)
    : null;
  if (method === 'random' && raw.trials === undefined) problems.add('trials', 'is required with method random (how many configs to sample)', undefined, false);
  if (method === 'grid' && raw.trials !== undefined) problems.add('trials', 'applies to method random only; a grid runs every combination', undefined, false);
  const seed = field(problems, raw, 'seed', 'seed', rules.nonNegativeInt, 0);
  const repeats = field(problems, raw, 'repeats', 'repeats', rules.positiveInt, 1);

  // trainer
  const rawTrainer = isRecord(raw.trainer) ? raw.trainer : {};
  if (raw.trainer !== undefined && !isRecord(raw.trainer)) problems.add('trainer', 'must be a mapping with a kind', raw.trainer);
  const trainerKind = field(problems, rawTrainer, 'kind', 'trainer.kind', rules.oneOf(TRAINER_KINDS), 'mlp');
  const spec = trainerEntry(trainerKind).spec;
  const trainer = spec.parse(rawTrainer, 'trainer', problems) as Sweep['trainer'];

  // objective
  const rawObjective = isRecord(raw.objective) ? raw.objective : {};
  if (raw.objective !== undefined && !isRecord(raw.objective)) problems.add('objective', 'must be a mapping {metric, goal}', raw.objective);
  unknownKeys(problems, rawObjective, ['metric', 'goal', 'summary'], 'objective');
  const metric = field(problems, rawObjective, 'metric', 'objective.metric', (v) =>
    spec.metrics.includes(v as Metric) ? null : `must be one of ${spec.metrics.join(', ')} (the metrics of trainer ${trainerKind})`, 'val_loss' as Metric);
  const goal = field(problems, rawObjective, 'goal', 'objective.goal', rules.oneOf(['minimize', 'maximize']),
    (metric === 'val_accuracy' ? 'maximize' : 'minimize') as 'minimize' | 'maximize');
  const summary = field(problems, rawObjective, 'summary', 'objective.summary', rules.oneOf(['last', 'best']), 'last' as 'last' | 'best');

  // budget
  const rawBudget = isRecord(raw.budget) ? raw.budget : {};
  if (raw.budget !== undefined && !isRecord(raw.budget)) problems.add('budget', 'must be a mapping {max_trials, workers, trial_timeout}', raw.budget);
  unknownKeys(problems, rawBudget, ['max_trials', 'workers', 'trial_timeout'], 'budget');
  const budget = {
    max_trials: field(problems, rawBudget, 'max_trials', 'budget.max_trials', rules.positiveInt, null as number | null),
    workers: field(problems, rawBudget, 'workers', 'budget.workers', rules.positiveInt, null as number | null),
    trial_timeout: field(problems, rawBudget, 'trial_timeout', 'budget.trial_timeout', rules.positive, null as number | null),
  };

  if (!problems.empty) throw new SweepFileError(file, problems.list);
  const sweep: Sweep = { name, schedule, parameters, method, trials, seed, repeats, objective: { metric, goal, summary }, trainer, budget };
  checkConfigs(sweep, spec.steps(trainer), problems);
  if (!problems.empty) throw new SweepFileError(file, problems.list);
  return sweep;
}

function paramSpec(problems: Problems, spec: unknown, path: string, key: string, kind: ScheduleName, method: string): ParamSpec | null {
  const rule = parameterRule(kind, CAMEL_NAMES[key])!;
  if (!isRecord(spec)) {
    problems.add(path, 'must be {values: [...]} or {min, max, distribution}', spec);
    return null;
  }
  const before = problems.list.length;
  if (spec.values !== undefined) {
    unknownKeys(problems, spec, ['values'], path);
    if (!Array.isArray(spec.values) || spec.values.length === 0) {
      problems.add(`${path}.values`, 'must be a non-empty list', spec.values);
      return null;
    }
    spec.values.forEach((v, i) => {
      const broken = rule(v);
      if (broken) problems.add(`${path}.values[${i}]`, broken, v);
    });
    return problems.list.length === before ? { values: spec.values as (number | boolean | string)[] } : null;
  }
  unknownKeys(problems, spec, ['min', 'max', 'distribution'], path);
  if (spec.min === undefined || spec.max === undefined) {
    problems.add(path, 'needs values: [...], or min and max with a distribution', undefined, false);
    return null;
  }
  if (method === 'grid') {
    problems.add(path, 'a min/max range needs method: random; a grid needs values: [...]', undefined, false);
    return null;
  }
  for (const end of ['min', 'max'] as const) {
    const broken = rule(spec[end]);
    if (broken) problems.add(`${path}.${end}`, broken, spec[end]);
  }
  const distribution = field(problems, spec, 'distribution', `${path}.distribution`, rules.oneOf(DISTRIBUTIONS),
    (INTEGER_PARAMETERS.has(key) ? 'int_uniform' : 'uniform') as Distribution);
  if (problems.list.length !== before) return null;
  const min = spec.min as number;
  const max = spec.max as number;
  if (!(min < max)) problems.add(path, `min must be < max, got min=${min}, max=${max}`, undefined, false);
  if (distribution === 'log_uniform' && min <= 0) problems.add(`${path}.min`, 'must be > 0 for distribution log_uniform', min);
  if (INTEGER_PARAMETERS.has(key) && distribution !== 'int_uniform') {
    problems.add(`${path}.distribution`, `must be int_uniform for the integer parameter ${key}`, distribution);
  }
  if (distribution === 'int_uniform' && !(Number.isInteger(min) && Number.isInteger(max))) {
    problems.add(path, `int_uniform needs integer min and max, got min=${min}, max=${max}`, undefined, false);
  }
  return problems.list.length === before ? { min, max, distribution } : null;
}

/**
 * Rules that only whole configs can break (warmup_steps < first_cycle_steps when one of them
 * varies; a cycle_mult < 1 that reaches a zero-length cycle within the trainer's steps). Each
 * problem points at the value that causes it: parameters.KEY.values[i], or schedule.KEY.
 */
function checkConfigs(sweep: Sweep, steps: number, problems: Problems): void {
  const seen = new Set<string>();
  let extra = 0;
  for (const { config, origin } of configs(sweep)) {
    const input = toScheduleInput(config);
    const found = scheduleProblems(input);
    if (found.length === 0) found.push(...requestProblems(resolveSchedule(input), { steps }));
    for (const p of found) {
      // Point at a varied parameter the rule involves, if any; else at the fixed one.
      const key = [p.key, ...(p.related ?? [])].find((k) => k in origin);
      const where = key === undefined ? `schedule.${p.key}`
        : origin[key] >= 0 ? `parameters.${key}.values[${origin[key]}]` : `parameters.${key}`;
      const line = `${where}: ${p.message}`;
      if (seen.has(line)) continue;
      seen.add(line);
      if (seen.size <= MAX_CONFIG_PROBLEMS) problems.add(where, p.message, undefined, false);
      else extra++;
    }
  }
  if (extra > 0) problems.add('parameters', `and ${extra} more configs with problems like these`, undefined, false);
}
