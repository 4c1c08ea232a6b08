// Reading a sweep file: parse (YAML or JSON) -> normalize (defaults, types) -> rules, reporting
// every problem at once with its key path. Nothing touches the database before this passes.

import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { UsageError, cut, show } from '../core/errors.js';
import { Problems, field, isRecord, unknownKeys } from '../core/problems.js';
import { rules } from '../core/rules.js';
import { GOALS, type Goal } from '../core/trial.js';
import { INTEGER_PARAMETERS, declaration, fromReferenceNames } from '../schedule/params.js';
import { DEFAULT_KIND, KINDS, KIND_NAMES, keyRef, kindOf } from '../schedule/kinds/index.js';
import { resolveSchedule } from '../schedule/schedule.js';
import { scheduleProblems } from '../schedule/validate.js';
import { KNOWN_GOALS } from '../train/contract.js';
import { LINT_RULES, unknownLintRules } from '../schedule/lint.js';
import { CYCLES, DISTRIBUTIONS, type Distribution, type ParamSpec, type Sweep } from './definition.js';
import { SAMPLERS, SAMPLER_NAMES, canonicalMethod, methodOf, samplerEntry, type Method, type SamplerEntry } from './samplers/index.js';
import { configs, countConfigs, countTrials, MAX_TRIALS, type PlanStats } from './space.js';
import { metricsOfKind, readTrainer, type SweepTrainer } from './trainer.js';
import { DEFAULT_COHORT_SIZE } from './definition.js';
import { yieldToEvents } from '../core/yield.js';
import { CLI } from '../core/cli-name.js';

/** The most pool threads or command slots one run starts. */
export const MAX_WORKERS = 256;
export const MAX_COHORT_SIZE = 256;
/** Seconds: Node's timers hold at most 2^31 - 1 ms. */
export const MAX_TRIAL_TIMEOUT = Math.floor((2 ** 31 - 1) / 1000);
/** LR values a cohort may hold at once (steps x members, 8 bytes each: 160 MB). */
export const MAX_COHORT_VALUES = 20_000_000;

const TOP_KEYS = ['name', 'schedule', 'parameters', 'method', 'trials', 'seed', 'repeats', 'seeding', 'objective', 'trainer', 'budget', 'constraints', 'lint'];
/** `cycles` replaces the first cycle's length (first_cycle_steps, or t_0) and sets max_cycles: each kind's keys for them. */
const LENGTH_KEYS = [...new Set([...KINDS.map((k) => keyRef(k, 'length')), ...KINDS.map((k) => keyRef(k, 'maxCycles'))])].filter((k) => k !== null);
const cyclesRule = rules.integer(1, 1_000_000);
/** How many configs with problems are listed before the rest is summarised. */
const MAX_CONFIG_PROBLEMS = 8;
/** YAML aliases may expand a small file into a huge one (an alias bomb): refuse past this many. */
const MAX_ALIAS_COUNT = 100;

