// What a sweep file says, once parsed and checked (the user's YAML/JSON is read in file.ts), and
// what it means for identity: which keys decide the trials, which a newer lrsweep added later.
// Schedule keys use the reference's names (first_cycle_steps, cycle_mult, ...; each kind's table
// in schedule/kinds/); the library's camelCase form is made only where a curve is computed.

import type { Goal } from '../core/trial.js';
import type { KindName } from '../schedule/kinds/index.js';
import type { PrunerSpec } from './pruners/index.js';

export type Distribution = 'uniform' | 'int_uniform' | 'log_uniform';
export const DISTRIBUTIONS: readonly Distribution[] = ['uniform', 'int_uniform', 'log_uniform'];

export type ParamSpec =
  | { values: (number | boolean | string)[] }
  | { min: number; max: number; distribution: Distribution };

export type SeedingMode = 'common' | 'per_config';

/** The samplers a sweep file can name (each one's options and rules: samplers/). */
export type MethodName = 'grid' | 'random' | 'sobol' | 'tpe' | 'predict';

/**
 * `method` as stored: the sampler's name when every option is its default (what an older lrsweep
 * stored), else its kind and the options that differ (samplers/index.ts canonicalMethod).
 */
export type MethodSpec = MethodName | ({ kind: MethodName } & Record<string, unknown>);

export interface Sweep {
  name: string;
  schedule: { kind: KindName } & Record<string, unknown>;
  /** What varies, in the file's order. */
  parameters: Record<string, ParamSpec>;
  method: MethodSpec;
  /** How many configs the sampler draws (random, sobol), or at most takes of the grid (null: all). */
  trials: number | null;
  seed: number;
  repeats: number;
  /**
   * common (default): repeat r of every config gets the same seed, from `base` and r, so configs
   * differ only in their LR curve. per_config: the seed comes from the config hash and r.
   */
  seeding: { mode: SeedingMode; base: number };
  objective: { metric: string; goal: Goal; summary: 'last' | 'best' };
  /** The trainer section, normalized: kind plus the trainer's own keys (see sweep/trainer.ts). */
  trainer: { kind: string } & Record<string, unknown>;
  budget: { max_trials: number | null; workers: number | null; trial_timeout: number | null; cohort_size: number | null };
  /** end_at_cycle_end: drop configs whose last cycle does not end at the trainer's final step. */
  constraints: { end_at_cycle_end: boolean };
  /** Lint rules (schedule/lint.ts) and file warnings (file/warnings.ts) not to warn about. */
  lint: { ignore: string[] };
  /**
   * Stops trials early (pruners/): its kind and the options that differ from their defaults.
   * Absent (never null): no pruner, which is what every sweep before pruners had. Not part of
   * the identity: a pruner changes which trials finish, not what any trial measures.
   */
  pruner?: PrunerSpec;
}

/** One config: the schedule's full parameters (defaults filled in), reference names, plus kind. */
export type Config = { schedule: KindName } & Record<string, unknown>;

/**
 * The parts of a definition that decide which trials exist and what they measure (not the budget,
 * the lint settings or the pruner). A sweep whose kind varies stores schedule.kind as its first
 * listed kind, which decides nothing (each config takes its kind from parameters.kind): it is left
 * out, so listing a kind in front (--extend) changes only parameters.kind, and a stored sweep
 * compares as it always did.
 */
export function identity(s: Sweep): unknown {
  const { budget, lint: _lint, pruner: _pruner, ...rest } = s;
  // ?.: a stored definition need not have a parameters section (copy compares what stores hold).
  if (s.parameters?.kind !== undefined) {
    const { kind: _first, ...schedule } = s.schedule;
    return { ...rest, schedule, max_trials: budget.max_trials };
  }
  return { ...rest, max_trials: budget.max_trials };
}

/** Keys whose change --extend accepts: they only add configs. */
export const EXTENDABLE = ['parameters', 'method', 'trials', 'seed', 'repeats', 'max_trials', 'schedule'];

/**
 * Keys added after the first definition format, with the value that reproduces what the older
 * lrsweep did. A stored definition without such a key is read with its legacy value; a file that
 * does not mention the key takes the stored sweep's value, so an unchanged file resumes its sweep.
 */
export const LEGACY: Partial<Record<keyof Sweep, unknown>> = {
  seeding: { mode: 'per_config', base: 0 },
  constraints: { end_at_cycle_end: false },
  lint: { ignore: [] },
};

/**
 * Keys of a built-in trainer's section added after the first definition format, per kind, with the
 * value that reproduces what the older lrsweep did. They follow LEGACY's rule inside `trainer`: a
 * stored sweep without the key is read with its legacy value, a file silent on it takes the stored
 * sweep's value, and the key stays out of what is stored while the file is silent. A new sweep
 * stores the key (with its default when the file is silent), so it keeps its own value too.
 * mlp's engine: sweeps before it trained with tfjs, and keep doing so (the wasm engine's numbers
 * agree only within float32 rounding; a sweep's trials compare under one engine).
 */
export const TRAINER_LEGACY: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  mlp: { engine: 'tfjs' },
};

/** The trainer section's legacy keys, as `written` and `legacy` name them: trainer.<key>. */
export const trainerLegacyPath = (key: string) => `trainer.${key}`;

/**
 * Trials per cohort for trainers that train in lockstep, unless budget.cohort_size says: on the
 * built-in MLP, 16 trained 4.9 to 8.5x as many trial-steps per CPU second as 1, and 64 no more
 * than 16 (npm run bench cohort), while smaller units keep two workers evenly busy.
 */
export const DEFAULT_COHORT_SIZE = 16;

/** The config key that sets first_cycle_steps (t_0) from a number of cycles that fit the trainer's steps. */
export const CYCLES = 'cycles';

/** A stored definition with the keys its format predates filled with their legacy values. */
export function upgradeDefinition(stored: Record<string, unknown>): Sweep {
  const out = { ...stored } as Record<string, unknown>;
  for (const [key, value] of Object.entries(LEGACY)) if (out[key] === undefined) out[key] = value;
  const budget = (out.budget ?? {}) as Record<string, unknown>;
  out.budget = { cohort_size: null, ...budget };
  const trainer = out.trainer as Sweep['trainer'] | undefined;
  const legacyKeys = trainer ? TRAINER_LEGACY[trainer.kind] : undefined;
  if (trainer && legacyKeys) out.trainer = { ...legacyKeys, ...trainer };
  return out as unknown as Sweep;
}
