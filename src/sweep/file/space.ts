// A sweep file's space: `schedule` (what is fixed) and `parameters` (what varies, as a list of
// values or a min/max range with a distribution), both in the reference's key names.
// The kind may vary too (`parameters: { kind: { values: [cawr, one_cycle, sgdr] } }`): then each
// key, fixed or varied, applies to the listed kinds that have it (space.ts ownConfig keeps a
// config's own), its values checked by each such kind's rule; a key none of them has is refused.

import { cut } from '../../core/errors.js';
import { Problems, field, isRecord, unknownKeys } from '../../core/problems.js';
import { rules, type Rule } from '../../core/rules.js';
import { INTEGER_PARAMETERS } from '../../schedule/params.js';
import { DEFAULT_KIND, KIND_NAMES, keyRef, kindOf, type KindName } from '../../schedule/kinds/index.js';
import { CYCLES, DISTRIBUTIONS, type Distribution, type ParamSpec, type Sweep } from '../definition.js';
import { SAMPLERS, SAMPLER_NAMES, type SamplerEntry } from '../samplers/index.js';
import { keysOf, ruleOf } from './schedule-keys.js';
import { sectionOf } from './section.js';
import { MAX_CONFIG_PROBLEMS } from './rules.js';

/**
 * The keys `cycles` sets in a kind's configs: the first cycle's length (first_cycle_steps, or t_0)
 * and max_cycles where it has one; none for a kind fit cannot search, which keeps its own lengths
 * (cycles does not apply to it: space.ts ownConfig drops it from that kind's configs).
 */
const setByCycles = (kind: KindName): string[] => {
  const spec = kindOf(kind);
  return spec.fit === null ? [] : [keyRef(spec, 'length'), keyRef(spec, 'maxCycles')].filter((k) => k !== null);
};
/** Every key `cycles` sets in some kind's configs (what a dry run shows as derived). */
export const SET_BY_CYCLES: readonly string[] = [...new Set(KIND_NAMES.flatMap(setByCycles))];
/** The samplers that sample min/max ranges, for messages. */
const RANGE_SAMPLERS = SAMPLER_NAMES.filter((name) => SAMPLERS[name].ranges).join(', ').replace(/, ([^,]*)$/, ' or $1');

/** The schedule section, checked, with what the parameters section is read against. */
export interface ScheduleSection {
  schedule: Sweep['schedule'];
  /** The keys schedule and parameters may name: the kind's parameters, and cycles for a kind with restarts. */
  known: string[];
  /** The schedule mapping as written, broken values included (a key fixed there may not also vary). */
  written: Record<string, unknown>;
  /** The kinds the sweep runs: parameters.kind's values, or the one schedule.kind names. */
  kinds: KindName[];
}


/** A key's rule for every listed kind that has it: the first broken one's message, or null. */
const ruleOfKinds = (kinds: readonly KindName[], key: string): Rule => (value) => {
  for (const kind of kinds) if (keysOf(kind).includes(key)) {
    const broken = ruleOf(kind, key)(value);
    if (broken) return broken;
  }
  return null;
};

/** parameters.kind's values, checked (each a known kind, once); null when the kind does not vary. */
function variedKinds(problems: Problems, rawParameters: unknown, written: Record<string, unknown>): KindName[] | null {
  const spec = isRecord(rawParameters) ? rawParameters.kind : undefined;
  if (spec === undefined) return null;
  const values = isRecord(spec) ? spec.values : undefined;
  if (!Array.isArray(values) || values.length === 0) {
    problems.add('parameters.kind', 'must be {values: [...]}, a non-empty list of schedule kinds', spec);
    return [];
  }
  if (written.kind !== undefined) problems.add('parameters.kind', 'is also fixed in schedule.kind; give it in one place', undefined, false);
  const kinds: KindName[] = [];
  values.forEach((v, i) => {
    const broken = rules.oneOf(KIND_NAMES)(v);
    if (broken) problems.add(`parameters.kind.values[${i}]`, broken, v);
    else if (kinds.includes(v as KindName)) problems.add(`parameters.kind.values[${i}]`, 'is listed twice', v);
    else kinds.push(v as KindName);
  });
  return kinds;
}


/** Reads `schedule`: the kind and the parameters it fixes (given parameters, to see whether the kind varies). */
export function readSchedule(problems: Problems, raw: unknown, rawParameters?: unknown): ScheduleSection {
  const written = sectionOf(problems, raw, 'schedule', 'a mapping of fixed parameters');
  const varied = variedKinds(problems, rawParameters, written);
  if (varied !== null) return readKindsSchedule(problems, written, varied);
  const kind = field(problems, written, 'kind', 'schedule.kind', rules.oneOf(KIND_NAMES), DEFAULT_KIND);
  // `cycles` places restarts: a kind fit cannot search has none to place.
  const known = keysOf(kind);
  unknownKeys(problems, written, ['kind', ...known], 'schedule');
  const schedule: Sweep['schedule'] = { kind };
  for (const key of known) {
    if (written[key] === undefined) continue;
    const broken = ruleOf(kind, key)(written[key]);
    if (broken) problems.add(`schedule.${key}`, broken, written[key]);
    else schedule[key] = written[key];
  }
  return { schedule, known, written, kinds: [kind] };
}

