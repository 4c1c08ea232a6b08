// How a sweep file draws its trials: `method` (the sampler and its options), `trials`, `seed`,
// `repeats`, and `seeding` (the training seed of each repeat).

import { cut } from '../../core/errors.js';
import { Problems, field, isRecord, unknownKeys } from '../../core/problems.js';
import { rules } from '../../core/rules.js';
import type { Sweep } from '../definition.js';
import { SAMPLERS, SAMPLER_NAMES, methodOf, samplerEntry, type Method, type SamplerEntry } from '../samplers/index.js';
import { sectionOf } from './section.js';

/** The keys beside `method` that say how many trials there are and how they are seeded. */
export type RunKeys = Pick<Sweep, 'trials' | 'seed' | 'repeats' | 'seeding'>;

/**
 * Reads `method`: a sampler's name (its options at their defaults), or a mapping {kind, ...options}.
 * A broken method reads as the default grid, so the rest of the file is still checked.
 */
export function readMethod(problems: Problems, raw: unknown): Method {
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
  // Retired options are read (their rule says what became of them) but not offered.
  const options = Object.keys(entry.options).filter((key) => !entry.options[key].retired);
  for (const key of Object.keys(raw)) {
    if (key !== 'kind' && !(key in entry.options)) {
      problems.add(`method.${cut(key, 40)}`, options.length === 0 ? `is not an option of method ${entry.name} (it has none)` : `is not an option of method ${entry.name} (options: ${options.join(', ')})`, undefined, false);
    }
  }
  const method: Method = { kind: entry.name };
  for (const [key, option] of Object.entries(entry.options)) method[key] = field(problems, raw, key, `method.${key}`, option.rule, option.default);
  return method;
}

/** Reads `trials` (required by a sampler that draws), `seed`, `repeats` and `seeding` (common random numbers by default). */
export function readRunKeys(problems: Problems, raw: Record<string, unknown>, sampler: SamplerEntry): RunKeys {
  const trials = field(problems, raw, 'trials', 'trials', rules.integer(1), null as number | null);
  if (sampler.trials === 'required' && raw.trials === undefined) problems.add('trials', `is required with method ${sampler.name} (how many configs to sample)`, undefined, false);
  const seed = field(problems, raw, 'seed', 'seed', rules.integer(0), 0);
  const repeats = field(problems, raw, 'repeats', 'repeats', rules.integer(1), 1);
  const rawSeeding = sectionOf(problems, raw.seeding, 'seeding', 'a mapping {mode, base}');
  unknownKeys(problems, rawSeeding, ['mode', 'base'], 'seeding');
  const seeding: Sweep['seeding'] = {
    mode: field(problems, rawSeeding, 'mode', 'seeding.mode', rules.oneOf(['common', 'per_config']), 'common' as const),
    base: field(problems, rawSeeding, 'base', 'seeding.base', rules.integer(0), 0),
  };
  return { trials, seed, repeats, seeding };
}