/** A sweep file that breaks rules. Exit code 2; the message lists every problem, one per line. */
export class SweepFileError extends UsageError {
  override name = 'SweepFileError';
  constructor(readonly file: string, readonly problems: readonly string[]) {
    super(`${file}: ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

/** A checked sweep, with what the run needs beyond its definition. */
export interface LoadedSweep {
  sweep: Sweep;
  trainer: SweepTrainer;
  /** Top-level keys the file sets (the rest took defaults). */
  written: Set<string>;
  file: string;
}

/** Parses a sweep file's text; throws SweepFileError for bad syntax. */
export function parseSweepText(text: string, file: string): unknown {
  const json = extname(file).toLowerCase() === '.json';
  try {
    if (json) return JSON.parse(text);
    const doc = parseDocument(text, { uniqueKeys: true });
    if (doc.errors.length > 0) throw doc.errors[0];
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    throw new SweepFileError(file, [`not valid ${json ? 'JSON' : 'YAML'}: ${cut((e as Error).message.split('\n')[0], 200)}`]);
  }
}

/** Called while the configs of a big sweep are checked (each is built and validated once). */
export type CheckProgress = (checked: number, total: number) => void;

/** Sweeps with more configs than this report progress while they are checked. */
const REPORT_ABOVE = 20_000;

/** Reads and checks a sweep file; throws SweepFileError (exit 2) listing every problem. */
export async function loadSweepFile(path: string, onProgress?: CheckProgress): Promise<LoadedSweep> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a sweep file' : `cannot read it (${code ?? (e as Error).message})`;
    throw new UsageError(`sweep file ${show(path)}: ${why}`);
  }
  return checkSweep(parseSweepText(text, path), path, onProgress);
}

/** Checks a parsed sweep file; `file` names it in messages, and relative paths in it start from its directory. */
export async function checkSweep(raw: unknown, file = 'sweep', onProgress?: CheckProgress): Promise<LoadedSweep> {
  const problems = new Problems();
  if (!isRecord(raw)) throw new SweepFileError(file, ['the file must hold a mapping of keys (name, schedule, parameters, ...)']);
  unknownKeys(problems, raw, TOP_KEYS, '');

  const name = field(problems, raw, 'name', 'name', (v) =>
    typeof v === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(v) ? null : 'must be a name of at most 100 letters, digits, dots, dashes or underscores', '');
  if (raw.name === undefined) problems.add('name', 'is required', undefined, false);

  // schedule: the fixed parameters
  const rawSchedule = isRecord(raw.schedule) ? raw.schedule : {};
  if (raw.schedule !== undefined && !isRecord(raw.schedule)) problems.add('schedule', 'must be a mapping of fixed parameters', raw.schedule);
  const kind = field(problems, rawSchedule, 'kind', 'schedule.kind', rules.oneOf(KIND_NAMES), DEFAULT_KIND);
  const kindSpec = kindOf(kind);
  // `cycles` places restarts: a kind fit cannot search has none to place.
  const known = [...kindSpec.parameters.map((d) => d.ref), ...(kindSpec.fit ? [CYCLES] : [])];
  const ruleOf = (key: string) => (key === CYCLES ? cyclesRule : declaration(kind, key)!.rule);
  unknownKeys(problems, rawSchedule, ['kind', ...known], 'schedule');
  const schedule: Sweep['schedule'] = { kind };
  for (const key of known) {
    if (rawSchedule[key] === undefined) continue;
    const broken = ruleOf(key)(rawSchedule[key]);
    if (broken) problems.add(`schedule.${key}`, broken, rawSchedule[key]);
    else schedule[key] = rawSchedule[key];
  }

  // parameters: what varies
  const method = readMethod(problems, raw.method);
  const sampler = samplerEntry(method.kind);
  const parameters: Record<string, ParamSpec> = {};
  const rawParams = isRecord(raw.parameters) ? raw.parameters : {};
  if (raw.parameters !== undefined && !isRecord(raw.parameters)) problems.add('parameters', 'must be a mapping of parameter: {values: [...]} or {min, max, distribution}', raw.parameters);
  for (const [key, spec] of Object.entries(rawParams)) {
    const path = `parameters.${key}`;
    if (!known.includes(key)) {
      problems.add(`parameters.${cut(key, 40)}`, `is not a parameter of schedule ${kind} (known: ${known.join(', ')})`, undefined, false);
      continue;
    }
    if (rawSchedule[key] !== undefined) {
      problems.add(path, `is also fixed in schedule.${key}; give it in one place`, undefined, false);
      continue;
    }
    const parsed = paramSpec(problems, spec, path, key, ruleOf(key), sampler);
    if (parsed) parameters[key] = parsed;
  }
  const given = (key: string) => key in parameters || rawSchedule[key] !== undefined || (isRecord(raw.parameters) && key in raw.parameters);
  if (given(CYCLES)) {
    for (const key of LENGTH_KEYS.filter(given)) {
      problems.add(key in parameters || (isRecord(raw.parameters) && key in raw.parameters) ? `parameters.${key}` : `schedule.${key}`,
        `cannot be given with cycles, which sets ${[keyRef(kindSpec, 'length'), keyRef(kindSpec, 'maxCycles')].filter((k) => k !== null).join(' and ')} from the trainer's steps`, undefined, false);
    }
  }

