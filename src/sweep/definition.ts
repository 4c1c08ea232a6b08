// What a sweep file says, once parsed and checked (the user's YAML/JSON is read in file.ts).
// Schedule keys use the reference's names (first_cycle_steps, cycle_mult, ...; sgdr: t_0, t_mult,
// eta_min, base_lr); the library's camelCase form is made only where a curve is computed.

import type { Metric } from '../train/types.js';
import type { ScheduleName } from '../schedule/params.js';

export type Distribution = 'uniform' | 'int_uniform' | 'log_uniform';
export const DISTRIBUTIONS: readonly Distribution[] = ['uniform', 'int_uniform', 'log_uniform'];

export type ParamSpec =
  | { values: (number | boolean | string)[] }
  | { min: number; max: number; distribution: Distribution };

export interface Sweep {
  name: string;
  schedule: { kind: ScheduleName } & Record<string, unknown>;
  /** What varies, in the file's order. */
  parameters: Record<string, ParamSpec>;
  method: 'grid' | 'random';
  /** Number of sampled configs (random only). */
  trials: number | null;
  seed: number;
  repeats: number;
  objective: { metric: Metric; goal: 'minimize' | 'maximize'; summary: 'last' | 'best' };
  trainer: { kind: string } & Record<string, unknown>;
  budget: { max_trials: number | null; workers: number | null; trial_timeout: number | null };
}

/** One config: the schedule's full parameters (defaults filled in), reference names, plus kind. */
export type Config = { schedule: ScheduleName } & Record<string, unknown>;

/** The parts of a definition that decide which trials exist and what they measure. */
export function identity(s: Sweep): unknown {
  const { budget, ...rest } = s;
  return { ...rest, max_trials: budget.max_trials };
}

/** Keys whose change --extend accepts: they only add configs. */
export const EXTENDABLE = ['parameters', 'method', 'trials', 'seed', 'repeats', 'max_trials', 'schedule'];
