// Fitting a restart schedule to a training budget: which first cycle lengths make the last cycle
// end exactly at the final step, and the largest first cycle whose first K cycles fit.
//
// The rule is the engine's, exactly: cycle lengths follow nextCycleLength (cycles.ts), i.e.
// L' = int((L - w) * m) + w in float64 with truncation for cawr (warmup_first_cycle_only: later
// cycles have w = 0), and T_0 * T_mult^k for sgdr (the same family with w = 0 and an integer
// multiplier). No float log formula is used anywhere; final LRs come from the WASM engine.
//
// Why the search is exact and fast: for a fixed (multiplier, warmup, K), E_K(L0), the step at
// which cycle K begins (the sum of the first K lengths) is strictly increasing in the first
// length L0 (L0 is one of the summands, and every later length is a non-decreasing function of
// the one before, since x -> int(x * m) is monotone for m > 0). So the L0 with
// steps - slack <= E_K(L0) <= steps form one interval, found by two binary searches; with
// slack 0 there is at most one. A cycle_mult < 1 can shrink a cycle to zero length (the
// reference divides by zero entering it); the L0 whose first K cycles are all non-empty form a
// suffix [v, inf) (lengths are monotone in L0 too), found by a third binary search.
//
// Definitions used throughout (and by the tests):
// - a setting is (first_cycle_steps, multiplier, warmup, K); it fits `steps` when its first K
//   cycles are non-empty and end at E = E_K with steps - slack <= E <= steps. When E < steps
//   the setting carries max_cycles = K, so the steps E .. steps - 1 stay at min_lr (sgdr has
//   no max_cycles, so it takes slack 0 only).
// - a budget is a step count at which some searched setting ends its last cycle exactly. The
//   nearest budgets are the largest below steps - slack and the smallest above steps (up to
//   2 * steps), over every searched (multiplier, warmup, K) and first_cycle_steps <= 2 * steps.

import { ParamError, type Problem } from '../core/errors.js';
import { cycleRuns, nextCycleLength, warmupOf } from './cycles.js';
import { lintSchedule, type LintRule } from './lint.js';
import { toFamily, type Family } from './family.js';
import { FIT_KIND_NAMES, kindOf, parameterOf } from './kinds/index.js';
import type { ScheduleKind } from './kinds/kind.js';
import type { CawrFitSearch, CawrShape } from './kinds/cawr.js';
import type { SgdrFitSearch, SgdrShape } from './kinds/sgdr.js';
import { refName, withDefaults, type ScheduleInput } from './params.js';
import { resolveSchedule, type ResolvedSchedule } from './schedule.js';
import { MAX_STEP } from './validate.js';

/** The parameters fit does not search: they only shape the LR values (the final LR). */
export type { CawrFixed } from './kinds/cawr.js';
export type { SgdrFixed } from './kinds/sgdr.js';

interface FitRequestBase {
  /** The training budget: the curve has steps 0 .. steps - 1. */
  steps: number;
  /** The numbers of cycles K to try (each >= 1). */
  cycles: readonly number[];
  /** Accept a last cycle that ends up to this many steps before the end (kinds with max_cycles only; default 0). */
  slack?: number;
}

/** Each kind's searched lists (kind.fit names them) and fixed parameters. */
export type FitRequest = FitRequestBase & (CawrFitSearch | SgdrFitSearch);

/** A request's lists: the searched multipliers, and warmups ([0] for a kind without warmup). */
function searched(r: FitRequest, fit: KindFit): { mults: readonly number[]; warmups: readonly number[] } {
  const lists = r as unknown as Record<string, readonly number[]>;
  return { mults: lists[fit.multiplier.list], warmups: fit.warmup ? lists[fit.warmup.list] : [0] };
}

type KindFit = NonNullable<ScheduleKind['fit']>;

/** How fit reads a kind; a kind without restarts to place is a ParamError naming the kinds fit takes. */
function fitOf(kind: ScheduleKind): KindFit {
  if (kind.fit === null) throw new ParamError([{ key: 'schedule', message: `schedule ${kind.name} has no restarts to place: fit takes ${FIT_KIND_NAMES.join(', ')}` }]);
  return kind.fit;
}

