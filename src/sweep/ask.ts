// Trials created as results arrive: an adaptive sampler (samplers/, e.g. tpe) is asked for the
// next configs and their trials are added to storage, numbered after the sweep's others as
// addTrials numbers every trial (dense, in the order created).
//
// - History: rebuilt from storage at every ask (the stored history is the truth: nothing a kill
//   could lose lives in memory). One entry per config, in the order its first trial was created:
//   running while any of its repeats is not settled (the sampler's liar), else complete with the
//   mean objective of its complete repeats, diverged when one diverged, failed when all failed.
//   A maximize goal's objective is negated (samplers minimize).
// - Determinism: the random numbers are seeded from (sweep seed, number of trials so far), so the
//   same stored history and seed give the same suggestions, on any machine, after any restart.
// - Budget: `trials` configs (x repeats, capped by budget.max_trials); a config's repeats are
//   created together, repeat-major across a batch (every config's repeat 0, then repeat 1, ...),
//   so that with seeding: common a cohort claim finds one repeat of several configs under one seed.
// - Curves: a sampler that fits loss curves (the predict sampler: AdaptiveSampler.curves) gets the
//   points of its metric for the history's complete configs of the origins it names, read before
//   the lock (readCurves); a config completed since has none yet, and counts as not read.
// - Work before the lock: a sampler with prepare() (the predict sampler: its fits, seconds each)
//   is handed the history read just before the lock, and does its costly work then, in a fit
//   thread (fits/off-thread.ts), keeping it on its inputs' identity; under the lock suggest finds
//   it, unless the history changed meanwhile (then suggest does it under the lock, as before:
//   the lock holds only the decision, not the fit, in the usual case; correctness first otherwise).
//   The history is read once more for it (the trials' rows, before the lock).
// - A sampler may suggest fewer configs than asked (nothing now): the ask ends with what it has.
// - A suggestion the sweep already has, or one the schedule refuses (no length fits its cycles,
//   constraints drop it), is redrawn from the same random stream; after MAX_MISSES in a row the
//   ask gives what it has (a small discrete space can run out of new configs before `trials`).
// Who suggests: whichever process runs the sweep and has a free slot when no trial of it waits
// (source.ts): `run` on SQLite; on PostgreSQL every `run` and `lrsweep worker` serving the sweep,
// on any machine. No process is the sweep's suggester and none keeps a sampler in memory. Each
// ask is one transaction under the sweep's lock (Storage.askTrials): read the history, suggest,
// add the trials; two processes asking at once take turns, and the second's history holds the
// first's new trials (running, so the liar moves it elsewhere and a config never comes twice);
// numbers stay dense. On PostgreSQL the asker then enqueues the new trials' jobs (serve/upkeep.ts
// enqueueTrials) and takes work from the queue as any worker does: a kill between the two leaves
// them waiting without a job, which any worker's idle pass enqueues. The seed is still (sweep
// seed, trials so far): the same stored history gives the same suggestions whoever asks, but
// which history an ask sees depends on when results arrived, so with several workers (or several
// slots) a sweep's trials depend on arrival order. One process with --workers 1 is reproducible.

import { mulberry32 } from '../core/random.js';
import { lossPoints, type LossPoint } from '../predict/index.js';
import type { NewTrial, Storage, TrialRecord } from '../storage/types.js';
import { adaptiveConfigs, methodOf, samplerOf, type AdaptiveSampler, type AskContext, type Observed } from './samplers/index.js';
import type { Config, Sweep } from './definition.js';
import { sha256 } from './hash.js';
import { configOfValues, seedOf } from './space.js';

/** Redraws in a row (a suggestion already tried or refused) before an ask gives up. */
export const MAX_MISSES = 100;

const SETTLED = new Set(['complete', 'diverged', 'pruned', 'failed']);

/** Pruned trials' last steps, by trial id (what ranks pruned configs: the later stopped, the better). */
export type PrunedSteps = ReadonlyMap<number, number>;

/** Complete trials' points of the sampler's curve metric (AdaptiveSampler.curves), by trial id. */
export type TrialCurves = ReadonlyMap<number, LossPoint[]>;

/**
 * One entry per config, in creation order: what an adaptive sampler learns from. A config whose
 * repeats include a pruned one (and none diverged) is pruned: its objective is the mean of its
 * repeats' values, a pruned repeat's being its last reported value (as Optuna's TPE reads a pruned
 * trial), and its step the earliest of its pruned repeats' last steps (`prunedSteps`; unknown: none).
 */
