// predict: train a few anchor runs, fit the Multi-Power Law (src/predict/, issue 19) to their
// training-loss curves, predict every candidate config of the file's space from its exact LR
// curve, and train only the predicted best: an adaptive sampler on the samplers' seam (ask.ts
// asks it; it keeps no state, the stored history is the truth).
//
// The sweep file: `method: { kind: predict, ...options }`:
// - anchors (default [constant, cosine, restarts]): the runs trained first, planned from the file
//   alone. Each is a preset or a mapping of schedule keys over the file's fixed ones:
//     constant  the peak LR all run long: floor = peak, one cycle of the trainer's steps, no warmup
//     cosine    one cycle over the trainer's steps (the file's warmup and floor)
//     restarts  a restart schedule of the file's family that exercises what the space varies
//               (on the recorded char-LM grid, two seeds: a restart anchor without
//               warmup left the law ranking it at Spearman 0.41/0.53, one without gamma < 1 at
//               0.62/0.85, this rule's 500/2/0.5/50 at 0.94/0.88; 4 equal cycles 0.76/0.84):
//               - each varied key but the peak and the cycle length: its values without the
//                 kind's default (the value that leaves the feature off: gamma 1, warmup 0,
//                 cycle_mult 1) when others remain, and of those the lower median (numbers) or
//                 the first listed; a min/max range gives its midpoint (geometric for
//                 log_uniform, rounded down for int_uniform). A key the file fixes keeps its value.
//               - the cycle length, as the file writes it (first_cycle_steps, or `cycles`): of
//                 the lengths the space has (its values, a range's midpoint, or the fixed one),
//                 the one giving the fewest restarts that is still MIN_RESTARTS (2) or more inside
//                 the trainer's steps with the values above (among equals the longest first
//                 cycle): restarts the fit can see, without the many short cycles the law is
//                 known to mispredict. When none gives 2, three cycles fill the steps (`cycles:
//                 3` where the file uses cycles; else the first length when they fill the steps
//                 exactly, or `cycles: 3` with max_cycles holding the leftover at the floor).
//               So it is the space's own config where the space has one (on bench/record/
//               charlm-grid.yaml: 500/2/0.5/50, each key's non-trivial lower median).
//   The peak is the file's max_lr (its largest value where max_lr varies). The issue's evidence:
//   without a restart anchor the law mispredicted restart schedules badly. Anchors are trials
//   with origin `anchor`; a worker trains one only if it is one of these (plan-check.ts). An
//   anchor inside the space (a config the file's parameters can give) is ranked like any trial;
//   one outside it is not (sweep/ranking.ts; plan-check.ts anchorMarks says which is which).
// - metric (default train_loss): the metric that carries the training loss, reported many times
//   a run (per step, or per window: the law is fitted to each window's mean).
// - candidates (default grid): the configs predicted: the grid of the values lists, or N (at most
//   MAX_CANDIDATES) scrambled Sobol points of the parameters (sobol.ts's sequence), which ranges
//   need.
// - top_k (default 5): the candidates predicted best that are trained (origin model), in predicted
//   order; explore (default 0): further candidates drawn uniformly from the rest, seeded by the
//   sweep's seed (origin model too), a guard against a law that is confidently wrong, created
//   once the top_k are.
// - batch (default 2): the shortlist is refitted as its results arrive. Pick k (from 1) is chosen
//   by the law fitted to the anchors plus the shortlist's picks 1..k-batch that completed with a
//   usable curve (in number order; a failed, diverged or pruned pick adds nothing), so it waits
//   until those have settled and their curves are read: at most `batch` picks train at once, and
//   the same results give the same pick however the asks are split. A refit that fails leaves the
//   anchors' fit to decide that pick. batch >= top_k: one fit on the anchors, every pick at once.
//   The evidence (bench/predict.ts, the char-LM grid, seed noise sd 0.008): regret of anchors + 5
//   0.0024/0.0151 with one fit, 0.0024/0.0000 refitted after every 2.
// - on_fit_failure (default stop): an anchor that failed, diverged or has no usable curve, or a
//   fit that does not converge, creates no further trial (stop), or trains top_k + explore
//   candidates in the file's plain order instead (fallback: the grid's listed order, or the Sobol
//   points' order; origin startup, no model chose them). `run` prints the reason in one line.
// `trials`, when given, caps the configs created (anchors first); without it the sweep creates
// anchors + top_k + explore configs, or what the space gives when that is less (reachable():
// a sweep that created them all is done); one stopped by a failed fit is done too (ended(): its fit too is made in a
// fit thread, and only when the answer needs it). Only trained trials are ranked: the law's values are
// off by 0.02–0.05 nats on the issue's evidence, a shortlist to confirm by training, never a result.
//
// Determinism: the anchors come from the file; the fit's seed is the sweep's seed; the candidate
// list, the order and the exploration picks depend only on the file and the stored points of the
// anchors and of the picks each decision waits for. So the same sweep and the same results give
// the same shortlist whichever process asks, on one worker or many. The ask's random numbers are
// not used.
// Cohorts: an ask for n configs returns every anchor not created yet, then every shortlisted
// config it may create now (up to batch), up to n, so a lockstep trainer's cohort-sized ask
// creates them together; under seeding: common (the default) repeat r of every config shares its
// seed, so they train as one cohort. A pruner is never asked about an anchor (dispatch.ts): the
// law needs its whole curve.
// Cost: each fit is kept (FITS) on the identity of what it fitted (the configs' hashes and points,
// the candidates, steps, metric and seed), so asks that fit the same set pay for it once per process.
// Where the fits run: ask.ts calls prepare() before it takes the sweep's lock, on the history read
// then; it walks the decision and makes each fit it needs in a fit thread (sweep/fits/), so neither
// the lock nor the asking thread is held for them. Under the lock, suggest() finds them kept, unless
// the history changed meanwhile; a fit it does not find (or one whose thread failed) it makes on its
// own thread, under the lock, as before: the same history gives the same decision either way.
// Measured on a 2-core machine under load (load average 8): 3 anchors of 600 steps, 1.6 s; of
// 10^4 steps, with 10^4 Sobol candidates of 10^4 steps, 14–22 s in all, most of it the fit (the
// candidates' predictions about 0.3 ms each).