  const trials = field(problems, raw, 'trials', 'trials', rules.integer(1), null as number | null);
  if (sampler.trials === 'required' && raw.trials === undefined) problems.add('trials', `is required with method ${method.kind} (how many configs to sample)`, undefined, false);
  const seed = field(problems, raw, 'seed', 'seed', rules.integer(0), 0);
  const repeats = field(problems, raw, 'repeats', 'repeats', rules.integer(1), 1);

  // seeding: common random numbers by default
  const rawSeeding = isRecord(raw.seeding) ? raw.seeding : {};
  if (raw.seeding !== undefined && !isRecord(raw.seeding)) problems.add('seeding', 'must be a mapping {mode, base}', raw.seeding);
  unknownKeys(problems, rawSeeding, ['mode', 'base'], 'seeding');
  const seeding: Sweep['seeding'] = {
    mode: field(problems, rawSeeding, 'mode', 'seeding.mode', rules.oneOf(['common', 'per_config']), 'common' as const),
    base: field(problems, rawSeeding, 'base', 'seeding.base', rules.integer(0), 0),
  };

  // trainer
  const trainer = await readTrainer(raw.trainer, dirname(resolve(file)), problems);

  // objective: the metric must be one the trainer declares; its goal from the file, the trainer, or a known name
  const rawObjective = isRecord(raw.objective) ? raw.objective : {};
  if (raw.objective !== undefined && !isRecord(raw.objective)) problems.add('objective', 'must be a mapping {metric, goal, summary}', raw.objective);
  unknownKeys(problems, rawObjective, ['metric', 'goal', 'summary'], 'objective');
  const metrics = trainer?.metrics ?? metricsOfKind(raw.trainer);
  const kindName = trainer?.section.kind ?? (isRecord(raw.trainer) ? String(raw.trainer.kind ?? 'mlp') : 'mlp');
  const metric = field(problems, rawObjective, 'metric', 'objective.metric', (v) =>
    metrics === null || (typeof v === 'string' && v in metrics) ? null : `must be one of ${Object.keys(metrics).join(', ')} (the metrics of trainer ${kindName})`,
  'val_loss');
  if (metrics && rawObjective.metric === undefined && !('val_loss' in metrics)) {
    problems.add('objective.metric', `is required: trainer ${kindName} does not report val_loss (it reports ${Object.keys(metrics).join(', ')})`, undefined, false);
  }
  // A trainer may report fewer metrics with these options than it declares (the MLP reports
  // val_accuracy for classes, val_mae for a regression target).
  const reported = trainer?.runner.kind === 'pool' ? trainer.runner.definition.metricsFor?.(trainer.runner.options) : undefined;
  if (reported && metrics && metric in metrics && !reported.names.includes(metric)) {
    problems.add('objective.metric', `must be one of ${reported.names.join(', ')} (what trainer ${kindName} reports with ${reported.because})`, metric);
  }
  const declared: Goal | null = metrics?.[metric] ?? KNOWN_GOALS[metric] ?? null;
  const goal = field(problems, rawObjective, 'goal', 'objective.goal', rules.oneOf(GOALS), declared as Goal);
  if (metrics && rawObjective.goal === undefined && declared === null && metric in metrics) {
    problems.add('objective.goal', `is required: nothing says whether ${metric} should be minimized or maximized (set goal, or declare it in the trainer's metrics)`, undefined, false);
  }
  const summary = field(problems, rawObjective, 'summary', 'objective.summary', rules.oneOf(['last', 'best']), 'last' as 'last' | 'best');