export function historyOf(sweep: Sweep, trials: readonly TrialRecord[], prunedSteps: PrunedSteps = new Map(), curves: TrialCurves = new Map()): Observed[] {
  const byConfig = new Map<string, TrialRecord[]>();
  for (const t of [...trials].sort((a, b) => a.number - b.number)) {
    const list = byConfig.get(t.configHash);
    if (list) list.push(t);
    else byConfig.set(t.configHash, [t]);
  }
  const sign = sweep.objective.goal === 'maximize' ? -1 : 1;
  return [...byConfig.values()].map((repeats): Observed => {
    const params = repeats[0].params as Config;
    const known = { params, hash: repeats[0].configHash, origin: repeats[0].origin === 'plan' ? undefined : repeats[0].origin };
    if (repeats.length < sweep.repeats || repeats.some((t) => !SETTLED.has(t.state))) return { ...known, objective: null, state: 'running' };
    if (repeats.some((t) => t.state === 'diverged')) return { ...known, objective: null, state: 'diverged' };
    const valued = repeats.filter((t) => (t.state === 'complete' || t.state === 'pruned') && t.objective !== null);
    if (valued.length === 0) return { ...known, objective: null, state: 'failed' };
    const objective = sign * (valued.reduce((a, t) => a + t.objective!, 0) / valued.length);
    const pruned = repeats.filter((t) => t.state === 'pruned');
    if (pruned.length === 0) {
      // Its complete repeats' curves (a failed repeat has none, and must not hold the others back).
      const complete = repeats.filter((t) => t.state === 'complete');
      const read = complete.every((t) => curves.has(t.id)) ? { curves: complete.map((t) => curves.get(t.id)!) } : {};
      return { ...known, objective, state: 'complete', ...read };
    }
    const steps = pruned.map((t) => prunedSteps.get(t.id)).filter((x): x is number => x !== undefined);
    return { ...known, objective, state: 'pruned', ...(steps.length === pruned.length ? { step: Math.min(...steps) } : {}) };
  });
}

/** The seed of an ask's random numbers: the sweep's seed and how many trials it has. */
export function askSeed(sweep: Sweep, trialsSoFar: number): number {
  return sha256(`ask:${sweep.seed}:${trialsSoFar}`).readUInt32LE(0);
}

/** How many more configs the sweep may create: `trials` less those it has, within budget.max_trials. */
export function configsLeft(sweep: Sweep, configs: number, trials: number): number {
  const byConfigs = adaptiveConfigs(sweep) - configs;
  const byCap = sweep.budget.max_trials === null ? Infinity : Math.floor((sweep.budget.max_trials - trials) / sweep.repeats);
  return Math.max(0, Math.min(byConfigs, byCap));
}

/**
 * The trials of up to n new configs, given the sweep's trials so far (pure: the same trials and
 * sweep give the same result). `steps` is the trainer's step count.
 */
export function suggestTrials(sweep: Sweep, steps: number, trials: readonly TrialRecord[], n: number, prunedSteps?: PrunedSteps, curves?: TrialCurves): NewTrial[] {
  return suggest(sweep, steps, trials, n, prunedSteps, curves).trials;
}

/** What an ask tells the sampler besides the history: the trainer's steps and how the file builds a config. */
export function askContext(sweep: Sweep, steps: number): AskContext {
  return { steps, build: (values) => configOfValues(sweep, steps, values) };
}

/**
 * Why a new adaptive sweep could never create a trial (every draw of its first ask refused, e.g. a
 * fixed schedule that breaks the schedule's rules), or null: the file check's stand-in for
 * checking every config, which an adaptive sweep does not have yet.
 */
export function firstAskProblem(sweep: Sweep, steps: number): string | null {
  const { trials, lastProblem } = suggest(sweep, steps, [], 1);
  return trials.length === 0 ? lastProblem : null;
}

