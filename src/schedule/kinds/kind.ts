// What a schedule kind declares: its parameter table and what the rest of lrsweep reads from it.
// One file per kind beside this one; the registry is index.ts (see its header for adding a kind).

import { MAX_STEP, rules, type Rule } from '../../core/rules.js';
import type { CurveArray } from '../../wasm/engine.js';
import type { Family } from '../../wasm/family.js';
import type { LintRule } from '../lint-rules.js';

/** One parameter, declared once: everything else (types, flags, help, rules, columns) derives from it. */
export interface ParameterDeclaration {
  /** The reference implementation's name: messages, sweep files, stored configs. */
  readonly ref: string;
  /** The library's name (camelCase). */
  readonly name: string;
  /** The CLI flag, without dashes. */
  readonly flag: string;
  readonly type: 'integer' | 'number' | 'boolean' | 'choice';
  readonly choices?: readonly string[];
  /** Absent: required. null: unset (a limit that does not apply). */
  readonly default?: number | boolean | string | null;
  readonly rule: Rule;
  readonly help: string;
  /** An opt-in fix beyond the reference (off by default). */
  readonly optIn?: boolean;
  /** Exposed as a generated column of `trials`, for plain SQL. */
  readonly column?: boolean;
}

/** Rules the kinds share. */
export const lengthRule = rules.integer(1, MAX_STEP);
export const countRule = rules.integer(0, MAX_STEP);

/** The defaults of a table (the parameters that have one), by camelCase name, in table order. */
export function defaultsOf(table: readonly ParameterDeclaration[]): Record<string, unknown> {
  return Object.fromEntries(table.filter((d) => d.default !== undefined).map((d) => [d.name, d.default]));
}

// ---- Types derived from a table ---------------------------------------------------------------

type Table = readonly ParameterDeclaration[];
type ValueOf<D> = D extends { type: 'boolean' } ? boolean
  : D extends { type: 'choice'; choices: readonly (infer C)[] } ? C
  : D extends { default: null } ? number | null
  : number;
type Optional<T extends Table> = { [D in T[number] as D extends { default: unknown } ? D['name'] : never]?: ValueOf<D> };
type Required_<T extends Table> = { [D in T[number] as D extends { default: unknown } ? never : D['name']]: ValueOf<D> };
type Full<T extends Table> = { [D in T[number] as D['name']]: ValueOf<D> };

/** What the user writes (library form): camelCase, optional where there is a default. */
export type KindInput<N extends string, T extends Table> = { schedule: N } & Required_<T> & Optional<T>;
/** Every parameter, defaults filled in. */
export type KindParams<N extends string, T extends Table> = { schedule: N } & Full<T>;

/** A rule between parameters that `key` breaks (camelCase names; validate.ts words the keys). */
export interface CrossProblem {
  key: string;
  message: string;
  related?: string[];
}

/** A parameter `fit` searches: its name, the fit request's list of its values, the flag's help. */
export interface FitSearch<P> {
  readonly key: keyof P & string;
  readonly list: string;
  readonly help: string;
}

/** A lint a kind with its own curve checks itself (its rule names in lint-rules.ts), over a run of `steps` steps. */
export interface KindLint {
  rule: LintRule;
  message: string;
}

/**
 * The one seam for a kind the cycle family cannot express (timm_cosine, hf_cosine_restarts, wsd,
 * one_cycle): its own curve over its own kernel in assembly/, built once per validated schedule.
 * Every value a pure function of its step, as the family's, so windows need no cursor. The
 * engine's promises (windows, exact extremes, state dicts, lints, --log, momentum) read it here.
 */
export interface OwnCurve {
  /**
   * The first step the reference cannot produce (it raises there: past OneCycle's total, where
   * timm's math.log fails), with the problem a window past it gets (the key, the rule and the
   * value; `, got start=.., steps=..` is added); null when every step exists.
   */
  readonly end: { step: number; key: string; message: string; related?: string[] } | null;
  /** The lowest value it can take and what sets it (curve --log needs it above 0). */
  readonly floor: { key: string; value: number };
  /** Writes the values of steps start .. start + out.length - 1 (out's type picks the dtype). */
  fill(start: number, out: CurveArray): void;
  /** The same for the momentum (or Adam beta1) the reference cycles with the LR, or null. */
  readonly momentum: ((start: number, out: CurveArray) => void) | null;
  /**
   * Steps in [a, b) whose values, with a's and b - 1's, bound the curve (and the momentum) over
   * [a, b); null when there are more than `limit` (the window is then computed whole).
   */
  candidates(a: number, b: number, limit: number): number[] | null;
  /** Cycle number of a step (restarts counted so far; 0 for a kind without restarts). */
  cycleAt(step: number): number;
  /** The kind's own lints (those of its `lints` lint.ts does not check) over steps 0 .. steps - 1. */
  lint(steps: number): KindLint[];
}

/**
 * A schedule kind. P is its parameters with defaults filled in; the registry sees every kind as
 * ScheduleKind (P = any) and hands each its own kind of parameters.
 */
export interface ScheduleKind<P extends { schedule: string } = any> {
  readonly name: P['schedule'];
  /** What it reproduces, for help: `cawr (CosineAnnealingWarmupRestarts)`. */
  readonly title: string;
  readonly parameters: readonly ParameterDeclaration[];
  /**
   * Which parameters (camelCase) play each part: the peak LR, the floor LR, the first cycle's
   * length, and where the kind has one, the cycle count that ends the schedule (null: none, so
   * leftover steps would begin a new cycle).
   */
  readonly keys: {
    readonly peak: keyof P & string;
    /** Null where no parameter is the floor (one_cycle's derives from divisors, wsd's is a ratio of the peak). */
    readonly floor: (keyof P & string) | null;
    readonly length: keyof P & string;
    readonly maxCycles: (keyof P & string) | null;
  };
  /** The rules between parameters, on values with defaults filled in; `ok(name)`: that one passed its own rule. */
  crossProblems(s: P, ok: (name: keyof P & string) => boolean): CrossProblem[];
  /** Onto the kernels' one cycle family (wasm/family.ts); null for a kind with its own curve. */
  readonly toFamily: ((s: P) => Family) | null;
  /** Its own curve (OwnCurve), where toFamily is null. */
  readonly ownCurve?: (s: P) => OwnCurve;
  /**
   * The reference's own call that reproduces the schedule, for `lrsweep show`: one line of
   * Python, e.g. `CosineLRScheduler(optimizer, t_initial=100, ...)`.
   */
  readonly nativeCall?: (s: P) => string;
  /** The lints (lint.ts) that apply to it. */
  readonly lints: readonly LintRule[];
  /**
   * How `fit` searches it, and a sweep's `cycles` derives its first length: the cycle-length
   * multiplier and the warmup (null: none), each with the fit request's list of its values and
   * the flag's help. Null for a kind without restarts to place (then neither applies).
   */
  readonly fit: {
    readonly multiplier: FitSearch<P>;
    readonly warmup: FitSearch<P> | null;
    /** The parameters besides the first length that shape cycle lengths. */
    readonly shape: readonly (keyof P & string)[];
  } | null;
}