import { createHash } from 'node:crypto';
import { TRAINING_LOSS } from '../../core/trial.js';
import { mulberry32, permutation } from '../../core/random.js';
import { isRecord } from '../../core/problems.js';
import { rules } from '../../core/rules.js';
import { keyRef, kindOf, parameterOf } from '../../schedule/kinds/index.js';
import { countRestarts } from '../../schedule/curve.js';
import { deriveFirstCycleSteps } from '../../schedule/fit.js';
import { declaration, fromReferenceNames } from '../../schedule/params.js';
import type { RankedCandidates } from '../../predict/shortlist.js';
import { curveProblem, type LossPoint } from '../../predict/windows.js';
import { CYCLES, type Config, type ParamSpec, type Sweep } from '../definition.js';
import { configHash, sha256 } from '../hash.js';
import { rankingOrWhy, type RankingInput } from '../fits/jobs.js';
import { fitOffThread } from '../fits/off-thread.js';
import { baseConfig } from './draw.js';
import { grid, gridSize } from './grid.js';
import { MAX_SOBOL_DIMENSIONS, sobol } from './sobol.js';
import type { AskContext, Method, Observed, SamplerEntry, StaticSampler, Suggestion } from './sampler.js';

export const ANCHOR_PRESETS = ['constant', 'cosine', 'restarts'] as const;
export const DEFAULT_ANCHORS: readonly string[] = [...ANCHOR_PRESETS];
/** Restarts the restarts anchor puts inside the trainer's steps, at least. */
export const MIN_RESTARTS = 2;
export const FIT_FAILURES = ['stop', 'fallback'] as const;
export const MAX_CANDIDATES = 100_000;
export const MAX_ANCHORS = 10;

const anchorsRule = (v: unknown): string | null =>
  Array.isArray(v) && v.length >= 1 && v.length <= MAX_ANCHORS &&
  v.every((a) => (ANCHOR_PRESETS as readonly unknown[]).includes(a) || (isRecord(a) && Object.keys(a).length > 0))
    ? null
    : `must be a list of 1 to ${MAX_ANCHORS} anchors, each ${ANCHOR_PRESETS.join(', ')} or a mapping of schedule keys (e.g. {first_cycle_steps: 500})`;

const candidatesRule = (v: unknown): string | null =>
  v === 'grid' || (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_CANDIDATES)
    ? null : `must be grid or an integer from 1 to ${MAX_CANDIDATES} (Sobol points of the parameters)`;