/** `made`: the sweep's sampler when the caller made it already (what it prepared is kept on it: the predict sampler's candidates). */
function suggest(sweep: Sweep, steps: number, trials: readonly TrialRecord[], n: number, prunedSteps?: PrunedSteps, curves?: TrialCurves, made?: AdaptiveSampler): { trials: NewTrial[]; lastProblem: string | null } {
  const history = historyOf(sweep, trials, prunedSteps, curves);
  const want = Math.min(n, configsLeft(sweep, history.length, trials.length));
  if (want <= 0) return { trials: [], lastProblem: null };
  const sampler = made ?? samplerOf(sweep);
  if (!sampler.adaptive) throw new Error(`method ${methodOf(sweep.method).kind} plans its trials: nothing to suggest`);
  const random = mulberry32(askSeed(sweep, trials.length));
  const seen = new Set(trials.map((t) => t.configHash));
  const chosen: { config: Config; hash: string; origin: 'startup' | 'model' | 'anchor' }[] = [];
  const pending: Observed[] = [];
  const context = askContext(sweep, steps);
  let misses = 0;
  let lastProblem: string | null = null;
  while (chosen.length < want && misses < MAX_MISSES) {
    // The configs chosen in this ask count as running, so the next one moves away from them.
    const [s] = sampler.suggest([...history, ...pending], 1, random, context);
    if (s === undefined) break; // nothing to suggest now
    const built = configOfValues(sweep, steps, s.params);
    if ('problem' in built || seen.has(built.hash)) {
      if ('problem' in built) lastProblem = built.problem;
      misses++;
      continue;
    }
    misses = 0;
    seen.add(built.hash);
    chosen.push({ ...built, origin: s.origin });
    pending.push({ params: built.config, hash: built.hash, origin: s.origin, objective: null, state: 'running' });
  }
  const out: NewTrial[] = [];
  for (let repeat = 0; repeat < sweep.repeats; repeat++) {
    for (const c of chosen) out.push({ configHash: c.hash, repeat, params: c.config, seed: seedOf(sweep, c.hash, repeat), origin: c.origin });
  }
  return { trials: out, lastProblem };
}

/**
 * Asks the sweep's sampler for up to n configs from its stored history and adds their trials, in
 * one transaction under the sweep's lock (Storage.askTrials); returns the trials added.
 */
export async function askAndAdd(storage: Storage, sweepId: number, sweep: Sweep, steps: number, n: number, cache: Map<number, number> = new Map(),
  curveCache: Map<number, LossPoint[]> = new Map()): Promise<TrialRecord[]> {
  // Pruned trials' last steps, read before the lock (a trial pruned since has no step yet: ranked
  // by its value among pruned ones); `cache` keeps them across asks, as a pruned trial never changes.
  const pruned = await storage.trials(sweepId, { state: 'pruned' });
  const unknown = pruned.filter((t) => !cache.has(t.id)).map((t) => t.id);
  if (unknown.length > 0) {
    for (const [id, points] of await storage.points(unknown)) {
      const stepped = points.filter((p) => p.step !== null);
      if (stepped.length > 0) cache.set(id, Math.max(...stepped.map((p) => p.step!)));
    }
  }
  const adaptive = sampler(sweep);
  const curves = await readCurves(storage, sweepId, steps, adaptive, curveCache);
  if (adaptive?.prepare) {
    // Its costly work (the predict sampler's fits, in a fit thread) before the lock, on the history
    // as it stands now: under the lock, suggest finds it done unless the history changed meanwhile.
    await adaptive.prepare(historyOf(sweep, await storage.trials(sweepId), cache, curves), askContext(sweep, steps));
  }
  return storage.askTrials(sweepId, (trials) => suggest(sweep, steps, trials, n, cache, curves, adaptive ?? undefined).trials);
}

function sampler(sweep: Sweep): AdaptiveSampler | null {
  const s = samplerOf(sweep);
  return s.adaptive ? s : null;
}

/**
 * The points of the sampler's curve metric of every complete trial of its curve origins, read
 * before the lock as pruned steps are (a trial completed since has none yet: its config counts as
 * not read, and a later ask, made after it, reads it); `cache` keeps them across asks, as a
 * complete trial never changes.
 */
export async function readCurves(storage: Storage, sweepId: number, steps: number, s: AdaptiveSampler | null, cache: Map<number, LossPoint[]>): Promise<TrialCurves> {
  if (!s?.curves) return cache;
  const { metric, origins } = s.curves;
  const complete = (await storage.trials(sweepId, { state: 'complete' })).filter((t) => (origins as readonly string[]).includes(t.origin) && !cache.has(t.id));
  if (complete.length > 0) for (const [id, points] of await storage.points(complete.map((t) => t.id))) cache.set(id, lossPoints(points, metric, steps));
  for (const t of complete) if (!cache.has(t.id)) cache.set(t.id, []); // no points at all: an empty curve (the sampler says what it needs)
  return cache;
}
