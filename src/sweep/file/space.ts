// A sweep file's space: `schedule` (what is fixed) and `parameters` (what varies, as a list of
// values or a min/max range with a distribution), both in the reference's key names.

import { cut } from '../../core/errors.js';
import { Problems, field, isRecord, unknownKeys } from '../../core/problems.js';
import { rules, type Rule } from '../../core/rules.js';
import { INTEGER_PARAMETERS, declaration } from '../../schedule/params.js';
import { DEFAULT_KIND, KINDS, KIND_NAMES, keyRef, kindOf, type KindName } from '../../schedule/kinds/index.js';
import { CYCLES, DISTRIBUTIONS, type Distribution, type ParamSpec, type Sweep } from '../definition.js';
import { SAMPLERS, SAMPLER_NAMES, type SamplerEntry } from '../samplers/index.js';
import { sectionOf } from './section.js';
import { MAX_CONFIG_PROBLEMS } from './rules.js';

/** `cycles` replaces the first cycle's length (first_cycle_steps, or t_0) and sets max_cycles: each kind's keys for them. */
const LENGTH_KEYS = [...new Set([...KINDS.map((k) => keyRef(k, 'length')), ...KINDS.map((k) => keyRef(k, 'maxCycles'))])].filter((k) => k !== null);
const cyclesRule = rules.integer(1, 1_000_000);
/** The samplers that sample min/max ranges, for messages. */
const RANGE_SAMPLERS = SAMPLER_NAMES.filter((name) => SAMPLERS[name].ranges).join(', ').replace(/, ([^,]*)$/, ' or $1');

/** The schedule section, checked, with what the parameters section is read against. */
export interface ScheduleSection {
  schedule: Sweep['schedule'];
  /** The keys schedule and parameters may name: the kind's parameters, and cycles for a kind with restarts. */
  known: string[];
  /** The schedule mapping as written, broken values included (a key fixed there may not also vary). */
  written: Record<string, unknown>;
}

/** The rule a schedule key's values must keep. */
const ruleOf = (kind: KindName, key: string): Rule => (key === CYCLES ? cyclesRule : declaration(kind, key)!.rule);

/** Reads `schedule`: the kind and the parameters it fixes. */
export function readSchedule(problems: Problems, raw: unknown): ScheduleSection {
  const written = sectionOf(problems, raw, 'schedule', 'a mapping of fixed parameters');
  const kind = field(problems, written, 'kind', 'schedule.kind', rules.oneOf(KIND_NAMES), DEFAULT_KIND);
  const kindSpec = kindOf(kind);
  // `cycles` places restarts: a kind fit cannot search has none to place.
  const known = [...kindSpec.parameters.map((d) => d.ref), ...(kindSpec.fit ? [CYCLES] : [])];
  unknownKeys(problems, written, ['kind', ...known], 'schedule');
  const schedule: Sweep['schedule'] = { kind };
  for (const key of known) {
    if (written[key] === undefined) continue;
    const broken = ruleOf(kind, key)(written[key]);
    if (broken) problems.add(`schedule.${key}`, broken, written[key]);
    else schedule[key] = written[key];
  }
  return { schedule, known, written };
}

/** Reads `parameters`: what varies, each key the kind's and not fixed in schedule, and none that cycles sets. */
export function readParameters(problems: Problems, raw: unknown, section: ScheduleSection, sampler: SamplerEntry): Sweep['parameters'] {
  const { schedule: { kind }, known, written } = section;
  const parameters: Record<string, ParamSpec> = {};
  const rawParams = sectionOf(problems, raw, 'parameters', 'a mapping of parameter: {values: [...]} or {min, max, distribution}');
  for (const [key, spec] of Object.entries(rawParams)) {
    const path = `parameters.${key}`;
    if (!known.includes(key)) {
      problems.add(`parameters.${cut(key, 40)}`, `is not a parameter of schedule ${kind} (known: ${known.join(', ')})`, undefined, false);
      continue;
    }
    if (written[key] !== undefined) {
      problems.add(path, `is also fixed in schedule.${key}; give it in one place`, undefined, false);
      continue;
    }
    const parsed = paramSpec(problems, spec, path, key, ruleOf(kind, key), sampler);
    if (parsed) parameters[key] = parsed;
  }
  cyclesConflicts(problems, parameters, rawParams, section);
  return parameters;
}

/** Reports the first cycle's length and max_cycles where cycles is given too (it sets them). */
function cyclesConflicts(problems: Problems, parameters: Sweep['parameters'], rawParams: Record<string, unknown>, section: ScheduleSection): void {
  const varies = (key: string) => key in parameters || key in rawParams;
  const given = (key: string) => varies(key) || section.written[key] !== undefined;
  if (!given(CYCLES)) return;
  const kindSpec = kindOf(section.schedule.kind);
  const sets = [keyRef(kindSpec, 'length'), keyRef(kindSpec, 'maxCycles')].filter((k) => k !== null).join(' and ');
  for (const key of LENGTH_KEYS.filter(given)) {
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