/** An anchor as the file plans it: its name (a preset's, or anchors[i]), key path, and values over the file's fixed keys. */
export interface AnchorPlan {
  name: string;
  path: string;
  values: Record<string, unknown>;
}

/** The file's peak LR: max_lr (or the kind's peak key) as fixed, its largest value where it varies, else its default. */
function peakOf(sweep: Sweep): number {
  const kind = kindOf(sweep.schedule.kind);
  const ref = keyRef(kind, 'peak')!;
  const spec = sweep.parameters[ref];
  if (spec) return 'values' in spec ? Math.max(...spec.values.filter((x): x is number => typeof x === 'number')) : spec.max;
  const fixed = sweep.schedule[ref];
  return typeof fixed === 'number' ? fixed : parameterOf(kind, kind.keys.peak).default as number;
}

/** Why a preset cannot be made in this kind, or null. */
function presetProblem(sweep: Sweep, preset: string): string | null {
  const kind = kindOf(sweep.schedule.kind);
  if (preset === 'constant' && kind.keys.floor === null) return `constant needs a schedule kind with a floor LR to set to the peak, and ${kind.name} has none: give the anchor as a mapping of schedule keys`;
  if (preset === 'restarts' && kind.fit === null) return `restarts needs a schedule kind with restarts, and ${kind.name} has none: give the anchor as a mapping of schedule keys`;
  return null;
}

/**
 * The restarts anchor written as the file writes its configs: `cycles: n` where the file uses
 * cycles; else the first length whose n cycles fill the steps exactly (max_cycles unset: the same
 * curve), or `cycles: n` when they leave steps over (max_cycles then holds the rest at the floor).
 */
function cyclesWritten(sweep: Sweep, steps: number, values: Record<string, unknown>, cycles: number): Record<string, unknown> {
  const kind = kindOf(sweep.schedule.kind);
  const out = { ...values, [CYCLES]: cycles };
  if (CYCLES in sweep.schedule || CYCLES in sweep.parameters) return out;
  const maxCycles = keyRef(kind, 'maxCycles');
  try {
    const shape = fromReferenceNames({ ...baseConfig(sweep), ...out, [CYCLES]: undefined, ...(maxCycles ? { [maxCycles]: null } : {}) } as Config);
    const derived = deriveFirstCycleSteps({ steps, cycles, shape: shape as never });
    if (derived && derived.leftover === 0) return { ...out, [CYCLES]: undefined, [keyRef(kind, 'length')!]: derived.firstCycleSteps, ...(maxCycles ? { [maxCycles]: null } : {}) };
  } catch {
    // a shape the schedule refuses: `cycles` it is, and the file check says why
  }
  return out;
}

