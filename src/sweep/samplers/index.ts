// Samplers: what decides which configs a sweep trains. One file per sampler, each exporting a
// SamplerEntry, and one line per sampler in SAMPLERS below. Modelled on Optuna's BaseSampler (a
// sampler is asked for the next configs given the study's history and is told each result), in
// two kinds:
// - Static samplers (grid, random, sobol) plan every config up front from the definition alone:
//   draws() is a lazy, deterministic stream (the same definition gives the same configs in the
//   same order on every machine and every run, without building the rest), and count() says how
//   many configs it plans without drawing one. space.ts turns draws into trials (cycles derived,
//   defaults filled, constraints and duplicates dropped, each config `repeats` times, capped by
//   budget.max_trials); a sampler that `redraws` replaces each dropped draw with the next one of
//   its stream, so count() configs are planned (while its stream has new ones). The plan is also
//   the trust rule's reference: a worker trains only trials its own file plans (plan-check.ts).
// - Adaptive samplers (not yet offered) create configs while the sweep runs: suggest(history, n,
//   random) returns the next n configs given the sweep's trials so far, each with its result once
//   settled (the results a sampler is told are the history it is handed: the stored history is
//   the truth, so a sampler keeps no state a restart could lose, and the same history and seed
//   give the same suggestions). Its trials are created as results arrive, not planned.
// Adding a sampler: a file here exporting a SamplerEntry (its name, its options with their
// defaults and rules, whether it samples min/max ranges, what `trials` means to it, extra rules on
// the whole sweep, and create(), which builds a Sampler for a checked sweep), and its entry in
// SAMPLERS. The sweep file's rules (file.ts) read `method` through this table: names, options,
// defaults and messages come from the entries; nothing outside this folder names a sampler.

import type { Config, MethodName, MethodSpec, Sweep } from '../definition.js';
import type { Draw } from './draw.js';
import { grid } from './grid.js';
import { random } from './random.js';
import { sobol } from './sobol.js';

/** A static sampler: plans every config from the definition alone. */
export interface StaticSampler {
  readonly adaptive: false;
  /** The configs it plans, counted without drawing (an upper bound: duplicates and constraints may drop some). */
  count(): number;
  /** Whether a draw that planning drops is replaced by the next one (the stream then runs past count()). */
  readonly redraws: boolean;
  /** Its configs in order, lazily; the same sweep gives the same stream. */
  draws(): Iterable<Draw>;
}

/** A trial an adaptive sampler learns from: its parameters and, once settled, its objective. */
export interface Observed {
  params: Config;
  /** The settled objective (a config's mean over its repeats once all settled); null while running or when none was reported. */
  objective: number | null;
  state: 'running' | 'complete' | 'diverged' | 'failed';
}

/** An adaptive sampler: suggests configs from the sweep's history (the contract TPE will fill). */
export interface AdaptiveSampler {
  readonly adaptive: true;
  /** The next n configs, given every trial so far; `random` is seeded from the sweep's seed and the history's size. */
  suggest(history: readonly Observed[], n: number, random: () => number): Config[];
}

export type Sampler = StaticSampler | AdaptiveSampler;

/** A sampler's method with every option filled in: { kind, ...options }. */
export type Method = { kind: MethodName } & Record<string, unknown>;

export interface SamplerOption {
  default: unknown;
  /** null when the value passes, else what it must be ('must be ...'). */
  rule: (value: unknown) => string | null;
  help: string;
}

export interface SamplerEntry {
  name: MethodName;
  /** One line for help and dry runs. */
  summary: string;
  /** Its options under `method: { kind, ... }`, each with its default. */
  options: Record<string, SamplerOption>;
  /** Whether it samples min/max ranges (a grid needs values lists). */
  ranges: boolean;
  /** `trials`: required (how many configs it draws) or a cap (at most this many of the configs it enumerates). */
  trials: 'required' | 'cap';
  /** Rules on the whole checked sweep, each with its key path. */
  check?(sweep: Sweep, method: Method): { path: string; message: string }[];
  create(sweep: Sweep, method: Method): Sampler;
}

export const SAMPLERS: Record<MethodName, SamplerEntry> = { grid, random, sobol };
export const SAMPLER_NAMES = Object.keys(SAMPLERS) as MethodName[];

/** The sampler of that name; throws listing the known ones. */
export function samplerEntry(name: string): SamplerEntry {
  const entry = (SAMPLERS as Record<string, SamplerEntry>)[name];
  if (!entry) throw new Error(`no sampler ${JSON.stringify(name)} (samplers: ${SAMPLER_NAMES.join(', ')})`);
  return entry;
}

/** A stored or parsed `method` with every option filled in. */
export function methodOf(spec: MethodSpec): Method {
  const { kind, ...given } = typeof spec === 'string' ? { kind: spec } : spec;
  const entry = samplerEntry(kind);
  const out: Method = { kind: entry.name };
  for (const [key, option] of Object.entries(entry.options)) out[key] = given[key] ?? option.default;
  return out;
}

/**
 * How `method` is stored: the sampler's name alone when every option is its default (as an older
 * lrsweep stored it, so its sweeps stay unchanged), else its kind and the options that differ
 * (an option a later version adds, left at its default, changes nothing stored).
 */
export function canonicalMethod(method: Method): MethodSpec {
  const entry = samplerEntry(method.kind);
  const differs = Object.entries(entry.options).filter(([key, o]) => method[key] !== undefined && method[key] !== o.default);
  return differs.length === 0 ? entry.name : { kind: entry.name, ...Object.fromEntries(differs.map(([key]) => [key, method[key]])) };
}

/** The method as people read it: `grid`, `grid (order: shuffled)`, `sobol (scramble: true)`. */
export function describeMethod(spec: MethodSpec): string {
  const method = methodOf(spec);
  const options = Object.keys(samplerEntry(method.kind).options).map((key) => `${key}: ${String(method[key])}`);
  return options.length === 0 ? method.kind : `${method.kind} (${options.join(', ')})`;
}

/** The sweep's sampler, built from its definition. */
export function samplerOf(sweep: Sweep): Sampler {
  const method = methodOf(sweep.method);
  return samplerEntry(method.kind).create(sweep, method);
}

/** The sweep's static sampler; an adaptive one plans nothing up front. */
export function staticSampler(sweep: Sweep): StaticSampler {
  const sampler = samplerOf(sweep);
  if (sampler.adaptive) throw new Error(`method ${methodOf(sweep.method).kind} is adaptive: its trials are suggested as results arrive, not planned`);
  return sampler;
}
