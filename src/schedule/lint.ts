// Schedule lints: traps of restart schedules that only the exact integer rules show. Warnings,
// never errors: a linted schedule is valid and runs; callers print the warnings (stderr, the
// HTML report) unless silenced (--no-lint, or a sweep file's `lint: { ignore: [rule, ...] }`).
//
// The rule names are stable (users silence them by name). Each is checked over one run of
// `steps` steps (steps 0 .. steps - 1), on the cycles that start within it (before max_cycles
// ends the schedule), with the same cycle bookkeeping as the engine (cycles.ts cycleRuns) and
// LR values from the engine itself. Each kind lists the rules that apply to it (its `lints`,
// kinds/); the checks read the kind's cycle family:
//
// - ends-mid-cycle: the final step is not the last step of its cycle, the schedule has not
//   ended through max_cycles by then, and less than 95% of the cycle's annealing part has run
//   (20 * (done - w) < 19 * (L - w), with `done` of the cycle's L steps run and w its warmup).
//   From 95% on the LR is within 0.7% of the cycle's range above its floor: as good as ended.
//   Says the final LR, and the nearest budgets that end a cycle (the cycle's start and end).
// - cycle-mult-no-op: cawr with cycle_mult > 1 where truncation keeps two consecutive cycles
//   of the run at the same length (int((L - w) * m) + w = L); from there every cycle has that
//   length. Says from which cycle, the arithmetic, and what would grow.
// - peak-below-min: cawr without peak_floor, gamma < 1, where some cycle of the run peaks
//   below min_lr (its first step after warmup, as the engine computes it, is below min_lr), so
//   it runs upside down. Says from which cycle, and the opt-in (peak_floor) that fixes it. Not
//   raised when allow_min_above_max puts min_lr above max_lr: then that is what was asked for.
// - warmup-dominates: cawr where some cycle of the run has warmup_steps > 0 and at least half
//   of its steps are warmup (2 * w >= L). Says which cycles.
// - shrinking-cycles: cawr with cycle_mult < 1 and at least one restart in the run. Says the
//   lengths and where they reach zero (a scheduler stepped there divides by zero), or the
//   warmup-only length they shrink to, or that max_cycles ends the schedule first.
//
// The kinds with their own curve (kinds/kind.ts OwnCurve.lint) check their own rules:
// - misplaced-restart: timm_cosine with cycle_mul != 1, where timm's floored float logarithm
//   puts a step in the cycle before its own (t_curr = t_i: lr_min where a restart belongs, t = 242
//   for t_initial 2, cycle_mul 3) or after it, and the LR differs from the fixed one. Names the
//   steps and the opt-in fix_cycle_index.
// - negative-stable: wsd whose stable length, derived as num_training_steps - num_warmup_steps -
//   num_decay_steps, is negative: the decay starts inside the warmup.
// - negative-min-ratio: wsd with min_lr_ratio < 0: the LR after the decay is negative.
// - warmup-past-total: hf_cosine_restarts or wsd whose warmup reaches the total steps.
// - three-phase-late-peak: one_cycle with three_phase and pct_start > 0.5 (the second phase ends
//   after the third begins, so the LR runs past its targets).

import { UsageError } from '../core/errors.js';
import { fillCurve } from '../wasm/engine.js';
import { cycleRuns, nextCycleLength, warmupOf, type CycleRun } from './cycles.js';
import type { Family } from './family.js';
import type { ScheduleKind } from './kinds/kind.js';
import { LINT_RULES, type LintRule } from './lint-rules.js';
import { refName } from './params.js';
import type { ResolvedSchedule } from './schedule.js';
import { CLI } from '../core/cli-name.js';

export { LINT_RULES, type LintRule };

export interface LintWarning {
  rule: LintRule;
  message: string;
}

export interface LintOptions {
  /** Rule names to skip. */
  ignore?: readonly string[];
}

/** Names in `names` that are not lint rules (for checking a sweep file's lint.ignore). */
export function unknownLintRules(names: readonly string[]): string[] {
  return names.filter((n) => !(LINT_RULES as readonly string[]).includes(n));
}

/** One line for stderr: `warning [rule]: message`. */
export function formatLintWarning(w: LintWarning): string {
  return `warning [${w.rule}]: ${w.message}`;
}

/** Four significant digits, for LR values in messages. */
const fmt = (v: number): string => String(Number(v.toPrecision(4)));

/** How the run's cycles lie: the runs of equal cycles that start before `steps`, and lookups. */
class RunCycles {
  readonly runs: CycleRun[];
  /** Where max_cycles ends the schedule (Infinity without it, or when it ends after the run). */
  readonly end: number;
  /** Number of cycles that start within the run. */
  readonly count: number;
  private readonly one = new Float64Array(1);

  constructor(readonly f: Family, readonly steps: number) {
    const { runs, end } = cycleRuns(f, steps);
    this.runs = runs;
    this.end = end;
    const last = runs[runs.length - 1];
    this.count = last ? last.firstCycle + last.count : 0;
  }