/** The searched part of a setting: first_cycle_steps (t_0 for sgdr), multiplier, warmup, K. */
export interface FitShape {
  firstCycleSteps: number;
  /** cycle_mult (cawr) or t_mult (sgdr). */
  mult: number;
  /** warmup_steps (always 0 for sgdr). */
  warmupSteps: number;
  cycles: number;
}

export interface FitSetting extends FitShape {
  /** The full parameters, ready for curve() or a sweep file (max_cycles set when steps are left over). */
  params: ScheduleInput;
  /** Where cycles 1 .. K - 1 begin. */
  restarts: number[];
  /** The step at which the last cycle ends (cycle K would begin): steps - leftover. */
  end: number;
  /** Steps after the last cycle, held at min_lr by max_cycles. */
  leftover: number;
  /** The LR of the final step (steps - 1), from the engine. */
  finalLr: number;
  /** Lint rules this setting triggers over the budget (see lint.ts), e.g. cycle-mult-no-op. */
  warnings: LintRule[];
}

export interface NearBudget {
  steps: number;
  setting: FitShape;
}

export interface FitResult {
  settings: FitSetting[];
  /** The nearest budgets outside [steps - slack, steps] at which a searched setting ends exactly. */
  nearest: { below: NearBudget | null; above: NearBudget | null };
}

// ---- the exact walks ---------------------------------------------------------------------

/**
 * E_K for first length L0: where cycle K begins, or Infinity when that is past `cap`.
 * Once a length repeats (with its warmup), every later cycle has it: jump (as the engine does).
 */
export function endOfCycles(f: Family, first: number, cycles: number, cap: number): number {
  let end = 0;
  let length = first;
  for (let c = 0; c < cycles; c++) {
    const next = nextCycleLength(f, length, c);
    if (next === length && warmupOf(f, c + 1) === warmupOf(f, c)) return end + (cycles - c) * length <= cap ? end + (cycles - c) * length : Infinity;
    end += length;
    if (end > cap) return Infinity;
    length = next;
  }
  return end;
}

/**
 * Whether the first K cycles are all non-empty. Only cycle_mult < 1 shrinks lengths (to the
 * warmup, or to zero when a cycle has no warmup); otherwise every length stays >= L0 - w >= 1.
 */
export function cyclesNonEmpty(f: Family, first: number, cycles: number): boolean {
  if (f.cycleMult >= 1) return true;
  let length = first;
  for (let c = 0; c < cycles; c++) {
    if (length === 0) return false;
    const next = nextCycleLength(f, length, c);
    if (next === length && warmupOf(f, c + 1) === warmupOf(f, c)) return true;
    length = next;
  }
  return true;
}

/** Where cycles 1 .. K - 1 begin, for first length L0. */
export function restartSteps(f: Family, first: number, cycles: number): number[] {
  const out: number[] = [];
  let start = 0;
  let length = first;
  for (let c = 0; c + 1 < cycles; c++) {
    start += length;
    out.push(start);
    length = nextCycleLength(f, length, c);
  }
  return out;
}

/** Smallest x in [lo, hi] with pred(x) (pred monotone false..true), or hi + 1 when none. */
function firstTrue(lo: number, hi: number, pred: (x: number) => boolean): number {
  let a = lo;
  let b = hi + 1;
  while (a < b) {
    const mid = a + Math.floor((b - a) / 2);
    if (pred(mid)) b = mid;
    else a = mid + 1;
  }
  return a;
}

/**
 * The smallest schedule of a shape (the kind's shape keys taken from `shape`): first length
 * warmup + 1, other required parameters 1. Its family serves the walks, whatever the first length.
 */
