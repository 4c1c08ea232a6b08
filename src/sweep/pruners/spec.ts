// Reading a pruner: the sweep file's `pruner:` key (a pruner's name, or a mapping {kind, ...its
// options}) and the `--pruner` flag's short form, `KIND[:KEY=VALUE,...]` (for example
// `successive_halving:reduction=3,at=cycle_ends`; `none` for no pruner), under the same rules and
// with the same messages: each names where (pruner.KEY, or --pruner KEY), the rule and the value.

import { UsageError, cut } from '../../core/errors.js';
import { Problems, isRecord } from '../../core/problems.js';
import { AT_RULE, PRUNERS, PRUNER_NAMES, canonicalPruner, defaultAtOf, optionsOf, prunerEntry, type Pruner, type PrunerName, type PrunerSpec } from './index.js';
import type { JudgeAt, SweepFacts } from './pruner.js';
import { rungSteps } from './successive-halving.js';

/**
 * Reads a pruner written at `path` (`pruner` in a file, `--pruner` on the command line); null:
 * none. `steps` and `sweep` (the trainer's steps; the objective and the trainer's metrics, when
 * known) check the options against the sweep.
 */
export function readPruner(problems: Problems, raw: unknown, steps: number | null, path = 'pruner', sweep: SweepFacts | null = null): PrunerSpec | null {
  if (raw === undefined || raw === null) return null;
  const sep = path.startsWith('--') ? ' ' : '.';
  const names = PRUNER_NAMES.join(', ');
  const section = typeof raw === 'string' ? { kind: raw } : raw;
  if (!isRecord(section)) {
    problems.add(path, `must be a pruner's name (${names}) or a mapping {kind, ...its options}`, raw);
    return null;
  }
  if (section.kind === undefined) {
    problems.add(`${path}${sep}kind`, `is required (one of ${names})`, undefined, false);
    return null;
  }
  if (typeof section.kind !== 'string' || !(section.kind in PRUNERS)) {
    problems.add(typeof raw === 'string' ? path : `${path}${sep}kind`, `must be one of ${names}`, section.kind);
    return null;
  }
  const entry = prunerEntry(section.kind);
  const options = optionsOf(entry);
  const known = ['at', ...(entry.metric ? ['metric'] : []), ...Object.keys(options)];
  const before = problems.entries.length;
  for (const key of Object.keys(section)) {
    if (key !== 'kind' && !known.includes(key)) problems.add(`${path}${sep}${cut(key, 40)}`, `is not an option of pruner ${entry.name} (options: ${known.join(', ')})`, undefined, false);
  }
  let at: JudgeAt = defaultAtOf(entry);
  if (section.at !== undefined) {
    const broken = AT_RULE(section.at);
    if (broken) problems.add(`${path}${sep}at`, broken, section.at);
    else at = section.at as JudgeAt;
  }
  let metric: string | null = entry.metric?.default ?? null;
  if (entry.metric && section.metric !== undefined) {
    if (typeof section.metric !== 'string' || section.metric === '') problems.add(`${path}${sep}metric`, 'must be the name of a metric the trainer reports', section.metric);
    else metric = section.metric;
  }
  const declared = sweep?.metrics ?? null;
  if (entry.metric && metric !== null && declared !== null && !(metric in declared) && problems.entries.length === before) {
    problems.add(`${path}${sep}metric`, `must be one of ${Object.keys(declared).join(', ')} (the metrics the trainer declares)`, metric);
  }
  const values: Record<string, number | null> = {};
  for (const [key, option] of Object.entries(options)) {
    const value = section[key];
    if (value === undefined || (value === null && option.default === null)) {
      values[key] = option.default;
      continue;
    }
    const broken = option.rule(value);
    if (broken) problems.add(`${path}${sep}${key}`, broken, value);
    values[key] = broken ? option.default : (value as number);
  }
  if (problems.entries.length > before) return null;
  const pruner: Pruner = { kind: entry.name as PrunerName, at, metric, options: values };
  if (entry.name === 'successive_halving' && steps !== null) {
    const max = values.max_resource ?? steps;
    if (values.max_resource !== null && values.max_resource > steps) {
      problems.add(`${path}${sep}max_resource`, `must be at most the trainer's steps (${steps})`, values.max_resource);
    } else if (values.min_resource !== null && values.min_resource >= max) {
      problems.add(`${path}${sep}min_resource`, `must be below max_resource (${max}${values.max_resource === null ? ", the trainer's steps" : ''}): no rung would be left`, values.min_resource);
    } else if (rungSteps(values, steps).length === 0) {
      problems.add(`${path}${sep}reduction`, `leaves no rung below max_resource (${max})`, values.reduction);
    }
  }
  const broken = sweep === null ? null : entry.checkSweep?.(values, sweep, metric) ?? null;
  if (broken) problems.add(`${path}${sep}${broken.key}`, broken.message, broken.value);
  return problems.entries.length > before ? null : canonicalPruner(pruner);
}

/** A `KEY=VALUE` value as written: a number where it reads as one, null for `null`, else the text. */
function flagValue(text: string): unknown {
  if (text === 'null') return null;
  if (text.trim() !== '' && Number.isFinite(Number(text))) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
}

/** The short form's mapping: `kind:key=value,...` -> {kind, key: value}; a malformed one is a problem at `flag`. */
export function parsePrunerText(problems: Problems, text: string, flag = '--pruner'): Record<string, unknown> | null {
  const colon = text.indexOf(':');
  const kind = colon < 0 ? text : text.slice(0, colon);
  const out: Record<string, unknown> = { kind };
  if (colon < 0) return out;
  for (const part of text.slice(colon + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) {
      problems.add(flag, `must be KIND or KIND:KEY=VALUE,... (for example successive_halving:reduction=3,at=cycle_ends); ${JSON.stringify(part)} is not KEY=VALUE`, text);
      return null;
    }
    const key = part.slice(0, eq).trim();
    if (key in out) {
      problems.add(`${flag} ${key}`, 'is given twice', text);
      return null;
    }
    out[key] = flagValue(part.slice(eq + 1).trim());
  }
  return out;
}

/** Reads a `--pruner` flag: null for `none`; bad input is a UsageError (exit 2) naming the flag, the key, the rule and the value. */
export function prunerFlag(text: string, steps: number | null, flag = '--pruner', sweep: SweepFacts | null = null): PrunerSpec | null {
  if (text === 'none') return null;
  const problems = new Problems();
  const raw = parsePrunerText(problems, text, flag);
  const spec = raw === null ? null : readPruner(problems, raw, steps, flag, sweep);
  if (!problems.empty) throw new UsageError(problems.list.join('; '));
  return spec;
}