  /** The cycle holding step t: its number, start, length and warmup (null past the cycles). */
  locate(t: number): { cycle: number; start: number; length: number; warmup: number } | null {
    for (const r of this.runs) {
      if (t >= r.start && t < r.start + r.count * r.length) {
        const i = Math.floor((t - r.start) / r.length);
        return { cycle: r.firstCycle + i, start: r.start + i * r.length, length: r.length, warmup: r.warmup };
      }
    }
    return null;
  }

  /** Cycle number c of the run: its start, length and warmup. */
  cycle(c: number): { start: number; length: number; warmup: number } {
    const r = this.runs.find((x) => c >= x.firstCycle && c < x.firstCycle + x.count)!;
    return { start: r.start + (c - r.firstCycle) * r.length, length: r.length, warmup: r.warmup };
  }

  /** The engine's LR at step t. */
  lr(t: number): number {
    fillCurve(this.f, t, this.one);
    return this.one[0];
  }
}

/** A rule's message for a kind the rule applies to (its `lints`), or null. Values come from the family. */
type Check = (kind: ScheduleKind, run: RunCycles) => string | null;

const endsMidCycle: Check = (kind, run) => {
  const t = run.steps - 1;
  if (t < 0 || t >= run.end) return null;
  const at = run.locate(t);
  if (!at) return null;
  const done = t - at.start + 1;
  const annealing = at.length - at.warmup;
  if (done === at.length || 20 * (done - at.warmup) >= 19 * annealing) return null;
  const floorName = refName(kind.keys.floor ?? 'floor');
  const budgets = at.start > 0 ? `${at.start} or ${at.start + at.length} steps` : `${at.length} steps`;
  return `the run's last step ${t} is step ${done - 1} of the ${at.length} steps of cycle ${at.cycle} (steps ${at.start} to ${at.start + at.length - 1}), ` +
    `at lr ${fmt(run.lr(t))} where a cycle ends near ${floorName}=${fmt(run.f.minLr)}; ` +
    `budgets that end a cycle: ${budgets} (\`${CLI} fit --steps ${run.steps}\` finds lengths that end at ${run.steps})`;
};

/** Whether a cycle body of b steps grows under multiplier m: int(b * m) >= b + 1. */
const grows = (b: number, m: number) => Math.trunc(b * m) >= b + 1;

/** A multiplier that grows a body of b steps: (b + 1) / b rounded up to 3 digits of its excess. */
function multiplierThatGrows(b: number): number {
  const excess = 1 / b;
  const unit = 10 ** (Math.floor(Math.log10(excess)) - 2);
  let e = Number(excess.toPrecision(3));
  if (e < excess) e += unit;
  for (let i = 0; i < 10; i++, e += unit) {
    const m = Number((1 + e).toPrecision(15));
    if (grows(b, m)) return m;
  }
  return (b + 1) / b;
}

/** The smallest cycle body (steps after warmup) that multiplier m > 1 grows. */
function bodyThatGrows(m: number): number {
  let b = Math.max(1, Math.ceil(1 / (m - 1)));
  while (b > 1 && grows(b - 1, m)) b--;
  while (!grows(b, m)) b++;
  return b;
}

const cycleMultNoOp: Check = (_kind, run) => {
  if (run.f.cycleMult <= 1) return null;
  const stuck = run.runs.find((r) => r.count >= 2);
  if (!stuck) return null;
  const m = run.f.cycleMult;
  const { length: L, warmup: w, firstCycle: c } = stuck;
  const body = L - w;
  return `cycle_mult=${m} changes nothing from cycle ${c} on: int((${L} - ${w}) * ${m}) + ${w} = ${L}, so every cycle from step ${stuck.start} has ${L} steps; ` +
    `cycles with ${body} steps after warmup need cycle_mult >= ${multiplierThatGrows(body)} to grow, ` +
    `and cycle_mult=${m} grows only cycles with ${bodyThatGrows(m)} or more steps after warmup`;
};

const peakBelowMin: Check = (_kind, run) => {
  const s = run.f;
  if (s.peakFloor !== 'none' || s.gamma >= 1 || s.minLr > s.maxLr) return null;
  // The highest step of cycle c: its first step after warmup (its last if it is all warmup).
  const peakStep = (c: number) => {
    const x = run.cycle(c);
    return x.start + Math.min(x.warmup, x.length - 1);
  };
  const below = (c: number) => run.lr(peakStep(c)) < s.minLr;
  const last = run.count - 1;
  // Peaks fall with c (max_lr * gamma^c): the first cycle below is found by bisection. Cycle 0
  // peaks at max_lr >= min_lr.
  if (last < 1 || !below(last)) return null;
  let lo = 1;
  let hi = last;
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (below(mid)) hi = mid;
    else lo = mid + 1;
  }
  const which = lo === last ? `this run's last cycle (${lo}) runs` : `this run's cycles ${lo} to ${last} run`;
  return `gamma=${s.gamma} puts the peak max_lr * gamma^c below min_lr=${s.minLr} from cycle ${lo} on ` +
    `(it starts at step ${run.cycle(lo).start}, peak ${fmt(s.maxLr * s.gamma ** lo)}); ${which} upside down, rising from min_lr instead of falling to it; ` +
    `peak_floor: clamp (--peak-floor clamp) holds the peaks at min_lr, peak_floor: amplitude decays towards it`;
};

