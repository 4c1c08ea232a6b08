// What a sampler is (the contract in prose is index.ts's header): the interfaces every sampler
// file implements, apart from the registry so that sampler files need not import it.

import type { LossPoint } from '../../predict/windows.js';
import type { Config, MethodName, Sweep } from '../definition.js';
import type { Draw } from './draw.js';

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
  /** The settled objective (a config's mean over its repeats once all settled; a pruned repeat counts by its last reported value); null while running or when none was reported. */
  objective: number | null;
  state: 'running' | 'complete' | 'diverged' | 'pruned' | 'failed';
  /** A pruned config: the step of its last reported value (a config stopped later ranks ahead, as in Optuna), when known. */
  step?: number;
  /** Its config hash and the origin its trials were created with. */
  hash?: string;
  origin?: Suggestion['origin'];
  /**
   * For a sampler that asks for curves (AdaptiveSampler.curves), on a complete config: each
   * complete repeat's points of that metric, once all were read; absent until then.
   */
  curves?: LossPoint[][];
}

/**
 * A suggested config: its varied parameters only (an anchor: the schedule keys it sets over the
 * file's fixed ones), and whether a model chose it, the startup (model-free) draws did, or it is
 * one of the anchors the sampler plans from the file (the predict sampler).
 */
export interface Suggestion {
  params: Config;
  origin: 'startup' | 'model' | 'anchor';
}

/** What an ask knows beyond the history (sweep/ask.ts makes it). */
export interface AskContext {
  /** The trainer's step count. */
  steps: number;
  /** The config the sweep file builds from these values (its fixed keys, cycles derived, defaults filled in, constraints), or why it cannot run. */
  build(values: Record<string, unknown>): { config: Config; hash: string } | { problem: string };
}

/** An adaptive sampler: suggests configs from the sweep's history (sweep/ask.ts asks it). */
export interface AdaptiveSampler {
  readonly adaptive: true;
  /**
   * The next n configs (their varied parameters), given every config so far in the order created
   * (maximize goals already negated); `random` is seeded from the sweep's seed and the number of
   * trials so far. A suggestion already tried may come back: the caller redraws it. Fewer than n
   * (none) means it has nothing to suggest now (the predict sampler while its anchors train, or
   * once its shortlist is created): the ask ends there. ask.ts always gives `context` (optional for
   * callers that drive a sampler without a file: benchmarks, tests of samplers that need none).
   */
  suggest(history: readonly Observed[], n: number, random: () => number, context?: AskContext): Suggestion[];
  /**
   * Optional: costly work suggest() will need on this history (the predict sampler: its fits), done
   * before the ask takes the sweep's lock and off the asking thread (a fit thread), from a history
   * ask.ts reads just before (the same reads as the ask's). It keeps its results where suggest()
   * finds them, keyed on their inputs (never on the call), so suggest() under the lock finds them
   * unless the history changed meanwhile; then suggest() does the work itself, as without prepare.
   * suggest() must give the same with or without it. It must not reject.
   */
  prepare?(history: readonly Observed[], context: AskContext): Promise<void>;
  /** The metric whose points ask.ts reads for the history's complete configs of these origins (Observed.curves). */
  readonly curves?: { metric: string; origins: readonly Suggestion['origin'][] };
}

export type Sampler = StaticSampler | AdaptiveSampler;

/** A sampler's method with every option filled in: { kind, ...options }. */
export type Method = { kind: MethodName } & Record<string, unknown>;

export interface SamplerOption {
  default: unknown;
  /** null when the value passes, else what it must be ('must be ...'). */
  rule: (value: unknown) => string | null;
  help: string;
  /** An option an older lrsweep offered and this one keeps only at its default (so its files still read); left out of help and descriptions. */
  retired?: boolean;
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
  /** Creates its trials as results arrive (create() gives an AdaptiveSampler); absent: plans them (static). */
  adaptive?: boolean;
  /** Rules on the whole checked sweep, each with its key path. */
  check?(sweep: Sweep, method: Method): { path: string; message: string }[];
  /** The metric whose curves the sampler reads (AdaptiveSampler.curves), with its key path: the file check requires one the trainer declares. */
  curveMetric?(method: Method): { path: string; metric: string };
  /**
   * An adaptive sampler's number of configs when not simply `trials` (the predict sampler: its
   * anchors and shortlist, capped by `trials`). With an ask's context, what the space can give: a
   * sweep that has created that many has nothing left to create (the same for the same sweep and steps).
   */
  configs?(sweep: Sweep, method: Method, context?: AskContext): number;
  /**
   * Configs the sampler plans from the file and suggests first with origin anchor, as values for
   * AskContext.build, each with its name and the key path it comes from (for messages). A
   * trial of origin anchor is accepted (plan-check.ts) only as one of these.
   */
  anchors?(sweep: Sweep, method: Method, steps: number): { name: string; path: string; values: Record<string, unknown> }[];
  /**
   * Why an adaptive sampler will create nothing more though it has not created configs() (the
   * predict sampler stopped by a failed fit, on_fit_failure: stop), or null (it may yet). Given
   * the history as an ask sees it (with curves) and the ask's context; the same history gives the
   * same answer. Asynchronous so that costly work the answer needs (the predict sampler's fit) runs
   * off the asking thread, as prepare() does for an ask; work it does not need is not done. The
   * sweep is then done: `status` and `run` count nothing left to create (sweep/ended.ts). Absent:
   * never ends early.
   */
  ended?(sweep: Sweep, method: Method, history: readonly Observed[], context: AskContext): Promise<string | null>;
  create(sweep: Sweep, method: Method): Sampler;
}
