// Offline replay: pruners run over a finished sweep's recorded points as if live, to show what
// they would have cost before anyone trusts one. Trials start in number order on N simulated
// workers (a worker takes the next trial the moment its last one ends, completed or stopped);
// time is counted in training steps, so a trial's point at step p arrives p steps after it
// started. At each point of the metric the pruner judges (the objective's, or law's `metric`:
// RecordedTrial.series), the pruner is asked exactly as the live check asks it (pruners/
// judge(), the same readings): the other trials as they stood at that moment (their points so
// far; complete once their last point arrived; pruned once stopped). Pure: nothing is read or
// written here (commands/replay.ts reads the sweep).
//
// Measures (kurobako's, for one pruner):
// - saved: the share of trial-steps not trained (a stopped trial costs the steps it had done);
// - kept configs: those with at least one repeat run to its end; the pick: the kept config with
//   the best mean final objective over its completed repeats (what `lrsweep best` would show);
// - best survived: whether the true best config (best mean final objective over all its recorded
//   repeats) is kept; regret: the pick's true mean minus the true best's (0 when they are the
//   same; positive is worse, for either goal), and in units of the repeats' spread: the mean over
//   configs of the standard deviation of their repeats' final objectives (null without repeats);
// - auc: the area under the best-so-far curve (the best final objective of the trials completed so
//   far) against trial-steps spent, as a fraction of the unpruned sweep's trial-steps, from 0 to
//   1 (after the sweep ends the best stays); before the first completion it counts the worst final
//   objective of the recording. Lower is better for minimize, higher for maximize.

import { judge, judgedMetric, type Pruner } from './pruners/index.js';
import type { StepValue, TrialSchedule, TrialView } from './pruners/pruner.js';
import { readingsOf, type Timeline } from './pruners/readings.js';

/** A recorded trial as replay uses it. */
export interface RecordedTrial {
  number: number;
  configHash: string;
  /** Its objective's points in step order (steps done), as recorded (not oriented). */
  points: StepValue[];
  /** Other metrics' points, likewise, for a pruner that judges a metric of its own (law's `metric`): by metric name. */
  series?: Readonly<Record<string, StepValue[]>>;
  timeline: Timeline;
  /** complete: ran to its end and has a final objective; other (diverged): never ranked, replayed to its last point. */
  state: 'complete' | 'other';
  /** The final objective of a complete trial (null otherwise). */
  final: number | null;
}

export interface ReplayOptions {
  workers: number;
  /** The trainer's steps per trial. */
  steps: number;
  goal: 'minimize' | 'maximize';
  /**
   * The objective's metric, the one RecordedTrial.points hold. A pruner that judges another
   * (judgedMetric) is handed RecordedTrial.series[its metric] (none: the trial is never judged).
   * Absent: points are what every pruner judges (recordings of one metric).
   */
  metric?: string;
}

export interface ReplayResult {
  totalSteps: number;
  spentSteps: number;
  saved: number;
  /** Trial numbers stopped, in number order, each with the step and the reason. */
  pruned: { number: number; step: number; reason: string }[];
  keptConfigs: string[];
  trueBest: string | null;
  pick: string | null;
  bestSurvived: boolean;
  regret: number | null;
  spread: number | null;
  regretInSpread: number | null;
  auc: number | null;
}

interface Prepared {
  t: RecordedTrial;
  oriented: StepValue[];
  readings: StepValue[];
  /** For each reading, the step of the point that confirmed it. */
  confirmedAt: number[];
  length: number;
}

/** The metric the pruner judges (undefined: RecordedTrial.points, whatever they hold) and its orientation. */
function judging(pruner: Pruner, o: ReplayOptions): { metric: string | undefined; sign: 1 | -1; named: string | null } {
  return o.metric === undefined ? { metric: undefined, sign: o.goal === 'maximize' ? -1 : 1, named: null } : judgedMetric(pruner, { metric: o.metric, goal: o.goal });
}

function prepare(t: RecordedTrial, pruner: Pruner, o: ReplayOptions, { metric, sign }: ReturnType<typeof judging>): Prepared {
  const steps = o.steps;
  const objective = t.points.length ? t.points[t.points.length - 1].step : 0;
  // The judged metric's points within the trial's recorded length (the objective's: what measure() counts).
  const judged = metric === undefined || metric === o.metric ? t.points : (t.series?.[metric] ?? []).filter((p) => t.state === 'complete' || p.step <= objective);
  const oriented = judged.map((p) => ({ step: p.step, value: sign * p.value }));
  const readings = readingsOf(oriented, t.timeline, pruner.at);
  const confirmedAt: number[] = [];
  let j = 0;
  for (const r of readings) {
    while (oriented[j].step !== r.step) j++;
    confirmedAt.push(pruner.at === 'steps' || t.timeline.endFrom(r.step) === r.step ? r.step : oriented[j + 1].step);
  }
  const last = Math.max(objective, oriented.length ? oriented[oriented.length - 1].step : 0);
  return { t, oriented, readings, confirmedAt, length: t.state === 'complete' ? Math.max(last, steps) : last };
}

