// The search space: the sweep's sampler (samplers/: grid, random, sobol) draws configs, and this
// turns them into trials: cycles derived, defaults filled in, constraints and duplicates dropped,
// each config `repeats` times, capped by budget.max_trials. Everything is lazy: configs are
// counted without being built, and generated one at a time, so a huge grid is refused by its
// count and budget.max_trials is applied without building the rest.

import { deriveFirstCycleSteps, endsAtFinalStep } from '../schedule/fit.js';
import { PARAMETERS, fromReferenceNames, withDefaults } from '../schedule/params.js';
import { keyRef, kindOf } from '../schedule/kinds/index.js';
import { resolveSchedule } from '../schedule/schedule.js';
import { CYCLES, type Config, type Sweep } from './definition.js';
import { commonSeed, configHash, trialSeed } from './hash.js';
import { baseConfig } from './samplers/draw.js';
import { adaptiveConfigs, isAdaptive, staticSampler } from './samplers/index.js';
import { streamSeed } from './samplers/random.js';
import { CLI } from '../core/cli-name.js';

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

/** The kind key of `parameters` when the kind varies (`kind: { values: [cawr, one_cycle] }`). */
export const KIND = 'kind';

/**
 * A draw of a sweep whose kind varies, as its kind sees it: the kind it drew (as `schedule`, and
 * kept as `kind`, the varied parameter, so tables, exports and samplers read it like any other) and
 * only that kind's keys; the values drawn for the other kinds' parameters, and the fixed keys no
 * kind of its has, are dropped. A draw of a sweep with one kind (no `kind` key) is returned as is.
 */
export function ownConfig(config: Config): Config {
  if (config[KIND] === undefined) return config;
  const kind = kindOf(config[KIND]);
  const known = new Set([...kind.parameters.map((d) => d.ref), ...(kind.fit ? [CYCLES] : [])]);
  const out: Config = { schedule: kind.name, [KIND]: kind.name };
  for (const [k, v] of Object.entries(config)) if (known.has(k)) out[k] = v;
  return out;
}

/** Fills in the schedule's defaults, so a default written out and one left out hash the same. */
export function normalizeConfig(config: Config): Config {
  const full = withDefaults(fromReferenceNames(config)) as unknown as Record<string, unknown>;
  const out: Config = { schedule: config.schedule };
  // A sweep whose kind varies keeps it as a parameter (ownConfig); a one-kind config never has it, so its hash is unchanged.
  if (config[KIND] !== undefined) out[KIND] = config[KIND];
  // In the schedule's own parameter order, so stored params and exports read the same way.
  for (const d of PARAMETERS[config.schedule]) if (full[d.name] !== undefined && full[d.name] !== null) out[d.ref] = full[d.name];
  if (config[CYCLES] !== undefined) out[CYCLES] = config[CYCLES];
  return out;
}

/**
 * A config with `cycles`: first_cycle_steps (t_0) becomes the largest whose first `cycles` cycles
 * fit in `steps`, and max_cycles = cycles holds any leftover steps at min_lr (a kind without
 * max_cycles, sgdr, must end its cycles exactly at the last step). Returns the config, or why no
 * length fits.
 */
export function deriveCycles(config: Config, steps: number): { config: Config; leftover: number } | { problem: string } {
  const cycles = config[CYCLES] as number;
  const input = fromReferenceNames(config) as unknown as Record<string, unknown>;
  const derived = deriveFirstCycleSteps({ steps, cycles, shape: input as never });
  const kind = kindOf(config.schedule);
  const length = keyRef(kind, 'length')!;
  if (derived === null) return { problem: `no ${length} fits ${cycles} cycles in the trainer's ${steps} steps with these cycle_mult and warmup_steps` };
  const maxCycles = keyRef(kind, 'maxCycles');
  if (maxCycles === null && derived.leftover > 0) {
    return { problem: `${kind.name} has no max_cycles to hold leftover steps: ${cycles} cycles end at step ${derived.end}, not at the last of the trainer's ${steps} steps (${CLI} fit lists the budgets that fit)` };
  }
  const out: Config = { ...config, [length]: derived.firstCycleSteps };
  if (derived.maxCycles !== null && maxCycles !== null) out[maxCycles] = derived.maxCycles;
  return { config: out, leftover: derived.leftover };
}

/**
 * How many configs the sampler plans, before duplicates are dropped: an upper bound, computed
 * without building them. With the trainer's `steps`, an adaptive sampler that can count what its
 * space gives (the predict sampler: its distinct anchors and untried candidates) counts exactly that.
 */
export function countConfigs(sweep: Sweep, steps?: number): number {
  // An adaptive sampler creates its configs (`trials`, or as it counts them) as results arrive (ask.ts), none planned.
  if (!isAdaptive(sweep)) return staticSampler(sweep).count();
  return adaptiveConfigs(sweep, steps === undefined ? undefined : { steps, build: (values) => configOfValues(sweep, steps, values) });
}

/** How many trials the sweep will have at most: configs x repeats, capped by budget.max_trials (`steps`: as countConfigs). */
export function countTrials(sweep: Sweep, steps?: number): number {
  const cap = sweep.budget.max_trials;
  // An adaptive sampler creates a config's repeats together (ask.ts configsLeft): whole configs only.
  if (isAdaptive(sweep)) return (cap === null ? countConfigs(sweep, steps) : Math.min(countConfigs(sweep, steps), Math.floor(cap / sweep.repeats))) * sweep.repeats;
  const n = countConfigs(sweep) * sweep.repeats;
  return cap === null ? n : Math.min(n, cap);
}

