// What every static sampler shares: the config a draw starts from (the schedule's fixed keys) and
// how a number in [0, 1) becomes a parameter's value (random and sobol map the same way).

import type { Config, ParamSpec, Sweep } from '../definition.js';

/** One config as a sampler draws it (before `cycles` are derived and defaults filled in). */
export interface Draw {
  config: Config;
  /** For each varied key, the index of its value in `values` (grid), or -1 (sampled). */
  origin: Record<string, number>;
}

/** The schedule's fixed keys: what every config of the sweep starts from. */
export function baseConfig(sweep: Sweep): Config {
  const { kind, ...fixed } = sweep.schedule;
  return { schedule: kind, ...fixed };
}

/**
 * A parameter's value for u in [0, 1): a value of `values` (u's share of the list), or a point of
 * [min, max] (uniform, on a log scale for log_uniform, or an integer for int_uniform, each integer
 * taking an equal share). Equal strata of u map onto equal shares of the range.
 */
export function valueAt(spec: ParamSpec, u: number): number | boolean | string {
  if ('values' in spec) return spec.values[Math.min(spec.values.length - 1, Math.floor(u * spec.values.length))];
  const { min, max, distribution } = spec;
  if (distribution === 'int_uniform') return Math.min(max, Math.floor(min + u * (max - min + 1)));
  if (distribution === 'log_uniform') return Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min)));
  return min + u * (max - min);
}