  // budget
  const rawBudget = isRecord(raw.budget) ? raw.budget : {};
  if (raw.budget !== undefined && !isRecord(raw.budget)) problems.add('budget', 'must be a mapping {max_trials, workers, trial_timeout, cohort_size}', raw.budget);
  unknownKeys(problems, rawBudget, ['max_trials', 'workers', 'trial_timeout', 'cohort_size'], 'budget');
  const budget: Sweep['budget'] = {
    max_trials: field(problems, rawBudget, 'max_trials', 'budget.max_trials', rules.integer(1), null as number | null),
    workers: field(problems, rawBudget, 'workers', 'budget.workers', rules.integer(1, MAX_WORKERS), null as number | null),
    trial_timeout: field(problems, rawBudget, 'trial_timeout', 'budget.trial_timeout',
      (v) => rules.positive(v) ?? ((v as number) <= MAX_TRIAL_TIMEOUT ? null : `must be at most ${MAX_TRIAL_TIMEOUT} seconds (24 days: the longest timer Node keeps)`), null as number | null),
    cohort_size: field(problems, rawBudget, 'cohort_size', 'budget.cohort_size', rules.integer(1, MAX_COHORT_SIZE), null as number | null),
  };
  // A cohort holds every member's curve at once (8 bytes a step each), and its time limit is the trial's times its members.
  const cohort = budget.cohort_size ?? (trainer?.runner.kind === 'pool' && trainer.runner.definition.trainCohort ? DEFAULT_COHORT_SIZE : 1);
  if (trainer && cohort > 1 && trainer.steps * cohort > MAX_COHORT_VALUES) {
    problems.add('budget.cohort_size', `${cohort} members of ${trainer.steps.toLocaleString('en-US')} steps make ${(trainer.steps * cohort).toLocaleString('en-US')} LR values held at once; the limit is ${MAX_COHORT_VALUES.toLocaleString('en-US')} (lower cohort_size)`, undefined, false);
  }
  if (budget.trial_timeout !== null && budget.trial_timeout * cohort > MAX_TRIAL_TIMEOUT) {
    problems.add('budget.trial_timeout', `times ${cohort} cohort members is past the 24-day limit of Node's timers, got ${budget.trial_timeout} (lower it, or cohort_size)`, undefined, false);
  }

  // constraints and lint
  const rawConstraints = isRecord(raw.constraints) ? raw.constraints : {};
  if (raw.constraints !== undefined && !isRecord(raw.constraints)) problems.add('constraints', 'must be a mapping {end_at_cycle_end}', raw.constraints);
  unknownKeys(problems, rawConstraints, ['end_at_cycle_end'], 'constraints');
  const constraints = { end_at_cycle_end: field(problems, rawConstraints, 'end_at_cycle_end', 'constraints.end_at_cycle_end', rules.bool, false) };
  const rawLint = isRecord(raw.lint) ? raw.lint : {};
  if (raw.lint !== undefined && !isRecord(raw.lint)) problems.add('lint', 'must be a mapping {ignore: [rule, ...]}', raw.lint);
  unknownKeys(problems, rawLint, ['ignore'], 'lint');
  let ignore: string[] = [];
  if (rawLint.ignore !== undefined) {
    if (!Array.isArray(rawLint.ignore) || rawLint.ignore.some((r) => typeof r !== 'string')) problems.add('lint.ignore', 'must be a list of rule names', rawLint.ignore);
    else {
      ignore = rawLint.ignore as string[];
      for (const bad of unknownLintRules(ignore)) problems.add('lint.ignore', `names no lint rule (rules: ${LINT_RULES.join(', ')})`, bad);
    }
  }

  if (!problems.empty || trainer === null) throw new SweepFileError(file, problems.list);
  const sweep: Sweep = {
    name, schedule, parameters, method: canonicalMethod(method), trials, seed, repeats, seeding, objective: { metric, goal, summary }, trainer: trainer.section, budget,
    constraints, lint: { ignore },
  };
  for (const p of sampler.check?.(sweep, method) ?? []) problems.add(p.path, p.message, undefined, false);
  if (problems.empty) checkSize(sweep, problems);
  if (problems.empty) await checkConfigs(sweep, trainer.steps, problems, onProgress);
  if (!problems.empty) throw new SweepFileError(file, problems.list);
  return { sweep, trainer, written: new Set(Object.keys(raw)), file };
}