/**
 * At most how many trials plan() yields, without building a config: countTrials, except that a
 * random sweep's configs are counted as its distinct sample streams (samples whose 32-bit stream
 * seeds collide are one config: about a hundred of 10^6 samples), so it is exact for most sweeps.
 * Configs dropped otherwise (constraints, a grid's repeated value, equal discrete draws) make it
 * an overcount, never an undercount. About a second for 10^6 samples.
 */
export function countTrialsAtMost(sweep: Sweep): number {
  if (sweep.method !== 'random') return countTrials(sweep);
  const samples = sweep.trials ?? 0;
  const seeds = new Uint32Array(samples);
  for (let i = 0; i < samples; i++) seeds[i] = streamSeed(sweep.seed, i);
  seeds.sort();
  let configs = samples > 0 ? 1 : 0;
  for (let i = 1; i < samples; i++) if (seeds[i] !== seeds[i - 1]) configs++;
  const n = configs * sweep.repeats;
  return sweep.budget.max_trials === null ? n : Math.min(n, sweep.budget.max_trials);
}

/** The given keys of a config, for table columns and charts. */
export function pickParams(params: Record<string, unknown>, keys: readonly string[]): Record<string, number | string | null> {
  return Object.fromEntries(keys.map((k) => [k, (params[k] ?? null) as number | string | null]));
}

/** What planning dropped or derived, for --dry-run. */
export interface PlanStats {
  /** Configs dropped by constraints.end_at_cycle_end. */
  dropped: number;
  /** With `cycles`: the leftover steps (held at min_lr) of each config, by count. */
  leftovers: Map<number, number>;
}

export interface PlannedConfig {
  config: Config;
  hash: string;
  origin: Record<string, number>;
  /** Why the config cannot run (no length fits its cycles); such a config has no hash. */
  problem?: string;
}

/**
 * Distinct configs in order (a sampled duplicate is dropped), before repeats and budget; lazily.
 * `steps` is the trainer's step count: `cycles` are derived from it and constraints checked on it.
 */
export function* configs(sweep: Sweep, steps: number, stats?: PlanStats): Generator<PlannedConfig> {
  const seen = new Set<string>();
  const sampler = staticSampler(sweep);
  // A redrawing sampler's stream runs on: it stops at count() configs, or once `misses` draws in a
  // row added none (its space has fewer distinct configs than asked, or constraints keep almost none).
  const wanted = sampler.count();
  const misses = Math.max(1024, wanted);
  let planned = 0;
  let missed = 0;
  for (const { config, origin } of sampler.draws()) {
    if (sampler.redraws && (planned >= wanted || missed >= misses)) return;
    missed++;
    let full = ownConfig(config);
    if (full[CYCLES] !== undefined) {
      const derived = deriveCycles(full, steps);
      if ('problem' in derived) {
        planned++;
        missed = 0;
        yield { config: full, hash: '', origin, problem: derived.problem };
        continue;
      }
      full = derived.config;
      stats?.leftovers.set(derived.leftover, (stats.leftovers.get(derived.leftover) ?? 0) + 1);
    }
    const normalized = normalizeConfig(full);
    if (sweep.constraints.end_at_cycle_end) {
      const input = fromReferenceNames(normalized);
      let ends = false;
      try {
        ends = endsAtFinalStep(resolveSchedule(input), steps);
      } catch {
        ends = true; // an invalid config is reported by the checks, not dropped here
      }
      if (!ends) {
        if (stats) stats.dropped++;
        continue;
      }
    }
    const hash = configHash(normalized);
    if (seen.has(hash)) continue;
    seen.add(hash);
    planned++;
    missed = 0;
    yield { config: normalized, hash, origin };
  }
}

/**
 * The config of the given varied values (a suggestion, or a stored suggested trial's params): the
 * schedule's fixed keys, cycles derived, defaults filled in, as configs() builds each draw; or
 * why it cannot run (no length fits its cycles, constraints drop it, the schedule refuses it).
 */
export function configOfValues(sweep: Sweep, steps: number, varied: Record<string, unknown>): { config: Config; hash: string } | { problem: string } {
  let full = ownConfig({ ...baseConfig(sweep), ...varied } as Config);
  if (full[CYCLES] !== undefined) {
    const derived = deriveCycles(full, steps);
    if ('problem' in derived) return derived;
    full = derived.config;
  }
  const normalized = normalizeConfig(full);
  try {
    const ends = endsAtFinalStep(resolveSchedule(fromReferenceNames(normalized)), steps);
    if (sweep.constraints.end_at_cycle_end && !ends) return { problem: 'constraints.end_at_cycle_end drops it' };
  } catch (e) {
    return { problem: (e as Error).message.split('\n')[0] };
  }
  return { config: normalized, hash: configHash(normalized) };
}

/** A trial's identity within its sweep, as a map key: its config hash and repeat. */
export const trialKey = (hash: string, repeat: number) => `${hash}:${repeat}`;

/** A trial's seed under the sweep's seeding. */
export function seedOf(sweep: Sweep, hash: string, repeat: number): number {
  return sweep.seeding.mode === 'common' ? commonSeed(sweep.seeding.base, repeat) : trialSeed(hash, repeat);
}

/** Every trial of the sweep, lazily: each config `repeats` times, stopping at budget.max_trials. */
export function* plan(sweep: Sweep, steps: number, stats?: PlanStats): Generator<Planned> {
  const cap = sweep.budget.max_trials ?? Infinity;
  let n = 0;
  for (const c of configs(sweep, steps, stats)) {
    if (c.problem) throw new Error(`a config the sweep file checks refused reached planning: ${c.problem}`);
    for (let repeat = 0; repeat < sweep.repeats; repeat++) {
      if (n++ >= cap) return;
      yield { config: c.config, hash: c.hash, repeat, seed: seedOf(sweep, c.hash, repeat), origin: c.origin };
    }
  }
}
