// The search space: grid expansion and seeded random sampling, then trials = configs x repeats.
// Random config i is drawn from its own generator seeded by (seed, i), so raising `trials`
// keeps every config drawn before and adds new ones.

import { createHash } from 'node:crypto';
import { withDefaults, CAMEL_NAMES, REFERENCE_NAMES, type ScheduleInput } from '../schedule/params.js';
import { parameterNames } from '../schedule/validate.js';
import { mulberry32 } from '../train/random.js';
import type { Config, ParamSpec, Sweep } from './definition.js';
import { configHash, trialSeed } from './hash.js';

/** A config in the library's camelCase form, ready for curve(). */
export function toScheduleInput(config: Config): ScheduleInput {
  const out: Record<string, unknown> = { schedule: config.schedule };
  for (const [k, v] of Object.entries(config)) if (k !== 'schedule') out[CAMEL_NAMES[k] ?? k] = v;
  return out as unknown as ScheduleInput;
}

/** Fills in the schedule's defaults, so a default written out and one left out hash the same. */
export function normalizeConfig(config: Config): Config {
  const full = withDefaults(toScheduleInput(config)) as unknown as Record<string, unknown>;
  const out: Config = { schedule: config.schedule };
  // In the schedule's own parameter order, so stored params and exports read the same way.
  for (const k of parameterNames(config.schedule)) if (full[k] !== undefined && full[k] !== null) out[REFERENCE_NAMES[k] ?? k] = full[k];
  return out;
}

export interface Planned {
  config: Config;
  hash: string;
  repeat: number;
  seed: number;
  /** For each varied key, the index of its value in `values` (grid), or -1 (sampled). */
  origin: Record<string, number>;
}

function base(sweep: Sweep): Config {
  const { kind, ...fixed } = sweep.schedule;
  return { schedule: kind, ...fixed };
}

function* grid(sweep: Sweep): Generator<{ config: Config; origin: Record<string, number> }> {
  const keys = Object.keys(sweep.parameters);
  const lists = keys.map((k) => (sweep.parameters[k] as { values: unknown[] }).values);
  const index = keys.map(() => 0);
  if (lists.some((l) => l.length === 0)) return;
  while (true) {
    const config = base(sweep);
    const origin: Record<string, number> = {};
    keys.forEach((k, i) => {
      config[k] = lists[i][index[i]];
      origin[k] = index[i];
    });
    yield { config, origin };
    // Odometer: the last key varies fastest.
    let i = keys.length - 1;
    while (i >= 0 && ++index[i] === lists[i].length) index[i--] = 0;
    if (i < 0) return;
  }
}

function streamSeed(seed: number, i: number): number {
  return createHash('sha256').update(`random:${seed}:${i}`).digest().readUInt32LE(0);
}

export function sample(spec: ParamSpec, random: () => number): number | boolean | string {
  const u = random();
  if ('values' in spec) return spec.values[Math.min(spec.values.length - 1, Math.floor(u * spec.values.length))];
  const { min, max, distribution } = spec;
  if (distribution === 'int_uniform') return Math.min(max, Math.floor(min + u * (max - min + 1)));
  if (distribution === 'log_uniform') return Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min)));
  return min + u * (max - min);
}

function* random(sweep: Sweep): Generator<{ config: Config; origin: Record<string, number> }> {
  const keys = Object.keys(sweep.parameters).sort();
  for (let i = 0; i < (sweep.trials ?? 0); i++) {
    const rng = mulberry32(streamSeed(sweep.seed, i));
    const config = base(sweep);
    const origin: Record<string, number> = {};
    for (const k of keys) {
      config[k] = sample(sweep.parameters[k], rng);
      origin[k] = -1;
    }
    yield { config, origin };
  }
}

/** The given keys of a config (JSON text or object), for table columns and charts. */
export function pickParams(params: string | Record<string, unknown>, keys: readonly string[]): Record<string, number | string | null> {
  const p = typeof params === 'string' ? (JSON.parse(params) as Record<string, unknown>) : params;
  return Object.fromEntries(keys.map((k) => [k, (p[k] ?? null) as number | string | null]));
}

/** Distinct configs in order (a sampled duplicate is dropped), before repeats and budget. */
export function configs(sweep: Sweep): { config: Config; hash: string; origin: Record<string, number> }[] {
  const seen = new Set<string>();
  const out = [];
  for (const { config, origin } of sweep.method === 'grid' ? grid(sweep) : random(sweep)) {
    const normalized = normalizeConfig(config);
    const hash = configHash(normalized);
    if (seen.has(hash)) continue;
    seen.add(hash);
    out.push({ config: normalized, hash, origin });
  }
  return out;
}

/** Every trial of the sweep: each config `repeats` times, capped at budget.max_trials. */
export function plan(sweep: Sweep): Planned[] {
  const trials: Planned[] = [];
  for (const c of configs(sweep)) {
    for (let repeat = 0; repeat < sweep.repeats; repeat++) {
      trials.push({ config: c.config, hash: c.hash, repeat, seed: trialSeed(c.hash, repeat), origin: c.origin });
    }
  }
  return sweep.budget.max_trials === null ? trials : trials.slice(0, sweep.budget.max_trials);
}