function probeOf(kind: ScheduleKind, shape: Record<string, unknown>): ScheduleInput {
  const input: Record<string, unknown> = { schedule: kind.name };
  const fit = fitOf(kind);
  for (const key of fit.shape) input[key] = shape[key];
  input[kind.keys.length] = ((fit.warmup ? (shape[fit.warmup.key] as number | undefined) : 0) ?? 0) + 1;
  for (const d of kind.parameters) if (d.default === undefined && input[d.name] === undefined) input[d.name] = 1;
  return input as unknown as ScheduleInput;
}

/** The family of a shape, with the first length left to the walks. */
function familyOf(kind: ScheduleKind, mult: number, warmup: number, fixed: Record<string, unknown>): Family {
  const fit = fitOf(kind);
  const shape = { ...fixed, [fit.multiplier.key]: mult, ...(fit.warmup ? { [fit.warmup.key]: warmup } : {}) };
  return toFamily(withDefaults(probeOf(kind, shape)));
}

// ---- one (multiplier, warmup, K) ---------------------------------------------------------

interface ShapeSearch {
  /** The first lengths that fit: from .. to (empty when from > to). */
  from: number;
  to: number;
  /** The nearest exact ends outside the window: [end, first length], or null. */
  below: [number, number] | null;
  above: [number, number] | null;
  /** No larger K can fit (its smallest end is past steps, or its cycles cannot all be non-empty). */
  last: boolean;
}

function searchShape(f: Family, cycles: number, steps: number, slack: number): ShapeSearch {
  const minFirst = f.warmupSteps + 1; // warmup_steps < first_cycle_steps
  const maxFirst = 2 * steps; // E_K >= L0, so nothing larger ends within 2 * steps
  const farCap = 2 * steps;
  const valid = firstTrue(minFirst, maxFirst, (l) => cyclesNonEmpty(f, l, cycles));
  if (valid > maxFirst) return { from: 1, to: 0, below: null, above: null, last: true };
  // The window [steps - slack, steps] as first lengths: lo is the first end >= steps - slack,
  // hi the last end <= steps.
  const lo = Math.max(valid, firstTrue(minFirst, maxFirst, (l) => endOfCycles(f, l, cycles, steps - slack - 1) === Infinity));
  const hi = firstTrue(minFirst, maxFirst, (l) => endOfCycles(f, l, cycles, steps) === Infinity) - 1;
  const belowFirst = lo - 1;
  const below: [number, number] | null = belowFirst >= valid ? [endOfCycles(f, belowFirst, cycles, steps), belowFirst] : null;
  const aboveFirst = Math.max(hi + 1, valid);
  const aboveEnd = endOfCycles(f, aboveFirst, cycles, farCap);
  const above: [number, number] | null = aboveEnd === Infinity ? null : [aboveEnd, aboveFirst];
  const last = endOfCycles(f, valid, cycles, steps) === Infinity;
  return { from: lo, to: hi, below, above, last };
}

// ---- the public functions ----------------------------------------------------------------

/** Most settings one search may list. */
export const MAX_FIT_SETTINGS = 10_000;

const isInt = (v: number, min: number) => Number.isInteger(v) && v >= min && v <= MAX_STEP;

function requestProblems(r: FitRequest): Problem[] {
  const problems: Problem[] = [];
  const add = (key: string, message: string) => problems.push({ key, message });
  if (!isInt(r.steps, 1)) add('steps', `steps must be an integer from 1 to 2^52, got steps=${r.steps}`);
  const slack = r.slack ?? 0;
  if (!(Number.isInteger(slack) && slack >= 0 && slack < Math.max(1, r.steps))) add('slack', `slack must be an integer from 0 to steps - 1, got slack=${slack}, steps=${r.steps}`);
  const kind = kindOf(r.schedule);
  if (kind.keys.maxCycles === null && slack > 0) {
    add('slack', `slack needs max_cycles to hold the leftover steps at the floor, and ${kind.name} has none, got slack=${slack}`);
  }
  if (r.cycles.length === 0) add('cycles', 'cycles must list at least one number of cycles, got none');
  for (const k of r.cycles) if (!isInt(k, 1)) add('cycles', `cycles must be integers >= 1, got ${k}`);
  const fit = fitOf(kind);
  const { mults, warmups } = searched(r, fit);
  const multName = fit.multiplier.key;
  const multKey = refName(multName);
  // The values follow the parameter table's rules, worded as every other message words them.
  const check = (name: string, key: string, values: readonly number[]) => {
    const rule = parameterOf(kind, name).rule;
    for (const v of values) {
      const broken = rule(v);
      if (broken) add(key, `${key} values ${broken}, got ${v}`);
    }
  };
  if (mults.length === 0) add(multKey, `${multKey} must list at least one value, got none`);
  check(multName, multKey, mults);
  if (fit.warmup) {
    const warmupKey = refName(fit.warmup.key);
    if (warmups.length === 0) add(warmupKey, `${warmupKey} must list at least one value, got none`);
    check(fit.warmup.key, warmupKey, warmups);
  }
  return problems;
}

