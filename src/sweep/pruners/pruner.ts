// The pruner interface (the seam's contract is in index.ts's header): what a pruner is given and
// what it answers. Everything here is plain data, so a decision is a pure function of it.

import type { Rule } from '../../core/rules.js';

/** A point of the objective: training steps done when it was reported, and its value. */
export interface StepValue {
  step: number;
  value: number;
}

/** Where a trial may be judged (readings.ts): at its points (`steps`) or only at its own cycle ends (`cycle_ends`). */
export type JudgeAt = 'steps' | 'cycle_ends';
export const JUDGE_AT: readonly JudgeAt[] = ['steps', 'cycle_ends'];

/** A trial as a pruner sees it: its readings (the points where it may be judged) and how far it got. */
export interface TrialView {
  /** complete: ran to its end; pruned: stopped by a pruner; running: still training; other: failed, diverged, interrupted, waiting. */
  state: 'complete' | 'pruned' | 'running' | 'other';
  /** Its confirmed readings in step order, values oriented so that lower is better (maximize: negated). */
  readings: readonly StepValue[];
  /** The highest step it has reported (0: none). */
  reached: number;
  /**
   * What a schedule-aware pruner (law.ts) reads besides readings; the others ignore it. Given by
   * the live check and replay; a hand-made view may leave it out (such a trial is not used).
   */
  schedule?: TrialSchedule;
}

/** Where one trial's cycles end, within its steps (readings.ts builds one from a config). */
export interface Timeline {
  /** Whether the schedule restarts within the trial's steps (shown by replay; readings do not depend on it). */
  restarts: boolean;
  /** The first cycle end at or after `step` (E >= step), `step` itself where no restart is ahead (the floor after max_cycles), or null where the cycle holding it runs past the trial's end. */
  endFrom(step: number): number | null;
  /** Its LR at every step of the trial (computed once, on first call); absent where the schedule is unknown. */
  curve?(): Float64Array;
}

/** A trial's schedule and every point it has reported so far (not only its readings). */
export interface TrialSchedule {
  /** Its trial number (what a pruner may order trials by: never the array's order). */
  number: number;
  /** Its config's hash: trials with one hash have one schedule. */
  config: string;
  /** Its schedule: where its cycles end, and its LR at every step (Timeline.curve). */
  timeline: Timeline;
  /** Every point so far in step order (steps done), oriented as readings are. */
  points: readonly StepValue[];
}

/** What a pruner is asked each time the trial being judged reports a point. */
export interface JudgeInput {
  /** The trial being judged; its readings confirmed by its newest point are the last `fresh` ones. */
  trial: TrialView;
  fresh: number;
  /** Every other trial of the sweep as stored (order does not matter: decisions never depend on it). */
  others: readonly TrialView[];
  /** The trainer's steps per trial. */
  steps: number;
  /** 1 for minimize, -1 for maximize (of the metric judged: PrunerEntry.metric's, else the objective's): values shown in reasons are sign x value. */
  sign: 1 | -1;
}

/** What a pruner's options are checked against: the objective, and the trainer's metrics when known (name -> goal, null: not said). */
export interface SweepFacts {
  goal: 'minimize' | 'maximize';
  /** The objective's metric (null: not known, e.g. a `--pruner` flag read before its sweep). */
  metric: string | null;
  metrics: Readonly<Record<string, 'minimize' | 'maximize' | null>> | null;
}

/** Go on (null) or stop, with the reason people read (`status`, `trials`). */
export type Decision = string | null;

/** A pruner's option: its default and its rule (the sweep file's and the flag's messages come from it). */
export interface PrunerOption {
  default: number | null;
  rule: Rule;
  help: string;
}

/** A pruner: its name, its options, and its decision. Adding one: index.ts's header. */
export interface PrunerEntry {
  name: string;
  /** What it follows, for help: `median (Optuna's MedianPruner)`. */
  title: string;
  options: Record<string, PrunerOption>;
  /** Where it judges unless `at` says (default: index.ts DEFAULT_AT). */
  defaultAt?: JudgeAt;
  /**
   * A pruner that judges a metric of its choosing (option `metric`, a name the trainer declares)
   * rather than the objective: its default and help. Its points are then the ones it is handed
   * (readings, TrialSchedule.points), oriented by that metric's goal. Absent: the objective's.
   */
  metric?: { default: string; help: string };
  /** A rule on the sweep as a whole, beside the options' own: a problem's option key, message and value, or null. */
  checkSweep?(options: Readonly<Record<string, number | null>>, sweep: SweepFacts, metric: string | null): { key: string; message: string; value: unknown } | null;
  /**
   * Optional: work a decision on this input needs, done ahead of judge() without holding the thread
   * (law.ts: its fit, in a fit thread), and kept where judge() finds it (a cache keyed on the
   * inputs, never on the call). The live check (check.ts) awaits it right before judge() on the
   * same input; replay does not call it. judge() must decide the same with or without it (it does
   * the work itself when it finds none kept). It resolves true when it had work to do (it took
   * time: the live check then reads the history again), false when all was kept already. It must
   * not reject: what fails is kept as the work's failure, or left for judge() to do itself (a
   * rejection ends the run, as a judge() that throws does). `context.signal`: the run is stopping
   * (end the work, keep nothing); `context.onNotice`: a line for the user (a run's stderr).
   */
  prepare?(input: JudgeInput, options: Readonly<Record<string, number | null>>, context?: PrepareContext): Promise<boolean>;
  /** The decision, given every option filled in (its own and the common ones). */
  judge(input: JudgeInput, options: Readonly<Record<string, number | null>>): Decision;
}

/** What prepare() is given besides its input: the run's stop, and where a notice goes. */
export interface PrepareContext {
  signal?: AbortSignal;
  onNotice?: (line: string) => void;
}

/** Shared by the pruners: the value to beat, given values oriented lower-is-better (numpy's nanpercentile, linear). */
export function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/** A trial's reading at a step: its latest reading at or before it, if it has reached the step. */
export function readingAt(t: TrialView, step: number): number | null {
  if (t.reached < step) return null;
  let out: number | null = null;
  for (const r of t.readings) {
    if (r.step > step) break;
    out = r.value;
  }
  return out;
}

/** A value as a reason shows it: 6 significant digits. */
export const shown = (v: number): number => Number(v.toPrecision(6));
