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
//     restarts  RESTART_CYCLES equal cycles (cycle_mult 1) filling the trainer's steps, of the
//               file's family, written as the file writes its configs (`cycles: 4` where it
//               uses cycles; else the first length when 4 cycles fill the steps exactly, or
//               `cycles: 4` with max_cycles holding the leftover at the floor), so it is the
//               space's config of that curve where there is one
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
//   sweep's seed (origin model too), a guard against a law that is confidently wrong.
// - on_fit_failure (default stop): an anchor that failed, diverged or has no usable curve, or a
//   fit that does not converge, creates no further trial (stop), or trains top_k + explore
//   candidates in the file's plain order instead (fallback: the grid's listed order, or the Sobol
//   points' order; origin startup, no model chose them). `run` prints the reason in one line.
// `trials`, when given, caps the configs created (anchors first); without it the sweep creates
// anchors + top_k + explore configs. Only trained trials are ranked: the law's values are off by
// 0.02–0.05 nats on the issue's evidence, a shortlist to confirm by training, never a result.
//
// Determinism: the anchors come from the file; the fit's seed is the sweep's seed; the candidate
// list, the order and the exploration picks depend only on the file and the anchors' stored
// points. So the same sweep and the same anchor results give the same shortlist whichever
// process asks, on one worker or many. The ask's random numbers are not used.
// Cohorts: an ask for n configs returns every anchor not created yet, then every shortlisted
// config, up to n, so a lockstep trainer's cohort-sized ask creates them together; under
// seeding: common (the default) repeat r of every config shares its seed, so they train as one
// cohort. A pruner is never asked about an anchor (dispatch.ts): the law needs its whole curve.
// Cost: the fit is made again at each ask once the anchors are trained (once per ask: `memo`),
// so a shortlist created over several asks (free slots one at a time) pays it several times.
// Measured on a 2-core machine under load (load average 8): 3 anchors of 600 steps, 1.6 s; of
// 10^4 steps, with 10^4 Sobol candidates of 10^4 steps, 14–22 s in all, most of it the fit (the
// candidates' predictions about 0.3 ms each).

import { TRAINING_LOSS } from '../../core/trial.js';
import { mulberry32, permutation } from '../../core/random.js';
import { isRecord } from '../../core/problems.js';
import { rules } from '../../core/rules.js';
import { keyRef, kindOf, parameterOf } from '../../schedule/kinds/index.js';
import { deriveFirstCycleSteps } from '../../schedule/fit.js';
import { fromReferenceNames } from '../../schedule/params.js';
import { FitError } from '../../predict/fit.js';
import { rankCandidates, type RankedCandidates } from '../../predict/shortlist.js';
import { CYCLES, type Config, type Sweep } from '../definition.js';
import { configHash, sha256 } from '../hash.js';
import { baseConfig } from './draw.js';
import { grid, gridSize } from './grid.js';
import { MAX_SOBOL_DIMENSIONS, sobol } from './sobol.js';
import type { AskContext, Method, Observed, SamplerEntry, StaticSampler, Suggestion } from './sampler.js';

export const ANCHOR_PRESETS = ['constant', 'cosine', 'restarts'] as const;
export const DEFAULT_ANCHORS: readonly string[] = [...ANCHOR_PRESETS];
/** Cycles of the restarts anchor (the issue's evidence used a 4-restart schedule). */
export const RESTART_CYCLES = 4;
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