/** Refuses a sweep with more trials than MAX_TRIALS, counted without building a config. */
function checkSize(sweep: Sweep, problems: Problems): void {
  const count = countTrials(sweep);
  if (count <= MAX_TRIALS) return;
  const n = (x: number) => x.toLocaleString('en-US');
  const limit = `the limit is ${n(MAX_TRIALS)} trials per sweep (configs x repeats, after budget.max_trials)`;
  const sampled = samplerEntry(methodOf(sweep.method).kind).trials === 'required';
  if (sweep.trials !== null && (sampled || sweep.trials === countConfigs(sweep))) {
    problems.add('trials', `${n(sweep.trials)} ${sampled ? 'samples' : 'configs'} x ${sweep.repeats} repeats make ${n(count)} trials; ${limit}`, undefined, false);
  }
  else problems.add('parameters', `the grid has ${n(countConfigs(sweep))} configs${sweep.repeats > 1 ? ` (x ${sweep.repeats} repeats)` : ''}; ${limit}`, undefined, false);
}

/**
 * `method`: a sampler's name (its options at their defaults), or a mapping {kind, ...options}.
 * A broken method reads as the default grid, so the rest of the file is still checked.
 */
function readMethod(problems: Problems, raw: unknown): Method {
  const fallback = methodOf('grid');
  if (raw === undefined) return fallback;
  const names = SAMPLER_NAMES.join(', ');
  if (typeof raw === 'string') {
    if (raw in SAMPLERS) return methodOf(raw as Method['kind']);
    problems.add('method', `must be one of ${names}`, raw);
    return fallback;
  }
  if (!isRecord(raw)) {
    problems.add('method', `must be a sampler's name (${names}) or a mapping {kind, ...its options}`, raw);
    return fallback;
  }
  if (raw.kind === undefined) {
    problems.add('method.kind', `is required (one of ${names})`, undefined, false);
    return fallback;
  }
  if (typeof raw.kind !== 'string' || !(raw.kind in SAMPLERS)) {
    problems.add('method.kind', `must be one of ${names}`, raw.kind);
    return fallback;
  }
  const entry = samplerEntry(raw.kind);
  const options = Object.keys(entry.options);
  for (const key of Object.keys(raw)) {
    if (key !== 'kind' && !options.includes(key)) {
      problems.add(`method.${cut(key, 40)}`, options.length === 0 ? `is not an option of method ${entry.name} (it has none)` : `is not an option of method ${entry.name} (options: ${options.join(', ')})`, undefined, false);
    }
  }
  const method: Method = { kind: entry.name };
  for (const [key, option] of Object.entries(entry.options)) method[key] = field(problems, raw, key, `method.${key}`, option.rule, option.default);
  return method;
}

/** The samplers that sample min/max ranges, for messages. */
const RANGE_SAMPLERS = SAMPLER_NAMES.filter((name) => SAMPLERS[name].ranges).join(' or ');

