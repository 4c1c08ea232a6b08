// What a sampler is (the contract in prose is index.ts's header): the interfaces every sampler
// file implements, apart from the registry so that sampler files need not import it.

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
}

/** A suggested config: its varied parameters only, and whether a model chose it or the startup draws did. */
export interface Suggestion {
  params: Config;
  origin: 'startup' | 'model';
}

/** An adaptive sampler: suggests configs from the sweep's history (sweep/ask.ts asks it). */
export interface AdaptiveSampler {
  readonly adaptive: true;
  /**
   * The next n configs (their varied parameters), given every config so far in the order created
   * (maximize goals already negated); `random` is seeded from the sweep's seed and the number of
   * trials so far. A suggestion already tried may come back: the caller redraws it.
   */
  suggest(history: readonly Observed[], n: number, random: () => number): Suggestion[];
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
  create(sweep: Sweep, method: Method): Sampler;
}
