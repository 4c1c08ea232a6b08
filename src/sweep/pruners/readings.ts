// Where a trial may be judged: its readings, the points a pruner compares. lrsweep knows every
// trial's schedule for every step, so it knows where each cycle ends before the trial gets there.
// - at: steps — every point is a reading (Optuna's and Ray Tune's pruners).
// - at: cycle_ends — a trial is read only at the last point at or before one of its own cycle
//   ends, when no restart lies between that point and the end (the point is in the cycle that
//   ends there); a cycle with no such point gives no reading, nor does a last cycle that runs past
//   the trial's end. After max_cycles the LR stays at its floor: every point there is a reading.
//   A config without restarts has one cycle: it is read only where that cycle ends, so it is
//   never stopped early (a single cosine cycle is at its worst mid-way, where `steps` would judge
//   it: on the recorded sweep lm-misranked the eventual best is such a config). This is also the
//   rule for a sweep that mixes configs with and without restarts; a sweep of single-cycle
//   configs that wants pruning says `at: steps`.
// Steps are training steps done (a point after the first 250 steps is step 250; stored points
// convert through progress.ts stepsAt), and a cycle "ends at E" when E steps are done and the
// next LR step, E, starts the next cycle. A reading is confirmed once the trial has reported a
// point at or after the cycle end, since only then is it known to be the last one before it:
// at once when the point falls on the end, else with the next point.

import { fromReferenceNames } from '../../schedule/params.js';
import { resolveSchedule } from '../../schedule/schedule.js';
import type { Config } from '../definition.js';
import type { JudgeAt, StepValue, Timeline } from './pruner.js';

export type { Timeline } from './pruner.js';

/** A trial's timeline from its config (reference names) and its steps. */
export function timelineOf(config: Config, steps: number): Timeline {
  const schedule = resolveSchedule(fromReferenceNames(config));
  const restarts = steps > 1 && schedule.restarts({ start: 0, steps }) > 0;
  const { runs, end } = schedule.cycleRuns(steps + 1);
  let lr: Float64Array | null = null;
  return {
    restarts,
    curve: () => (lr ??= schedule.curve({ steps })),
    endFrom(step) {
      if (step >= end) return step; // the floor after max_cycles: no restart ahead
      for (const run of runs) {
        const runEnd = run.start + run.count * run.length;
        if (step > runEnd) continue;
        const k = Math.max(0, Math.ceil((step - run.start) / run.length));
        const e = run.start + k * run.length;
        return e <= steps ? e : null;
      }
      return null;
    },
  };
}

/** A timeline read at every point (a trial whose config cannot be built: it never trains; and hand-made tests). */
export const FLAT: Timeline = { restarts: false, endFrom: (step) => step };

/**
 * The readings of a trial's points (step order), each confirmed by the points given: `steps`
 * reads every point; `cycle_ends` as the header says.
 */
export function readingsOf(points: readonly StepValue[], timeline: Timeline, at: JudgeAt): StepValue[] {
  if (at === 'steps') return points.slice();
  const out: StepValue[] = [];
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    const end = timeline.endFrom(p.step);
    if (end === null) continue;
    if (end === p.step) out.push(p); // on the end, or on the floor after max_cycles
    else if (i + 1 < points.length && points[i + 1].step > end) out.push(p); // the last point before the end
  }
  return out;
}

/** The readings of `points` that its last point confirmed (those the points before it did not). */
export function freshOf(points: readonly StepValue[], timeline: Timeline, at: JudgeAt): number {
  const n = points.length;
  if (n === 0) return 0;
  if (at === 'steps') return 1;
  const last = points[n - 1];
  let fresh = timeline.endFrom(last.step) === last.step ? 1 : 0;
  if (n > 1) {
    const prev = points[n - 2];
    const end = timeline.endFrom(prev.step);
    if (end !== null && end !== prev.step && last.step > end) fresh++;
  }
  return fresh;
}