function paramsOf(r: FitRequest, kind: ScheduleKind, shape: FitShape, maxCycles: number | null): ScheduleInput {
  const { keys } = kind;
  const fit = fitOf(kind);
  return {
    schedule: kind.name, ...r.fixed, [keys.length]: shape.firstCycleSteps, [fit.multiplier.key]: shape.mult,
    ...(fit.warmup ? { [fit.warmup.key]: shape.warmupSteps } : {}),
    ...(maxCycles === null || !keys.maxCycles ? {} : { [keys.maxCycles]: maxCycles }),
  } as ScheduleInput;
}

/**
 * Every setting in the searched ranges whose last cycle ends at the final step (or at most
 * `slack` steps before it), in the order multiplier, warmup, K, first_cycle_steps; and the
 * nearest budgets outside the window. Throws ParamError for a bad request or fixed parameter.
 */
export function fitSchedules(r: FitRequest): FitResult {
  const problems = requestProblems(r);
  if (problems.length > 0) throw new ParamError(problems);
  const slack = r.slack ?? 0;
  const kind = kindOf(r.schedule);
  const lists = searched(r, fitOf(kind));
  const mults = [...new Set(lists.mults)];
  const warmups = [...new Set(lists.warmups)];
  const cycleCounts = [...new Set(r.cycles)].sort((a, b) => a - b);
  const fixed = (r.fixed ?? {}) as Record<string, unknown>;
  // The fixed parameters are checked once, on a schedule that is valid in every searched part.
  resolveSchedule(paramsOf(r, kind, { firstCycleSteps: Math.max(...warmups) + 1, mult: mults[0], warmupSteps: warmups[0], cycles: 1 }, null));

  // Count first: a wide --slack over many multipliers can match millions of settings, each
  // resolved and linted; refuse that before doing it rather than print a table nobody reads.
  let count = 0;
  for (const mult of mults) {
    for (const warmup of warmups) {
      const f = familyOf(kind, mult, warmup, fixed);
      for (const cycles of cycleCounts) {
        const s = searchShape(f, cycles, r.steps, slack);
        count += Math.max(0, s.to - s.from + 1);
        if (s.last) break;
      }
    }
  }
  if (count > MAX_FIT_SETTINGS) {
    throw new ParamError([{ key: 'slack', message: `slack=${slack}: the search matches ${count} settings, more than ${MAX_FIT_SETTINGS} (the most one search lists): lower slack, or search fewer multipliers, warmups or cycles` }]);
  }

  const settings: FitSetting[] = [];
  let below: NearBudget | null = null;
  let above: NearBudget | null = null;
  const one = new Float64Array(1);
  for (const mult of mults) {
    for (const warmup of warmups) {
      const f = familyOf(kind, mult, warmup, fixed);
      for (const cycles of cycleCounts) {
        const s = searchShape(f, cycles, r.steps, slack);
        const shape = (first: number): FitShape => ({ firstCycleSteps: first, mult, warmupSteps: warmup, cycles });
        if (s.below && (!below || s.below[0] > below.steps)) below = { steps: s.below[0], setting: shape(s.below[1]) };
        if (s.above && (!above || s.above[0] < above.steps)) above = { steps: s.above[0], setting: shape(s.above[1]) };
        for (let first = s.from; first <= s.to; first++) {
          const end = endOfCycles(f, first, cycles, r.steps);
          const leftover = r.steps - end;
          const params = paramsOf(r, kind, shape(first), leftover > 0 ? cycles : null);
          const schedule = resolveSchedule(params);
          schedule.fill(r.steps - 1, one);
          settings.push({
            ...shape(first), params, restarts: restartSteps(f, first, cycles), end, leftover, finalLr: one[0],
            warnings: lintSchedule(schedule, r.steps).map((w) => w.rule),
          });
        }
        if (s.last) break;
      }
    }
  }
  return { settings, nearest: { below, above } };
}