function paramSpec(problems: Problems, spec: unknown, path: string, key: string, rule: (v: unknown) => string | null, sampler: SamplerEntry): ParamSpec | null {
  if (!isRecord(spec)) {
    problems.add(path, 'must be {values: [...]} or {min, max, distribution}', spec);
    return null;
  }
  const before = problems.entries.length;
  if (spec.values !== undefined) {
    unknownKeys(problems, spec, ['values'], path);
    if (!Array.isArray(spec.values) || spec.values.length === 0) {
      problems.add(`${path}.values`, 'must be a non-empty list', spec.values);
      return null;
    }
    spec.values.forEach((v, i) => {
      const broken = rule(v);
      if (broken && problems.entries.length - before < MAX_CONFIG_PROBLEMS) problems.add(`${path}.values[${i}]`, broken, v);
    });
    return problems.entries.length === before ? { values: spec.values as (number | boolean | string)[] } : null;
  }
  unknownKeys(problems, spec, ['min', 'max', 'distribution'], path);
  if (spec.min === undefined || spec.max === undefined) {
    problems.add(path, 'needs values: [...], or min and max with a distribution', undefined, false);
    return null;
  }
  if (!sampler.ranges) {
    problems.add(path, `a min/max range needs method: ${RANGE_SAMPLERS}; a ${sampler.name} needs values: [...]`, undefined, false);
    return null;
  }
  for (const end of ['min', 'max'] as const) {
    const broken = rule(spec[end]);
    if (broken) problems.add(`${path}.${end}`, broken, spec[end]);
  }
  const distribution = field(problems, spec, 'distribution', `${path}.distribution`, rules.oneOf(DISTRIBUTIONS),
    (INTEGER_PARAMETERS.has(key) || key === CYCLES ? 'int_uniform' : 'uniform') as Distribution);
  if (problems.entries.length !== before) return null;
  const min = spec.min as number;
  const max = spec.max as number;
  if (!(min < max)) problems.add(path, `min must be < max, got min=${min}, max=${max}`, undefined, false);
  if (distribution === 'log_uniform' && min <= 0) problems.add(`${path}.min`, 'must be > 0 for distribution log_uniform', min);
  if ((INTEGER_PARAMETERS.has(key) || key === CYCLES) && distribution !== 'int_uniform') {
    problems.add(`${path}.distribution`, `must be int_uniform for the integer parameter ${key}`, distribution);
  }
  if (distribution === 'int_uniform' && !(Number.isInteger(min) && Number.isInteger(max))) {
    problems.add(path, `int_uniform needs integer min and max, got min=${min}, max=${max}`, undefined, false);
  }
  return problems.entries.length === before ? { min, max, distribution } : null;
}

/**
 * Rules that only whole configs can break (warmup_steps < first_cycle_steps when one of them
 * varies; a cycle_mult < 1 that reaches a zero-length cycle within the trainer's steps). Each
 * problem points at the value that causes it: parameters.KEY.values[i], or schedule.KEY.
 * Checks the trials the sweep will have (bounded by MAX_TRIALS), one per config.
 */
async function checkConfigs(sweep: Sweep, steps: number, problems: Problems, onProgress?: CheckProgress): Promise<void> {
  const seen = new Set<string>();
  const total = Math.ceil(countTrials(sweep) / sweep.repeats);
  let extra = 0;
  let n = 0;
  if (total > REPORT_ABOVE) onProgress?.(0, total);
  const report = (where: string, message: string) => {
    const line = `${where}: ${message}`;
    if (seen.has(line)) return;
    seen.add(line);
    if (seen.size <= MAX_CONFIG_PROBLEMS) problems.add(where, message, undefined, false);
    else extra++;
  };
  const at = (key: string, origin: Record<string, number>) => (key in origin
    ? (origin[key] >= 0 ? `parameters.${key}.values[${origin[key]}]` : `parameters.${key}`)
    : `schedule.${key}`);
  const stats: PlanStats = { dropped: 0, leftovers: new Map() };
  for (const { config, origin, problem } of configs(sweep, steps, stats)) {
    if (n++ >= total) break; // budget.max_trials: the configs after it never run
    if (n % 2000 === 0) {
      await yieldToEvents(); // a big grid takes seconds: let Ctrl-C in
      if (total > REPORT_ABOVE) onProgress?.(n, total);
    }
    if (problem) {
      report(at(CYCLES, origin), problem);
      continue;
    }
    const input = fromReferenceNames(config);
    let found = scheduleProblems(input);
    if (found.length === 0) found = resolveSchedule(input).windowProblems({ steps });
    for (const p of found) {
      // Point at a varied parameter the rule involves, if any; else at the fixed one.
      const key = [p.key, ...(p.related ?? [])].find((k) => k in origin);
      report(key === undefined ? `schedule.${p.key}` : at(key, origin), p.message);
    }
  }
  if (extra > 0) problems.add('parameters', `and ${extra} more configs with problems like these`, undefined, false);
  if (n === 0 && stats.dropped > 0) {
    // Nothing would run: a sweep of zero trials is a mistake, not a result.
    problems.add('constraints.end_at_cycle_end', `drops every config (${stats.dropped}): none ends its last cycle at step ${steps}, ` +
      `the trainer's last; \`${CLI} fit --steps ${steps}\` lists settings that do`, undefined, false);
  }
}

