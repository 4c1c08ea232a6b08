// The rules a sweep breaks only as a whole, checked once every section has passed its own: the
// sampler's rules on the sweep, its size, and each config it will run.

import { CLI } from '../../core/cli-name.js';
import { show } from '../../core/errors.js';
import type { Problems } from '../../core/problems.js';
import { yieldToEvents } from '../../core/yield.js';
import { fromReferenceNames } from '../../schedule/params.js';
import { resolveSchedule } from '../../schedule/schedule.js';
import { scheduleProblems } from '../../schedule/validate.js';
import { CYCLES, type Sweep } from '../definition.js';
import { anchorPlansOf, isAdaptive, methodOf, samplerEntry, type Method } from '../samplers/index.js';
import { configOfValues, configs, countConfigs, countTrials, MAX_TRIALS, type PlanStats } from '../space.js';
import { firstAskProblem, MAX_MISSES } from '../ask.js';
import { keysOf, ruleOf } from './schedule-keys.js';

/** Called while the configs of a big sweep are checked (each is built and validated once). */
export type CheckProgress = (checked: number, total: number) => void;

/** How many configs with problems are listed before the rest is summarised (and values of one parameter). */
export const MAX_CONFIG_PROBLEMS = 8;
/** Sweeps with more configs than this report progress while they are checked. */
const REPORT_ABOVE = 20_000;

/** Checks a sweep whose sections are each sound: the sampler's rules, then its size, then its configs, each only if all before passed. */
export async function checkRules(sweep: Sweep, method: Method, steps: number, problems: Problems, onProgress?: CheckProgress): Promise<void> {
  for (const p of samplerEntry(method.kind).check?.(sweep, method) ?? []) problems.add(p.path, p.message, undefined, false);
  if (problems.empty) checkSize(sweep, problems);
  // An adaptive sampler's configs do not exist yet: ask.ts drops a suggestion the schedule refuses
  // and redraws; a sweep none of whose first draws can run is refused here.
  if (problems.empty && !isAdaptive(sweep)) await checkConfigs(sweep, steps, problems, onProgress);
  if (problems.empty) checkAnchors(sweep, steps, problems);
  if (problems.empty && isAdaptive(sweep)) {
    const problem = firstAskProblem(sweep, steps);
    if (problem !== null) problems.add('schedule', `no config of this space can run: ${MAX_MISSES} drawn in a row were refused, the last because ${problem}`, undefined, false);
  }
}

/**
 * Each anchor a sampler plans from the file (the predict sampler's) must be a config that can run,
 * of keys its kind has with values their rules allow, and a different run from every other
 * anchor: each refused at its key path.
 */
function checkAnchors(sweep: Sweep, steps: number, problems: Problems): void {
  const kind = sweep.schedule.kind;
  const known = keysOf(kind);
  const built = new Map<string, { path: string; name: string }>();
  for (const a of anchorPlansOf(sweep, steps)) {
    let sound = true;
    for (const [key, value] of Object.entries(a.values)) {
      if (value === undefined) continue; // a preset unsets a key so
      const broken = known.includes(key) ? (value === null ? null : ruleOf(kind, key)(value)) : `is not a key of schedule kind ${kind} (known: ${known.join(', ')})`;
      if (broken === null) continue;
      problems.add(`${a.path}.${key}`, broken, known.includes(key) ? value : undefined, false);
      sound = false;
    }
    if (!sound) continue;
    const config = configOfValues(sweep, steps, a.values);
    const why = 'problem' in config ? config.problem : scheduleLine(config.config, steps);
    if (why !== null || 'problem' in config) {
      problems.add(a.path, `${a.name} ${show(a.values)} cannot run: ${why}`, undefined, false);
      continue;
    }
    const same = built.get(config.hash);
    if (same) problems.add(a.path, `${a.name} is the same run as ${same.path} (${same.name}): each anchor must be a different config`, undefined, false);
    else built.set(config.hash, { path: a.path, name: a.name });
  }
}

/** The first rule a whole config breaks over the trainer's steps, as one line, or null. */
function scheduleLine(config: Sweep['schedule'] | Record<string, unknown>, steps: number): string | null {
  const input = fromReferenceNames(config as never);
  let found = scheduleProblems(input);
  if (found.length === 0) found = resolveSchedule(input).windowProblems({ steps });
  return found.length === 0 ? null : found[0].message;
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