/** A varied parameter's value in the restarts anchor: see the header. */
function representative(spec: ParamSpec, trivial: unknown): unknown {
  if (!('values' in spec)) {
    const { min, max, distribution } = spec;
    if (distribution === 'int_uniform') return Math.floor((min + max) / 2);
    return distribution === 'log_uniform' ? Math.sqrt(min * max) : (min + max) / 2;
  }
  const rest = spec.values.filter((v) => v !== trivial);
  const kept = rest.length > 0 ? rest : spec.values;
  if (!kept.every((v) => typeof v === 'number')) return kept[0];
  const sorted = [...(kept as number[])].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** Restarts inside the trainer's steps of the file's config with these values, or null when the schedule refuses it. */
function restartsIn(sweep: Sweep, steps: number, values: Record<string, unknown>): number | null {
  try {
    if (values[CYCLES] !== undefined) {
      const kind = kindOf(sweep.schedule.kind);
      const shape = fromReferenceNames({ ...baseConfig(sweep), ...values, [CYCLES]: undefined } as Config);
      const derived = deriveFirstCycleSteps({ steps, cycles: values[CYCLES] as number, shape: shape as never });
      if (derived === null) return null;
      values = { ...values, [CYCLES]: undefined, [keyRef(kind, 'length')!]: derived.firstCycleSteps };
    }
    return countRestarts(fromReferenceNames({ ...baseConfig(sweep), ...values } as Config) as never, { steps });
  } catch {
    return null;
  }
}

/** The restarts anchor (the header): what the space varies, at least MIN_RESTARTS restarts. */
function restartsAnchor(sweep: Sweep, steps: number, values: Record<string, unknown>): Record<string, unknown> {
  const kind = kindOf(sweep.schedule.kind);
  const length = keyRef(kind, 'length')!;
  const skip = new Set([keyRef(kind, 'peak'), length, CYCLES, keyRef(kind, 'maxCycles')]);
  const out: Record<string, unknown> = { ...values };
  for (const [key, spec] of Object.entries(sweep.parameters)) {
    if (skip.has(key)) continue;
    out[key] = representative(spec, declaration(kind.name, key)?.default);
  }
  // The lengths the space has, written as it writes them.
  const lengthKey = CYCLES in sweep.parameters || CYCLES in sweep.schedule ? CYCLES : length;
  const spec = sweep.parameters[lengthKey];
  const fixed = sweep.schedule[lengthKey];
  const lengths: unknown[] = spec ? ('values' in spec ? spec.values : [representative(spec, undefined)]) : fixed !== undefined && fixed !== null ? [fixed] : [];
  const qualified = lengths.flatMap((l) => {
    const n = restartsIn(sweep, steps, { ...out, [CYCLES]: undefined, [lengthKey]: l });
    return n !== null && n >= MIN_RESTARTS ? [{ l, n }] : [];
  });
  if (qualified.length > 0) {
    // The fewest restarts; among equals the longest first cycle (the largest length; the fewest cycles can tie no other).
    const chosen = qualified.sort((a, b) => a.n - b.n || (b.l as number) - (a.l as number))[0];
    return { ...out, [CYCLES]: undefined, [lengthKey]: chosen.l };
  }
  return cyclesWritten(sweep, steps, out, MIN_RESTARTS + 1);
}

/** The values of a preset anchor in the file's kind (checked by presetProblem). */
function presetValues(sweep: Sweep, preset: string, steps: number): Record<string, unknown> {
  const kind = kindOf(sweep.schedule.kind);
  const peak = peakOf(sweep);
  // `cycles: undefined` unsets a `cycles` the file's schedule fixes (it would derive its own first length).
  const out: Record<string, unknown> = { [keyRef(kind, 'peak')!]: peak, [CYCLES]: undefined };
  const warmup = kind.fit?.warmup ? parameterOf(kind, kind.fit.warmup.key).ref : null;
  if (preset === 'restarts') return restartsAnchor(sweep, steps, out);
  out[keyRef(kind, 'length')!] = steps;
  if (preset === 'constant') {
    out[keyRef(kind, 'floor')!] = peak;
    if (warmup) out[warmup] = 0;
  }
  return out;
}

/** The anchors the file plans (method.anchors), in order. */
export function anchorPlans(sweep: Sweep, method: Method, steps: number): AnchorPlan[] {
  return (method.anchors as unknown[]).map((a, i) => (typeof a === 'string'
    ? { name: a, path: `method.anchors[${i}]`, values: presetValues(sweep, a, steps) }
    : { name: `anchors[${i}]`, path: `method.anchors[${i}]`, values: { ...(a as Record<string, unknown>) } }));
}

interface Candidate {
  values: Record<string, unknown>;
  config: Config;
  hash: string;
}

/** The candidates in the file's plain order (the grid's listed order, or the Sobol points'), built, deduplicated, those the file refuses dropped. */
function candidateList(sweep: Sweep, method: Method, context: AskContext): Candidate[] {
  const draws = method.candidates === 'grid'
    ? (grid.create({ ...sweep, trials: null }, { kind: 'grid', order: 'listed' }) as StaticSampler).draws()
    : (sobol.create({ ...sweep, trials: method.candidates as number }, { kind: 'sobol', scramble: true }) as StaticSampler).draws();
  const want = method.candidates === 'grid' ? Infinity : method.candidates as number;
  const out: Candidate[] = [];
  const seen = new Set<string>();
  let n = 0;
  for (const { config } of draws) {
    if (n++ >= want) break;
    const built = context.build(config);
    if ('problem' in built || seen.has(built.hash)) continue;
    seen.add(built.hash);
    out.push({ values: config, config: built.config, hash: built.hash });
  }
  return out;
}

/** What the sampler decides from a history: anchors to create, nothing yet, or the shortlist after the fit (or its failure). */
export type PredictState =
  | { stage: 'anchors'; missing: AnchorPlan[] }
  | { stage: 'training' }
  | {
    stage: 'shortlist'; anchors: (AnchorPlan & { hash: string; config: Config })[]; candidates: Candidate[];
    /** The fit on the anchors alone (what `run` reports), null when it failed. */
    ranked: RankedCandidates | null;
    failure: string | null;
    /** The shortlist: the configs created so far (in number order), then those to create now. */
    picks: Candidate[];
    origin: Suggestion['origin'];
    /** The next pick waits for a result (a refit on it): nothing to create until it settles. */
    waiting: boolean;
  };

const keyOf = (o: Observed): string => o.hash ?? configHash(o.params);

/** A config that settled with no curve to read yet (an ask that read points before its run committed): not settled for the law. */
const unread = (o: Observed) => o.state === 'running' || (o.state === 'complete' && o.curves === undefined);

/** Fits kept (digest of the fitted set -> ranking or why the fit failed): a few sweeps at once. */
const FITS = new Map<string, RankedCandidates | string>();
const FITS_KEPT = 8;

/** A digest of the candidates' hashes, kept per list (one ask builds its list once). */
const POOL_KEYS = new WeakMap<readonly Candidate[], string>();
function poolKey(pool: readonly Candidate[]): string {
  let key = POOL_KEYS.get(pool);
  if (key === undefined) POOL_KEYS.set(pool, (key = createHash('sha256').update(pool.map((c) => c.hash).join(',')).digest('hex')));
  return key;
}

/** The identity of a fit: the steps, metric, seed, the candidates, and each fitted config's hash and points. */
function fitDigest(o: { steps: number; metric: string; seed: number; fitted: readonly { hash: string; curves: LossPoint[][] }[]; pool: readonly Candidate[] }): string {
  const h = createHash('sha256');
  h.update(`${o.steps} ${o.metric} ${o.seed} ${o.pool.length}\n${poolKey(o.pool)}\n`);
  for (const f of o.fitted) {
    h.update(`${f.hash} ${f.curves.map((c) => c.length).join(',')}\n`);
    for (const c of f.curves) h.update(Float64Array.from(c.flatMap((p) => [p.step, p.loss])));
  }
  return h.digest('hex');
}

/** A ranking fit's identity (fitDigest) and what it is given (rankCandidates' input: plain data). */
interface RankingFit {
  key: string;
  input: RankingInput;
}

/** What ranking() does with a fit it does not find kept: fits it here (an ask's suggest), or stops the decision (prepare: NeedsFit). */
export type OnMiss = (fit: RankingFit) => RankedCandidates | string;

/** Fits on this thread and keeps the result (what suggest does with a fit prepare() did not make). */
const fitHere: OnMiss = ({ key, input }) => {
  FITS_MADE.here++;
  return keepFit(key, rankingOrWhy(input));
};

/** Fits made since the last forgetFitsForTests(), by where: tests observe that a decision needed no fit on its thread. */
const FITS_MADE = { here: 0, offThread: 0 };

/** For tests: forgets every kept fit (as a fresh process starts) and counts anew; returns the counts, live. */
export function forgetFitsForTests(): Readonly<typeof FITS_MADE> {
  FITS.clear();
  FITS_MADE.here = 0;
  FITS_MADE.offThread = 0;
  return FITS_MADE;
}

function keepFit(key: string, out: RankedCandidates | string): RankedCandidates | string {
  if (FITS.size >= FITS_KEPT) FITS.delete(FITS.keys().next().value!);
  FITS.set(key, out);
  return out;
}

/** The law fitted to these configs (anchors first, then shortlist results in number order) ranking the pool; cached on the fitted set's identity. */
function ranking(sweep: Sweep, method: Method, steps: number, fitted: readonly { name: string; hash: string; params: Config; curves: LossPoint[][] }[], pool: readonly Candidate[], onMiss: OnMiss): RankedCandidates | string {
  const key = fitDigest({ steps, metric: method.metric as string, seed: sweep.seed, fitted, pool });
  const kept = FITS.get(key);
  if (kept !== undefined) return kept;
  return onMiss({ key, input: { steps, metric: method.metric as string, seed: sweep.seed, candidates: pool.map((c) => c.config), anchors: fitted } });
}

/** prepare()'s stop: the decision needs this fit, not kept yet. */
class NeedsFit {
  constructor(readonly fit: RankingFit) {}
}

/** Fits under way in a fit thread, by digest: concurrent prepares (several slots asking) share one. */
const PREPARING = new Map<string, Promise<void>>();

/** A prepare() does at most this many fits (one decision needs the anchors' fit and each refit it waits for: a few). */
const MAX_PREPARED_FITS = 8;

/**
 * The fits predictState would make on this history, made ahead in a fit thread and kept in FITS
 * (sampler.ts AdaptiveSampler.prepare): it walks the decision, and at each fit not kept it stops,
 * fits off-thread, keeps the result and walks again, until the decision needs nothing more. A fit
 * thread that fails keeps nothing (the ask then fits on its own thread, as without prepare): a
 * thread's failure never changes a decision. Never rejects.
 */
async function prepareFits(sweep: Sweep, method: Method, history: readonly Observed[], context: AskContext, memo: PredictMemo): Promise<void> {
  for (let i = 0; i < MAX_PREPARED_FITS; i++) {
    let need: RankingFit;
    try {
      predictState(sweep, method, history, context, memo, (fit) => {
        throw new NeedsFit(fit);
      });
      return; // every fit it needs is kept
    } catch (e) {
      if (!(e instanceof NeedsFit)) return; // the ask meets the same error and reports it
      need = e.fit;
    }
    let pending = PREPARING.get(need.key);
    if (!pending) {
      const { key, input } = need;
      pending = fitOffThread('ranking', input).then((out) => {
        FITS_MADE.offThread++;
        keepFit(key, out);
      }).finally(() => PREPARING.delete(key));
      PREPARING.set(key, pending);
    }
    try {
      await pending;
    } catch {
      return;
    }
    if (!FITS.has(need.key)) return; // dropped already (many sweeps at once): the ask fits it
  }
}

/** What the calls of one ask share: the candidates, and the pool (the candidates less the anchors, by their hashes). */
export interface PredictMemo {
  candidates?: Candidate[];
  pool?: { anchors: string; list: Candidate[] };
}

/** The anchors the file plans, each built, with its hash (the file check refuses one that cannot be built). */
function anchorsOf(sweep: Sweep, method: Method, context: AskContext): (AnchorPlan & { hash: string; config: Config })[] {
  return anchorPlans(sweep, method, context.steps).flatMap((a) => {
    const b = context.build(a.values);
    return 'problem' in b ? [] : [{ ...a, hash: b.hash, config: b.config }];
  });
}

/**
 * The sampler's whole decision, also what `run` reports the fit's quality from (sweep/predict-report.ts):
 * pure in the sweep, the history (with the anchors' and shortlist's curves) and the context.
 * `memo` keeps the candidate list across the calls of one ask.
 */
export function predictState(sweep: Sweep, method: Method, history: readonly Observed[], context: AskContext, memo: PredictMemo = {}, onMiss: OnMiss = fitHere): PredictState {
  const anchors = anchorsOf(sweep, method, context);
  const byHash = new Map(history.map((o) => [keyOf(o), o]));
  const missing = anchors.filter((a) => !byHash.has(a.hash));
  if (missing.length > 0) return { stage: 'anchors', missing };
  const trained = anchors.map((a) => byHash.get(a.hash)!);
  if (trained.some(unread)) return { stage: 'training' };
  const candidates = (memo.candidates ??= candidateList(sweep, method, context));
  const anchorHashes = new Set(anchors.map((a) => a.hash));
  const pool = memo.pool && memo.pool.anchors === [...anchorHashes].join(',') ? memo.pool.list : candidates.filter((c) => !anchorHashes.has(c.hash));
  memo.pool = { anchors: [...anchorHashes].join(','), list: pool };
  const poolByHash = new Map(pool.map((c) => [c.hash, c]));
  const topK = method.top_k as number;
  const explore = method.explore as number;
  const batch = method.batch as number;
  let ranked: RankedCandidates | null = null;
  let failure: string | null = null;
  const anchorFit = anchors.map((a, i) => ({ name: a.name, hash: a.hash, params: a.config, curves: trained[i].curves ?? [] }));
  const unusable = trained.findIndex((o) => o.state !== 'complete');
  if (unusable >= 0) {
    failure = `anchor ${anchors[unusable].name} ${trained[unusable].state === 'failed' ? 'failed' : `was ${trained[unusable].state}`}: the law needs every anchor's whole ${String(method.metric)} curve`;
  } else {
    const r = ranking(sweep, method, context.steps, anchorFit, pool, onMiss);
    if (typeof r === 'string') failure = r;
    else ranked = r;
  }
  if (ranked === null) {
    const picks = method.on_fit_failure === 'fallback' ? pool.slice(0, topK + explore) : [];
    return { stage: 'shortlist', anchors, candidates: pool, ranked, failure, picks, origin: 'startup', waiting: false };
  }
  // The shortlist so far, in number order (the stored history is the truth), then the picks made now.
  const made = history.filter((o) => o.origin === 'model' || o.origin === 'startup');
  const tried = new Set(history.map(keyOf));
  const picks: Candidate[] = made.map((o) => poolByHash.get(keyOf(o)) ?? { values: o.params, config: o.params, hash: keyOf(o) });
  let waiting = false;
  // Law pick j (from 0) is chosen by the law refitted on the anchors and the results of picks
  // 0 .. j − batch, so it waits for them to settle; never on other results, so however the asks
  // are split the same results give the same pick.
  for (let j = picks.length; j < topK; j++) {
    const needed = j - batch + 1;
    const results = made.slice(0, Math.max(0, needed));
    if (needed > made.length || results.some(unread)) {
      waiting = true;
      break;
    }
    const usable = results.filter((o) => o.state === 'complete' && o.curves!.length > 0 && o.curves!.every((c) => curveProblem(c, context.steps) === null));
    let order = ranked.order;
    if (usable.length > 0) {
      const refit = ranking(sweep, method, context.steps, [...anchorFit, ...usable.map((o) => ({ name: `shortlist ${keyOf(o)}`, hash: keyOf(o), params: o.params, curves: o.curves! }))], pool, onMiss);
      if (typeof refit !== 'string') order = refit.order; // a refit that fails: the anchors' fit decides
    }
    const next = order.map((i) => pool[i]).find((c) => !tried.has(c.hash));
    if (next === undefined) break;
    tried.add(next.hash);
    picks.push(next);
  }
  if (!waiting && picks.length >= topK) {
    // Exploration: the first `explore` of a seeded permutation of the pool that the law did not pick.
    const lawPicks = new Set(picks.slice(0, topK).map((p) => p.hash));
    const draw = permutation(pool.length, mulberry32(sha256(`predict:explore:${sweep.seed}`).readUInt32LE(0)));
    const drawn = Array.from(draw, (i) => pool[i]).filter((c) => !lawPicks.has(c.hash)).slice(0, explore);
    for (const c of drawn) if (!picks.some((p) => p.hash === c.hash)) picks.push(c);
  }
  return { stage: 'shortlist', anchors, candidates: pool, ranked, failure, picks, origin: 'model', waiting };
}

/** Counts kept per sweep object and steps (a run asks for its count on every progress line). */
const REACHABLE = new WeakMap<Sweep, Map<number, number>>();

/**
 * The configs the sweep can create: its distinct anchors, and of the candidates that are not
 * anchors at most top_k + explore (the shortlist picks from them, and never one twice). A grid
 * smaller than the shortlist, or anchors that are candidates, make it less than the planned count.
 */
function reachable(sweep: Sweep, method: Method, context: AskContext): number {
  const kept = REACHABLE.get(sweep)?.get(context.steps);
  if (kept !== undefined) return kept;
  const anchors = new Set(anchorsOf(sweep, method, context).map((a) => a.hash));
  const pool = candidateList(sweep, method, context).filter((c) => !anchors.has(c.hash)).length;
  const n = anchors.size + Math.min(pool, (method.top_k as number) + (method.explore as number));
  if (!REACHABLE.has(sweep)) REACHABLE.set(sweep, new Map());
  REACHABLE.get(sweep)!.set(context.steps, n);
  return n;
}

export const predict: SamplerEntry = {
  name: 'predict',
  summary: 'train anchor runs, fit a schedule-aware loss law to their curves, train the configs it predicts best',
  options: {
    anchors: { default: DEFAULT_ANCHORS, rule: anchorsRule, help: `the runs trained first and fitted: ${ANCHOR_PRESETS.join(', ')} (presets in the file's kind at its max_lr) or mappings of schedule keys` },
    metric: { default: TRAINING_LOSS, rule: rules.string, help: 'the metric that carries the training loss, reported many times a run' },
    candidates: { default: 'grid', rule: candidatesRule, help: `the configs predicted: grid (every combination of the values lists) or N Sobol points of the parameters (ranges need it), at most ${MAX_CANDIDATES}` },
    top_k: { default: 5, rule: rules.integer(1, 1000), help: 'how many of the configs predicted best are trained' },
    batch: { default: 2, rule: rules.integer(1, 1000), help: 'shortlist configs training at once: pick k is chosen by the law refitted on the anchors and picks 1..k-batch (it waits for their results); top_k or more: one fit on the anchors' },
    explore: { default: 0, rule: rules.integer(0, 1000), help: 'further candidates trained, drawn uniformly (seeded) from the rest' },
    on_fit_failure: { default: 'stop', rule: rules.oneOf(FIT_FAILURES), help: 'when an anchor fails or the fit does not converge: stop (create nothing more) or fallback (train top_k + explore candidates in the file\'s plain order)' },
  },
  ranges: true,
  trials: 'cap',
  adaptive: true,
  check(sweep, method) {
    const out: { path: string; message: string }[] = [];
    if (sweep.parameters.kind !== undefined) out.push({ path: 'parameters.kind', message: 'method predict plans its anchors in one schedule kind: vary the kind in separate sweeps' });
    const ranged = Object.keys(sweep.parameters).filter((k) => !('values' in sweep.parameters[k]));
    if (method.candidates === 'grid' && ranged.length > 0) out.push({ path: 'method.candidates', message: `must be a number of Sobol points when parameters have min/max ranges (${ranged.join(', ')}), got grid` });
    else if (method.candidates === 'grid' && gridSize(sweep) > MAX_CANDIDATES) out.push({ path: 'method.candidates', message: `the grid has ${gridSize(sweep)} configs, more than the ${MAX_CANDIDATES} predict predicts: give candidates: N to predict N Sobol points` });
    const dims = Object.keys(sweep.parameters).length;
    if (method.candidates !== 'grid' && dims > MAX_SOBOL_DIMENSIONS) out.push({ path: 'method.candidates', message: `Sobol points vary at most ${MAX_SOBOL_DIMENSIONS} parameters, got ${dims}` });
    (method.anchors as unknown[]).forEach((a, i) => {
      const why = typeof a === 'string' ? presetProblem(sweep, a) : null;
      if (why) out.push({ path: `method.anchors[${i}]`, message: why });
    });
    return out;
  },
  configs: (sweep, method, context) => Math.min(sweep.trials ?? Infinity, context ? reachable(sweep, method, context) : (method.anchors as unknown[]).length + (method.top_k as number) + (method.explore as number)),
  anchors: (sweep, method, steps) => anchorPlans(sweep, method, steps),
  async ended(sweep, method, history, context) {
    if (method.on_fit_failure !== 'stop') return null;
    // A shortlist trial means the fit held (stop creates none): no fit needed to say so.
    if (history.some((o) => o.origin === 'model' || o.origin === 'startup')) return null;
    // The anchors' fit, made in a fit thread as an ask's prepare() makes it (status, a fresh
    // process, and every run start would otherwise fit on their own thread); then the decision
    // finds it kept (a fit thread that failed: it fits here, as without prepare).
    const memo: PredictMemo = {};
    await prepareFits(sweep, method, history, context, memo);
    const state = predictState(sweep, method, history, context, memo);
    return state.stage === 'shortlist' && state.ranked === null ? `no shortlist: ${state.failure} (on_fit_failure: stop)` : null;
  },
  curveMetric: (method) => ({ path: 'method.metric', metric: method.metric as string }),
  create(sweep, method) {
    // One ask calls suggest once per config with the history so far: the candidates are built once
    // per ask, and each fit once per fitted set (FITS).
    const memo: PredictMemo = {};
    return {
      adaptive: true,
      curves: { metric: method.metric as string, origins: ['anchor', 'model'] },
      prepare: (history, context) => prepareFits(sweep, method, history, context, memo),
      suggest(history, n, _random, context): Suggestion[] {
        if (!context) throw new Error('method predict needs the ask\'s context (the trainer\'s steps, how the file builds a config)');
        const tried = new Set(history.map(keyOf));
        const state = predictState(sweep, method, history, context, memo);
        if (state.stage === 'anchors') return state.missing.slice(0, n).map((a) => ({ params: a.values as Config, origin: 'anchor' }));
        if (state.stage === 'training') return [];
        return state.picks.filter((p) => !tried.has(p.hash)).slice(0, n).map((p) => ({ params: p.values as Config, origin: state.origin }));
      },
    };
  },
};
