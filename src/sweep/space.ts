// The search space: grid expansion and seeded random sampling, then trials = configs x repeats.
// Everything is lazy: configs are counted without being built, and generated one at a time, so a
// huge grid is refused by its count and budget.max_trials is applied without building the rest.
// Random config i is drawn from its own generator seeded by (seed, i), so raising `trials`
// keeps every config drawn before and adds new ones.

import { createHash } from 'node:crypto';
import { mulberry32 } from '../core/random.js';
import { PARAMETERS, fromReferenceNames, withDefaults } from '../schedule/params.js';
import type { Config, ParamSpec, Sweep } from './definition.js';
import { commonSeed, configHash, trialSeed } from './hash.js';

/**
 * The most trials one sweep may have (configs x repeats, after budget.max_trials). Each trial is
 * a row and a unit of work; past this, registering and ranking stop being interactive.
 */
export const MAX_TRIALS = 1_000_000;

export interface Planned {
  config: Config;
  hash: string;
  repeat: number;
  seed: number;
  /** For each varied key, the index of its value in `values` (grid), or -1 (sampled). */
  origin: Record<string, number>;
}

/** Fills in the schedule's defaults, so a default written out and one left out hash the same. */
export function normalizeConfig(config: Config): Config {
  const full = withDefaults(fromReferenceNames(config)) as unknown as Record<string, unknown>;
  const out: Config = { schedule: config.schedule };
  // In the schedule's own parameter order, so stored params and exports read the same way.
  for (const d of PARAMETERS[config.schedule]) if (full[d.name] !== undefined && full[d.name] !== null) out[d.ref] = full[d.name];
  return out;
}

function base(sweep: Sweep): Config {
  const { kind, ...fixed } = sweep.schedule;
  return { schedule: kind, ...fixed };
}

/** How many configs the method generates before duplicates are dropped: an upper bound, computed without building them. */
export function countConfigs(sweep: Sweep): number {
  if (sweep.method === 'random') return sweep.trials ?? 0;
  return Object.values(sweep.parameters).reduce((n, spec) => n * ('values' in spec ? spec.values.length : 1), 1);
}

/** How many trials the sweep will have at most: configs x repeats, capped by budget.max_trials. */
export function countTrials(sweep: Sweep): number {
  const n = countConfigs(sweep) * sweep.repeats;
  return sweep.budget.max_trials === null ? n : Math.min(n, sweep.budget.max_trials);
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

/** The given keys of a config, for table columns and charts. */
export function pickParams(params: Record<string, unknown>, keys: readonly string[]): Record<string, number | string | null> {
  return Object.fromEntries(keys.map((k) => [k, (params[k] ?? null) as number | string | null]));
}

/** Distinct configs in order (a sampled duplicate is dropped), before repeats and budget; lazily. */
export function* configs(sweep: Sweep): Generator<{ config: Config; hash: string; origin: Record<string, number> }> {
  const seen = new Set<string>();
  for (const { config, origin } of sweep.method === 'grid' ? grid(sweep) : random(sweep)) {
    const normalized = normalizeConfig(config);
    const hash = configHash(normalized);
    if (seen.has(hash)) continue;
    seen.add(hash);
    yield { config: normalized, hash, origin };
  }
}

/** A trial's seed under the sweep's seeding. */
export function seedOf(sweep: Sweep, hash: string, repeat: number): number {
  return sweep.seeding.mode === 'common' ? commonSeed(sweep.seeding.base, repeat) : trialSeed(hash, repeat);
}

/** Every trial of the sweep, lazily: each config `repeats` times, stopping at budget.max_trials. */
export function* plan(sweep: Sweep): Generator<Planned> {
  const cap = sweep.budget.max_trials ?? Infinity;
  let n = 0;
  for (const c of configs(sweep)) {
    for (let repeat = 0; repeat < sweep.repeats; repeat++) {
      if (n++ >= cap) return;
      yield { config: c.config, hash: c.hash, repeat, seed: seedOf(sweep, c.hash, repeat), origin: c.origin };
    }
  }
}