/** A trial's schedule and its first `count` points, as a schedule-aware pruner sees them (the full list is shared once complete). */
function scheduleOf(p: Prepared, count: number): TrialSchedule {
  return { number: p.t.number, config: p.t.configHash, timeline: p.t.timeline, points: count === p.oriented.length ? p.oriented : p.oriented.slice(0, count) };
}

/** The mean of each config's values. */
function means(values: Map<string, number[]>): Map<string, number> {
  return new Map([...values].map(([k, v]) => [k, v.reduce((a, b) => a + b, 0) / v.length]));
}

function argBest(m: Map<string, number>, sign: 1 | -1): string | null {
  let best: string | null = null;
  for (const [k, v] of m) if (best === null || sign * v < sign * m.get(best)! || (sign * v === sign * m.get(best)! && k < best)) best = k;
  return best;
}

/** Replays one pruner over recorded trials (number order). */
export function replay(recorded: readonly RecordedTrial[], pruner: Pruner, o: ReplayOptions): ReplayResult {
  const judged = judging(pruner, o);
  const sign = judged.sign;
  const trials = [...recorded].sort((a, b) => a.number - b.number).map((t) => prepare(t, pruner, o, judged));
  const n = trials.length;
  const start = new Array<number>(n).fill(Infinity);
  const end = new Array<number>(n).fill(Infinity);
  /** Points consumed so far per trial. */
  const seen = new Array<number>(n).fill(0);
  const prunedAt = new Map<number, { step: number; reason: string }>();
  let next = 0;
  const startNext = (at: number) => {
    if (next < n) {
      start[next] = at;
      if (trials[next].oriented.length === 0) end[next] = at + trials[next].length;
      next++;
    }
  };
  for (let w = 0; w < Math.max(1, o.workers); w++) startNext(0);

  const viewAt = (i: number, now: number): TrialView | null => {
    if (start[i] > now) return null;
    const p = trials[i];
    const elapsed = Math.min(now, end[i]) - start[i];
    let k = 0;
    while (k < p.readings.length && p.confirmedAt[k] <= elapsed) k++;
    let reached = 0;
    for (const pt of p.oriented) if (pt.step <= elapsed) reached = pt.step;
    const ended = end[i] <= now;
    const state: TrialView['state'] = prunedAt.has(i) ? 'pruned' : ended ? (p.t.state === 'complete' ? 'complete' : 'other') : 'running';
    if (state === 'complete') reached = Math.max(reached, o.steps);
    let seenPoints = 0;
    while (seenPoints < p.oriented.length && p.oriented[seenPoints].step <= elapsed) seenPoints++;
    return { state, readings: p.readings.slice(0, k), reached, schedule: scheduleOf(p, seenPoints) };
  };

  for (;;) {
    // The next point to arrive: earliest time, then lowest trial number.
    let pick = -1;
    let when = Infinity;
    for (let i = 0; i < next; i++) {
      if (end[i] !== Infinity || seen[i] >= trials[i].oriented.length) continue;
      const at = start[i] + trials[i].oriented[seen[i]].step;
      if (at < when) {
        when = at;
        pick = i;
      }
    }
    // A trial with no points left ends at its length; its worker takes the next trial.
    let ending = -1;
    let endsAt = Infinity;
    for (let i = 0; i < next; i++) {
      if (end[i] !== Infinity || seen[i] < trials[i].oriented.length) continue;
      const at = start[i] + trials[i].length;
      if (at < endsAt) {
        endsAt = at;
        ending = i;
      }
    }
    if (ending >= 0 && endsAt <= when) {
      end[ending] = endsAt;
      startNext(endsAt);
      continue;
    }
    if (pick < 0) break;
    const p = trials[pick];
    seen[pick]++;
    const prefix = p.oriented.slice(0, seen[pick]);
    const elapsed = prefix[prefix.length - 1].step;
    let k = 0;
    while (k < p.readings.length && p.confirmedAt[k] <= elapsed) k++;
    const kBefore = seen[pick] > 1 ? p.confirmedAt.filter((c) => c <= prefix[prefix.length - 2].step).length : 0;
    const fresh = k - kBefore;
    if (fresh === 0 || seen[pick] === p.oriented.length && p.t.state === 'complete' && elapsed >= o.steps) continue;
    const others: TrialView[] = [];
    for (let i = 0; i < next; i++) {
      if (i === pick) continue;
      const v = viewAt(i, when);
      if (v) others.push(v);
    }
    const view: TrialView = { state: 'running', readings: p.readings.slice(0, k), reached: elapsed, schedule: scheduleOf(p, seen[pick]) };
    const reason = judge(pruner, { trial: view, fresh, others, steps: o.steps, sign }, judged.named);
    if (reason !== null) {
      prunedAt.set(pick, { step: elapsed, reason });
      end[pick] = when;
      startNext(when);
    }
  }

  const byNumber = new Map([...prunedAt].map(([i, v]) => [trials[i].t.number, v]));
  return measure(recorded, byNumber, o);
}

