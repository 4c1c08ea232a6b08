// The schedule kinds: one file per kind in this folder, and this registry. Code outside the
// folder asks the registry (kindOf, KIND_NAMES, DEFAULT_KIND) and the kind it returns; it never
// names a kind (test/schedule/kinds.test.ts checks that no string literal outside this folder does).
//
// A kind (kind.ts) holds its parameter table (from which params.ts derives the library's types,
// defaults and name maps, validate.ts the per-parameter rules, the CLI its flags and help,
// sweep/file/space.ts the sweep-file keys, storage the query columns), its rules between parameters,
// its mapping onto the kernels' one cycle family (wasm/family.ts), which keys are its peak,
// floor, first length and max_cycles (read by curve --log, the range test's --write, a sweep's
// `cycles`, fit's columns and messages), the lints that apply, and how `fit` searches it (its
// multiplier and warmup; null for a kind without restarts, which fit and `cycles` then refuse).
//
// Adding a kind:
// 1. A file here: its parameter table, a ScheduleKind, and its input and parameter types (see
//    sgdr.ts, the smallest); add it to KINDS below. Types, flags, sweep keys, validation,
//    `fit`, lints and the range test follow from it.
// 2. A kind the cycle family cannot express (timm_cosine, hf_cosine_restarts, wsd, one_cycle):
//    toFamily null and `ownCurve` (kind.ts OwnCurve, the one seam for them all): its own kernel
//    in assembly/ (kinds.ts, one-cycle.ts: runs of steps with their constants hoisted, blocks of
//    cos arguments through step-block.ts and cos-rounded.ts cosInPlace), its end, the candidate
//    steps for exact extremes, cycle count, floor, its own lints and a momentum curve where the
//    reference drives one; `nativeCall` for show. Golden vectors from the real reference
//    (scripts/golden/, test/schedule/golden-kinds.test.ts, one-cycle.test.ts).
// 2'. Where its shape is new (not a cosine-with-warmup family the kernels compute: another
//    annealing, warmup arithmetic, a cycle-length rule), kernel work: a field in wasm/family.ts
//    and assembly/, the pure-TS reference (reference.ts), the cycle walks (cycles.ts), and
//    golden vectors (test/schedule/golden.test.ts).
// 3. Its parameters in the READMEs' tables (test/schedule/params.test.ts compares them).

import { ParamError, show } from '../../core/errors.js';
import { rules } from '../../core/rules.js';
import { cawr } from './cawr.js';
import { oneCycle } from './one-cycle.js';
import type { KindInput, KindParams, ParameterDeclaration, ScheduleKind } from './kind.js';
import { sgdr } from './sgdr.js';
import { timmCosine } from './timm-cosine.js';
import { hfCosineRestarts } from './hf-cosine-restarts.js';
import { wsd } from './wsd.js';

/** Every kind, in the order flags, help and tables list them; the first is the default. */
export const KINDS = [cawr, sgdr, timmCosine, hfCosineRestarts, wsd, oneCycle] as const;

type Kind = (typeof KINDS)[number];
export type KindName = Kind['name'];

export const KIND_NAMES = KINDS.map((k) => k.name) as readonly KindName[];
/** The kind of a sweep file, `curve` or `fit` that names none. */
export const DEFAULT_KIND: KindName = KINDS[0].name;

type InputOf<K> = K extends { name: infer N extends string; parameters: infer T extends readonly ParameterDeclaration[] } ? KindInput<N, T> : never;
type ParamsOf<K> = K extends { name: infer N extends string; parameters: infer T extends readonly ParameterDeclaration[] } ? KindParams<N, T> : never;
/** What the user writes (library form), for any kind. */
export type ScheduleInput = InputOf<Kind>;
/** Any kind's parameters, defaults filled in. */
export type ScheduleParams = ParamsOf<Kind>;

/** The kind of that name, or undefined. */
export function findKind(name: unknown): ScheduleKind | undefined {
  return KINDS.find((k) => k.name === name);
}

/** The kinds `fit` searches (those with restarts to place), and the kind of a sweep's `cycles`. */
export const FIT_KIND_NAMES = KINDS.filter((k) => k.fit !== null).map((k) => k.name) as readonly KindName[];

/** The kind of that name; any other name is a ParamError listing the known kinds. */
export function kindOf(name: unknown): ScheduleKind {
  const kind = findKind(name);
  if (kind === undefined) throw new ParamError([{ key: 'schedule', message: `schedule ${rules.oneOf(KIND_NAMES)(name)}, got schedule=${show(name)}` }]);
  return kind;
}

/** The reference name of the parameter that plays `part` in a kind (peak: max_lr or base_lr), or null where the kind has none. */
export function keyRef(kind: ScheduleKind, part: keyof ScheduleKind['keys']): string | null {
  const name = kind.keys[part];
  return name === null ? null : parameterOf(kind, name).ref;
}

/** A value for each kind, by name. */
export function byKind<T>(value: (kind: ScheduleKind) => T): Record<KindName, T> {
  return Object.fromEntries(KINDS.map((k) => [k.name, value(k)])) as Record<KindName, T>;
}

/** The declaration of a kind's parameter by its camelCase name (a key named in the kind). */
export function parameterOf(kind: ScheduleKind, name: string): ParameterDeclaration {
  const d = kind.parameters.find((x) => x.name === name);
  if (d === undefined) throw new Error(`kind ${kind.name} names ${name}, which is not in its table`);
  return d;
}