/** The values of a preset anchor in the file's kind (checked by presetProblem). */
function presetValues(sweep: Sweep, preset: string, steps: number): Record<string, unknown> {
  const kind = kindOf(sweep.schedule.kind);
  const peak = peakOf(sweep);
  // `cycles: undefined` unsets a `cycles` the file's schedule fixes (it would derive its own first length).
  const out: Record<string, unknown> = { [keyRef(kind, 'peak')!]: peak, [CYCLES]: undefined };
  const warmup = kind.fit?.warmup ? parameterOf(kind, kind.fit.warmup.key).ref : null;
  if (preset === 'restarts') {
    out[parameterOf(kind, kind.fit!.multiplier.key).ref] = 1;
    // Written as the file writes its configs, so that it is the config of the space with the same
    // curve where there is one (never a second run of it): a file that uses `cycles` gets
    // `cycles: 4`; another, the first length whose RESTART_CYCLES cycles fill the steps exactly
    // (max_cycles unset: the same curve), or `cycles: 4` when they leave steps over (max_cycles
    // then holds the rest at the floor).
    out[CYCLES] = RESTART_CYCLES;
    if (CYCLES in sweep.schedule || CYCLES in sweep.parameters) return out;
    const maxCycles = keyRef(kind, 'maxCycles');
    try {
      const shape = fromReferenceNames({ ...baseConfig(sweep), ...out, [CYCLES]: undefined, ...(maxCycles ? { [maxCycles]: null } : {}) } as Config);
      const derived = deriveFirstCycleSteps({ steps, cycles: RESTART_CYCLES, shape: shape as never });
      if (derived && derived.leftover === 0) return { ...out, [CYCLES]: undefined, [keyRef(kind, 'length')!]: derived.firstCycleSteps, ...(maxCycles ? { [maxCycles]: null } : {}) };
    } catch {
      // a shape the schedule refuses: `cycles` it is, and the file check says why
    }
    return out;
  }
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

/** What the sampler decides from a history: anchors to create, nothing yet, or the picks after the fit (or its failure). */
export type PredictState =
  | { stage: 'anchors'; missing: AnchorPlan[] }
  | { stage: 'training' }
  | { stage: 'shortlist'; anchors: (AnchorPlan & { hash: string })[]; candidates: Candidate[]; ranked: RankedCandidates | null; failure: string | null; picks: Candidate[]; origin: Suggestion['origin'] };

const keyOf = (o: Observed): string => o.hash ?? configHash(o.params);

/**
 * The sampler's whole decision, also what `run` reports the fit's quality from (sweep/predict-report.ts):
 * pure in the sweep, the history (with the anchors' curves) and the context.
 */
export function predictState(sweep: Sweep, method: Method, history: readonly Observed[], context: AskContext): PredictState {
  const anchors = anchorPlans(sweep, method, context.steps).flatMap((a) => {
    const built = context.build(a.values);
    return 'problem' in built ? [] : [{ ...a, hash: built.hash, config: built.config }]; // the file check refuses such an anchor
  });
  const byHash = new Map(history.map((o) => [keyOf(o), o]));
  const missing = anchors.filter((a) => !byHash.has(a.hash));
  if (missing.length > 0) return { stage: 'anchors', missing };
  const trained = anchors.map((a) => byHash.get(a.hash)!);
  if (trained.some((o) => o.state === 'running' || (o.state === 'complete' && o.curves === undefined))) return { stage: 'training' };
  const candidates = candidateList(sweep, method, context);
  const anchorHashes = new Set(anchors.map((a) => a.hash));
  const pool = candidates.filter((c) => !anchorHashes.has(c.hash));
  const topK = method.top_k as number;
  const explore = method.explore as number;
  let ranked: RankedCandidates | null = null;
  let failure: string | null = null;
  const unusable = trained.findIndex((o) => o.state !== 'complete');
  if (unusable >= 0) {
    failure = `anchor ${anchors[unusable].name} ${trained[unusable].state === 'failed' ? 'failed' : `was ${trained[unusable].state}`}: the law needs every anchor's whole ${String(method.metric)} curve`;
  } else {
    try {
      ranked = rankCandidates({
        steps: context.steps, metric: method.metric as string, seed: sweep.seed, candidates: pool.map((c) => c.config),
        anchors: anchors.map((a, i) => ({ name: a.name, params: a.config, curves: trained[i].curves! })),
      });
    } catch (e) {
      if (!(e instanceof FitError)) throw e;
      failure = e.message;
    }
  }
  if (ranked === null) {
    const picks = method.on_fit_failure === 'fallback' ? pool.slice(0, topK + explore) : [];
    return { stage: 'shortlist', anchors, candidates: pool, ranked, failure, picks, origin: 'startup' };
  }
  const order = ranked.order.map((i) => pool[i]);
  const rest = order.slice(topK);
  const draw = permutation(rest.length, mulberry32(sha256(`predict:explore:${sweep.seed}`).readUInt32LE(0)));
  const picks = [...order.slice(0, topK), ...Array.from(draw.slice(0, Math.min(explore, rest.length)), (i) => rest[i])];
  return { stage: 'shortlist', anchors, candidates: pool, ranked, failure, picks, origin: 'model' };
}

export const predict: SamplerEntry = {
  name: 'predict',
  summary: 'train anchor runs, fit a schedule-aware loss law to their curves, train the configs it predicts best',
  options: {
    anchors: { default: DEFAULT_ANCHORS, rule: anchorsRule, help: `the runs trained first and fitted: ${ANCHOR_PRESETS.join(', ')} (presets in the file's kind at its max_lr) or mappings of schedule keys` },
    metric: { default: TRAINING_LOSS, rule: rules.string, help: 'the metric that carries the training loss, reported many times a run' },
    candidates: { default: 'grid', rule: candidatesRule, help: `the configs predicted: grid (every combination of the values lists) or N Sobol points of the parameters (ranges need it), at most ${MAX_CANDIDATES}` },
    top_k: { default: 5, rule: rules.integer(1, 1000), help: 'how many of the configs predicted best are trained' },
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
  configs: (sweep, method) => Math.min(sweep.trials ?? Infinity, (method.anchors as unknown[]).length + (method.top_k as number) + (method.explore as number)),
  anchors: anchorPlans,
  curveMetric: (method) => ({ path: 'method.metric', metric: method.metric as string }),
  create(sweep, method) {
    // One ask calls suggest once per config with the same history objects: the fit is made once per ask.
    let memo: { anchors: readonly Observed[]; state: PredictState } | null = null;
    return {
      adaptive: true,
      curves: { metric: method.metric as string, origins: ['anchor'] },
      suggest(history, n, _random, context): Suggestion[] {
        if (!context) throw new Error('method predict needs the ask\'s context (the trainer\'s steps, how the file builds a config)');
        const tried = new Set(history.map(keyOf));
        const anchorsSeen = history.filter((o) => o.origin === 'anchor');
        let state: PredictState;
        if (memo && memo.anchors.length === anchorsSeen.length && memo.anchors.every((o, i) => o === anchorsSeen[i])) state = memo.state;
        else {
          state = predictState(sweep, method, history, context);
          if (state.stage === 'shortlist') memo = { anchors: anchorsSeen, state };
        }
        if (state.stage === 'anchors') return state.missing.slice(0, n).map((a) => ({ params: a.values as Config, origin: 'anchor' }));
        if (state.stage === 'training') return [];
        return state.picks.filter((p) => !tried.has(p.hash)).slice(0, n).map((p) => ({ params: p.values as Config, origin: state.origin }));
      },
    };
  },
};