const warmupDominates: Check = (_kind, run) => {
  const s = run.f;
  let first = -1;
  let last = -1;
  let shortest = Infinity;
  let longest = 0;
  for (const r of run.runs) {
    if (r.warmup === 0 || 2 * r.warmup < r.length) continue;
    if (first < 0) first = r.firstCycle;
    last = r.firstCycle + r.count - 1;
    shortest = Math.min(shortest, r.length);
    longest = Math.max(longest, r.length);
  }
  if (first < 0) return null;
  const w = s.warmupSteps;
  const fix = !s.warmupFirstCycleOnly && last > 0 ? '; warmup_first_cycle_only (--warmup-first-cycle-only) keeps the warmup to cycle 0' : '';
  if (first === last) {
    return `warmup_steps=${w} is ${Math.round((100 * w) / longest)}% of cycle ${first} (${longest} steps): it warms up for ${w} steps and anneals for ${longest - w}${fix}`;
  }
  const lengths = shortest === longest ? `${longest} steps long` : `${shortest} to ${longest} steps long`;
  return `warmup_steps=${w} is half or more of ${last - first + 1} of the run's ${run.count} cycles (cycles ${first} to ${last}, ${lengths}): ` +
    `each warms up for at least as many steps as it anneals${fix}`;
};

/** Cycles walked at most, looking for where shrinking lengths end up. */
const SHRINK_WALK = 1_000_000;

const shrinkingCycles: Check = (_kind, run) => {
  const f = run.f;
  if (f.cycleMult >= 1 || run.count < 2) return null;
  const shown: number[] = [];
  let length = f.firstCycleSteps;
  let start = 0;
  let where = `they do not reach zero within ${SHRINK_WALK} cycles`;
  for (let c = 0; c < SHRINK_WALK; c++) {
    if (f.maxCycles !== null && c >= f.maxCycles) {
      where = `max_cycles=${f.maxCycles} ends the schedule at step ${start} before they reach zero`;
      break;
    }
    if (length === 0) {
      where = `reaching zero length at cycle ${c} (step ${start}), where a scheduler stepped on divides by zero`;
      break;
    }
    const next = nextCycleLength(f, length, c);
    if (next === length && warmupOf(f, c + 1) === warmupOf(f, c)) {
      where = `down to ${length} steps from cycle ${c} (step ${start}): cycles that are all warmup and never anneal`;
      break;
    }
    if (shown.length < 6) shown.push(length);
    start += length;
    length = next;
  }
  const lengths = `${shown.join(', ')}${shown.length === 6 ? ', ...' : ''}`;
  return `cycle_mult=${f.cycleMult} shrinks every cycle: ${lengths} steps, ${where}; this run's last step is ${run.steps - 1}`;
};

/** The family's checks; the other rules belong to the kinds with their own curve, which check them (kind.ts OwnCurve.lint). */
const CHECKS: Partial<Record<LintRule, Check>> = {
  'ends-mid-cycle': endsMidCycle,
  'cycle-mult-no-op': cycleMultNoOp,
  'peak-below-min': peakBelowMin,
  'warmup-dominates': warmupDominates,
  'shrinking-cycles': shrinkingCycles,
};

/**
 * The warnings for a resolved schedule run for `steps` steps, in LINT_RULES order. Throws a
 * UsageError when `ignore` names a rule that does not exist (listing the rules).
 */
export function lintSchedule(resolved: ResolvedSchedule, steps: number, options: LintOptions = {}): LintWarning[] {
  const kind = resolved.kind;
  const ignore = options.ignore ?? [];
  const unknown = unknownLintRules(ignore);
  if (unknown.length > 0) throw new UsageError(`ignore must list lint rules (${LINT_RULES.join(', ')}), got ${JSON.stringify(unknown[0])}`);
  if (steps < 1) return [];
  if (resolved.family === null) {
    const own = resolved.own!.lint(steps);
    return LINT_RULES.filter((rule) => !ignore.includes(rule) && kind.lints.includes(rule))
      .flatMap((rule) => own.filter((w) => w.rule === rule));
  }
  const run = new RunCycles(resolved.family, steps);
  const out: LintWarning[] = [];
  for (const rule of LINT_RULES) {
    const check = CHECKS[rule];
    if (ignore.includes(rule) || !kind.lints.includes(rule) || check === undefined) continue;
    const message = check(kind, run);
    if (message !== null) out.push({ rule, message });
  }
  return out;
}