/**
 * The measures of a sweep whose trials these were stopped where given (by trial number): each
 * trial costs the steps it did; trials start in number order on o.workers workers, each the
 * moment one is free. What replay reports, and how the benchmark measures Optuna's pruners fed
 * the same curves.
 */
export function measure(recorded: readonly RecordedTrial[], stopped: ReadonlyMap<number, { step: number; reason: string }>, o: ReplayOptions): ReplayResult {
  const sign: 1 | -1 = o.goal === 'maximize' ? -1 : 1;
  const trials = [...recorded].sort((a, b) => a.number - b.number).map((t) => {
    const last = t.points.length ? t.points[t.points.length - 1].step : 0;
    return { t, length: t.state === 'complete' ? Math.max(last, o.steps) : last };
  });
  const n = trials.length;
  const prunedAt = new Map<number, { step: number; reason: string }>();
  trials.forEach((p, i) => {
    const s = stopped.get(p.t.number);
    if (s) prunedAt.set(i, s);
  });
  const start: number[] = [];
  const end: number[] = [];
  const free: number[] = new Array(Math.max(1, o.workers)).fill(0);
  for (let i = 0; i < n; i++) {
    let w = 0;
    for (let k = 1; k < free.length; k++) if (free[k] < free[w]) w = k;
    start.push(free[w]);
    end.push(free[w] + (prunedAt.get(i)?.step ?? trials[i].length));
    free[w] = end[i];
  }
  const totalSteps = trials.reduce((a, p) => a + p.length, 0);
  const spentSteps = trials.reduce((a, p, i) => a + (prunedAt.get(i)?.step ?? p.length), 0);
  const all = new Map<string, number[]>();
  const kept = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const t = trials[i].t;
    if (t.state !== 'complete' || t.final === null) continue;
    all.set(t.configHash, [...(all.get(t.configHash) ?? []), t.final]);
    if (!prunedAt.has(i)) kept.set(t.configHash, [...(kept.get(t.configHash) ?? []), t.final]);
  }
  const trueMeans = means(all);
  const trueBest = argBest(trueMeans, sign);
  const pickHash = argBest(means(kept), sign);
  const regret = trueBest === null || pickHash === null ? null : sign * (trueMeans.get(pickHash)! - trueMeans.get(trueBest)!);
  const stds = [...all.values()].filter((v) => v.length > 1).map((v) => {
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
  });
  const spread = stds.length ? stds.reduce((a, b) => a + b, 0) / stds.length : null;

  // Best so far against trial-steps spent: completions in time order.
  const completions = trials.map((p, i) => ({ i, at: end[i] })).filter(({ i }) => !prunedAt.has(i) && trials[i].t.state === 'complete' && trials[i].t.final !== null).sort((a, b) => a.at - b.at || a.i - b.i);
  const spentBy = (time: number) => trials.reduce((a, p, i) => a + Math.max(0, Math.min(time, end[i]) - start[i]), 0);
  const finals = [...all.values()].flat();
  let auc: number | null = null;
  if (finals.length > 0 && totalSteps > 0) {
    let y = finals.reduce((a, b) => (sign * b > sign * a ? b : a));
    let x = 0;
    auc = 0;
    for (const c of completions) {
      const cx = spentBy(c.at) / totalSteps;
      auc += y * (cx - x);
      x = cx;
      const f = trials[c.i].t.final!;
      if (sign * f < sign * y) y = f;
    }
    auc += y * (1 - x);
  }
  return {
    totalSteps, spentSteps, saved: totalSteps > 0 ? 1 - spentSteps / totalSteps : 0,
    pruned: [...prunedAt].map(([i, v]) => ({ number: trials[i].t.number, ...v })).sort((a, b) => a.number - b.number),
    keptConfigs: [...kept.keys()].sort(), trueBest, pick: pickHash, bestSurvived: trueBest !== null && kept.has(trueBest),
    regret, spread, regretInSpread: regret !== null && spread !== null && spread > 0 ? regret / spread : null, auc,
  };
}