/**
 * `schedule` of a sweep whose kind varies: each fixed key must belong to a listed kind, and keep
 * the rule of every listed kind that has it. schedule.kind is stored as the first listed kind
 * (each config takes its own from parameters.kind; definition.ts identity leaves it out).
 */
function readKindsSchedule(problems: Problems, written: Record<string, unknown>, kinds: KindName[]): ScheduleSection {
  const known = [...new Set(kinds.flatMap(keysOf))];
  const schedule: Sweep['schedule'] = { kind: kinds[0] ?? DEFAULT_KIND };
  for (const [key, value] of Object.entries(written)) {
    if (key === 'kind') continue; // refused by variedKinds
    if (!known.includes(key)) {
      problems.add(`schedule.${cut(key, 40)}`, `is not a parameter of any listed kind (${kinds.join(', ')}; known: ${known.join(', ')})`, value);
      continue;
    }
    const broken = ruleOfKinds(kinds, key)(value);
    if (broken) problems.add(`schedule.${key}`, broken, value);
    else schedule[key] = value;
  }
  return { schedule, known, written, kinds };
}

/** Reads `parameters`: what varies, each key the kind's and not fixed in schedule, and none that cycles sets. */
export function readParameters(problems: Problems, raw: unknown, section: ScheduleSection, sampler: SamplerEntry): Sweep['parameters'] {
  const { schedule: { kind }, known, written, kinds } = section;
  const many = kinds.length > 1 || isRecord(raw) && raw.kind !== undefined;
  const parameters: Record<string, ParamSpec> = {};
  const rawParams = sectionOf(problems, raw, 'parameters', 'a mapping of parameter: {values: [...]} or {min, max, distribution}');
  for (const [key, spec] of Object.entries(rawParams)) {
    const path = `parameters.${key}`;
    if (many && key === 'kind') {
      if (kinds.length > 0) parameters.kind = { values: kinds };
      continue;
    }
    if (!known.includes(key)) {
      const what = many ? `any listed kind (${kinds.join(', ')}; known: ${known.join(', ')})` : `schedule ${kind} (known: ${known.join(', ')})`;
      if (many) problems.add(`parameters.${cut(key, 40)}`, `is not a parameter of ${what}`, spec);
      else problems.add(`parameters.${cut(key, 40)}`, `is not a parameter of ${what}`, undefined, false);
      continue;
    }
    if (written[key] !== undefined) {
      problems.add(path, `is also fixed in schedule.${key}; give it in one place`, undefined, false);
      continue;
    }
    const parsed = paramSpec(problems, spec, path, key, many ? ruleOfKinds(kinds, key) : ruleOf(kind, key), sampler);
    if (parsed) parameters[key] = parsed;
  }
  cyclesConflicts(problems, parameters, rawParams, section);
  return parameters;
}

/**
 * Reports the first cycle's length and max_cycles where cycles is given too (it sets them), for
 * the listed kinds cycles applies to; the others' lengths (wsd's num_decay_steps, ...) are theirs.
 */
function cyclesConflicts(problems: Problems, parameters: Sweep['parameters'], rawParams: Record<string, unknown>, section: ScheduleSection): void {
  const varies = (key: string) => key in parameters || key in rawParams;
  const given = (key: string) => varies(key) || section.written[key] !== undefined;
  if (!given(CYCLES)) return;
  const fitted = section.kinds.filter((kind) => setByCycles(kind).length > 0);
  if (fitted.length === 0) return; // cycles is then no key of theirs, refused as such
  const and = (keys: string[]) => keys.join(' and ');
  // One kind: "first_cycle_steps and max_cycles"; several: "first_cycle_steps and max_cycles of cawr and t_0 of sgdr".
  const sets = section.kinds.length === 1 ? and(setByCycles(fitted[0])) : fitted.map((kind) => `${and(setByCycles(kind))} of ${kind}`).join(' and ');
  for (const key of [...new Set(fitted.flatMap(setByCycles))].filter(given)) {
    problems.add(varies(key) ? `parameters.${key}` : `schedule.${key}`, `cannot be given with cycles, which sets ${sets} from the trainer's steps`, undefined, false);
  }
}

/** Reads one parameter's spec: a non-empty list of values, or a min/max range (with a sampler that samples ranges). */
function paramSpec(problems: Problems, spec: unknown, path: string, key: string, rule: Rule, sampler: SamplerEntry): ParamSpec | null {
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
  const integer = INTEGER_PARAMETERS.has(key) || key === CYCLES;
  const distribution = field(problems, spec, 'distribution', `${path}.distribution`, rules.oneOf(DISTRIBUTIONS),
    (integer ? 'int_uniform' : 'uniform') as Distribution);
  if (problems.entries.length !== before) return null;
  const min = spec.min as number;
  const max = spec.max as number;
  if (!(min < max)) problems.add(path, `min must be < max, got min=${min}, max=${max}`, undefined, false);
  if (distribution === 'log_uniform' && min <= 0) problems.add(`${path}.min`, 'must be > 0 for distribution log_uniform', min);
  if (integer && distribution !== 'int_uniform') {
    problems.add(`${path}.distribution`, `must be int_uniform for the integer parameter ${key}`, distribution);
  }
  if (distribution === 'int_uniform' && !(Number.isInteger(min) && Number.isInteger(max))) {
    problems.add(path, `int_uniform needs integer min and max, got min=${min}, max=${max}`, undefined, false);
  }
  return problems.entries.length === before ? { min, max, distribution } : null;
}