/** What shapes the cycle lengths besides the first: each kind's `fit.shape` keys. */
export type CycleShapeInput = CawrShape | SgdrShape;

export interface DerivedFirstCycle {
  /** first_cycle_steps (t_0 for sgdr): the largest whose first `cycles` cycles fit in steps. */
  firstCycleSteps: number;
  /** `cycles` for a kind with max_cycles (cawr), so leftover steps stay at its floor; null for one without (sgdr). */
  maxCycles: number | null;
  /** Where the last cycle ends, and the steps after it. */
  end: number;
  leftover: number;
}

/**
 * For sweep files' `cycles` key: the largest first_cycle_steps (t_0) whose first `cycles` cycles
 * are non-empty and end at or before `steps`, given the config's multiplier and warmup (a
 * whole config may be passed: other keys are ignored). Null when none fits, i.e. when even
 * first_cycle_steps = warmup_steps + 1 runs past steps or shrinks a cycle to zero length.
 * With sgdr, leftover steps would begin cycle `cycles` (there is no max_cycles): the caller
 * decides whether to accept a leftover there.
 */
export function deriveFirstCycleSteps(o: { steps: number; cycles: number; shape: CycleShapeInput }): DerivedFirstCycle | null {
  const problems: Problem[] = [];
  if (!isInt(o.steps, 1)) problems.push({ key: 'steps', message: `steps must be an integer from 1 to 2^52, got steps=${o.steps}` });
  if (!isInt(o.cycles, 1)) problems.push({ key: 'cycles', message: `cycles must be an integer >= 1, got cycles=${o.cycles}` });
  if (problems.length > 0) throw new ParamError(problems);
  // Resolving a schedule with the smallest allowed first length checks the shape's values.
  const kind = kindOf(o.shape.schedule);
  const f = resolveSchedule(probeOf(kind, o.shape)).family!; // fit's kinds are cycle families (kind.fit)
  const minFirst = f.warmupSteps + 1;
  const first = firstTrue(minFirst, o.steps, (l) => endOfCycles(f, l, o.cycles, o.steps) === Infinity) - 1;
  if (first < minFirst || !cyclesNonEmpty(f, first, o.cycles)) return null;
  const end = endOfCycles(f, first, o.cycles, o.steps);
  return { firstCycleSteps: first, maxCycles: kind.keys.maxCycles === null ? null : o.cycles, end, leftover: o.steps - end };
}

/**
 * For sweep files' `constraints: { end_at_cycle_end: true }`: whether a cycle of the schedule
 * ends exactly at the final step (step `steps` would begin a new cycle, or max_cycles ends the
 * schedule right there). A schedule that max_cycles ended earlier, leaving steps at min_lr,
 * does not end there.
 */
export function endsAtFinalStep(schedule: ResolvedSchedule, steps: number): boolean {
  // A kind with its own curve (one_cycle) ends where its steps end: total_steps training steps.
  if (schedule.family === null) return schedule.end - 1 === steps;
  const { runs } = cycleRuns(schedule.family, steps);
  const last = runs[runs.length - 1];
  // The cycles that start before `steps` cover [0, covered): exactly up to steps, or past it.
  return last !== undefined && last.start + last.count * last.length === steps;
}
