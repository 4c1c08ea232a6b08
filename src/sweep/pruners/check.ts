// The live check: builds the dispatcher's prune check from a sweep's pruner and its stored history
// (a PruneCheckFactory, sweep/prune-hook.ts: a run or a worker's session calls it when it opens a
// sweep). The dispatcher calls the check with each point of the
// metric its pruner judges (the objective, or law's `metric`: PruneCheck.metric) a trial reports (its points so far, in step order, each at the index of the last
// optimizer step before it, from 0: here counted as steps done, that index + 1, as progress.ts
// counts stored points). Only a point that confirms a reading
// (readings.ts) is judged; every other point is answered at once without touching storage. At a
// reading, what this run settled is committed first (PruneContext.commit), then the other trials
// are read from storage as they stand: a trial that ended (complete, pruned, diverged, failed) has
// its points read once and its readings kept, since they never change again; those in training
// have theirs read anew. (An earlier version read at most once a second: a sweep of short trials
// then judged every trial against a history from before the ones that had just ended, and pruned
// nothing.) The decision itself is pruners/index.ts
// judge(), a pure function of what it is handed, after the pruner's prepare() on the same input
// (index.ts prepare(): the law's fit, run in a fit thread so that this thread, which also sends
// heartbeats and takes other trials' points, is not held for its seconds); a check whose prepare()
// waited reads the history again before it judges (below).

import { FINAL_STATES, type MetricPoint } from '../../core/trial.js';
import type { Storage, TrialRecord } from '../../storage/types.js';
import type { Config, Sweep } from '../definition.js';
import { stepsAt, type TrialSteps } from '../progress.js';
import { judge, judgedMetric, prepare, prunerOf, type JudgeInput, type Pruner } from './index.js';
import { prunerFlag } from './spec.js';
import { UsageError } from '../../core/errors.js';
import { canPlacePoints } from '../points-steps.js';
import type { StepValue, SweepFacts, TrialView } from './pruner.js';
import { freshOf, readingsOf, timelineOf, FLAT, type Timeline } from './readings.js';
import type { PruneCheck, PruneCheckFactory, PruneContext } from '../prune-hook.js';
import type { LoadedSweep } from '../file.js';


/** One metric's points of stored points (the objective's, or the one a pruner judges), in step order, as steps done (points without a step or a finite value left out). */
export function objectivePoints(points: readonly MetricPoint[], metric: string, steps: TrialSteps, sign: 1 | -1): StepValue[] {
  const out: StepValue[] = [];
  for (const p of points) {
    const value = p.values[metric];
    const step = stepsAt(p, steps);
    if (step === null || value === undefined || !Number.isFinite(value)) continue;
    out.push({ step, value: sign * value });
  }
  return out.sort((a, b) => a.step - b.step);
}

/** The state a pruner sees of a stored trial. */
export function viewState(state: string): TrialView['state'] {
  if (state === 'complete' || state === 'pruned') return state;
  return state === 'running' || state === 'queued' ? 'running' : 'other';
}

/** How many times a check reads the history and prepares on it before it judges on the last (prepare() and its rounds: the check). */
const MAX_PREPARE_ROUNDS = 3;

// Final states only: a failed trial runs again on resume (its next attempt's points replace these).
const ENDED = new Set<string>(FINAL_STATES);

/** Timelines by config hash: a config's cycle ends are computed once. */
export class Timelines {
  private readonly byHash = new Map<string, Timeline>();
  constructor(private readonly steps: number) {}
  of(trial: Pick<TrialRecord, 'configHash' | 'params'>): Timeline {
    let t = this.byHash.get(trial.configHash);
    if (!t) {
      try {
        t = timelineOf(trial.params as Config, this.steps);
      } catch {
        t = FLAT; // a config the schedule refuses never trains: nothing to wait for
      }
      this.byHash.set(trial.configHash, t);
    }
    return t;
  }
}


/**
 * The prune check factory of a run or a worker: the sweep's own pruner, or the `--pruner` flag's
 * in its place (`none`: no pruner) for the trials this command trains; the stored definition keeps
 * the file's. The flag was checked when it was read (flags.ts), except against the trainer's steps:
 * a rung at or past the last step is never reached.
 */
export function prunerFactory(flag: string | undefined): PruneCheckFactory {
  const factory: PruneCheckFactory = (c) => {
    if (flag === undefined) return pruneCheck(c);
    const spec = prunerFlag(flag, null);
    const { pruner: _file, ...rest } = c.sweep;
    return pruneCheck({ ...c, sweep: spec === null ? rest : { ...rest, pruner: spec } });
  };
  // The flag against the sweep's trainer, as the file's key is checked: its steps bound the rungs,
  // and its points must be placed at steps.
  if (flag !== undefined) {
    factory.validate = (loaded) => {
      if (prunerFlag(flag, loaded.trainer.steps, '--pruner', sweepFacts(loaded)) === null) return;
      const placed = canPlacePoints(loaded);
      if (placed !== true) throw new UsageError(`--pruner: needs a trainer whose points carry their training step: ${placed}`);
    };
  }
  return factory;
}

/** What a pruner's options are checked against in a loaded sweep file: its objective and its trainer's metrics. */
export function sweepFacts(loaded: Pick<LoadedSweep, 'sweep' | 'trainer'>): SweepFacts {
  return { goal: loaded.sweep.objective.goal, metric: loaded.sweep.objective.metric, metrics: loaded.trainer.metrics ?? null };
}

/** The prune check for a sweep, or null when it has no pruner. It is asked on the points of the metric its pruner judges (PruneCheck.metric). */
export function pruneCheck(c: PruneContext): PruneCheck | null {
  if (c.sweep.pruner === undefined) return null;
  const pruner: Pruner = prunerOf(c.sweep.pruner);
  const { metric, sign, named } = judgedMetric(pruner, c.sweep.objective);
  const timelines = new Timelines(c.steps.perTrial);
  const ended = new Map<number, TrialView>();

  /** The other trials as they stand (`judged`: the trial asking, whose own points are not read). */
  const history = async (judged: number): Promise<Map<number, TrialView>> => {
    await c.commit?.();
    const trials = await c.storage.trials(c.sweepId);
    const toRead = trials.filter((t) => t.id !== judged && !ended.has(t.id) && (ENDED.has(t.state) || t.state === 'running'));
    const points = toRead.length > 0 ? await c.storage.points(toRead.map((t) => t.id)) : new Map<number, MetricPoint[]>();
    const live = new Map<number, TrialView>();
    for (const t of trials) {
      if (ended.has(t.id)) continue;
      const own = objectivePoints(points.get(t.id) ?? [], metric, c.steps, sign);
      const timeline = timelines.of(t);
      const view: TrialView = {
        state: viewState(t.state), readings: readingsOf(own, timeline, pruner.at), reached: own.length ? own[own.length - 1].step : 0,
        schedule: { number: t.number, config: t.configHash, timeline, points: own },
      };
      if (t.state === 'complete') view.reached = Math.max(view.reached, c.steps.perTrial);
      (ENDED.has(t.state) ? ended : live).set(t.id, view);
    }
    return new Map([...ended, ...live]);
  };

  const check: PruneCheck = async (trial, placed) => {
    const oriented = placed.map((p) => ({ step: p.step + 1, value: sign * p.value }));
    const timeline = timelines.of(trial);
    const fresh = freshOf(oriented, timeline, pruner.at);
    // At its last step a trial has nothing left to save: it completes.
    if (fresh === 0 || oriented[oriented.length - 1].step >= c.steps.perTrial) return null;
    const readings = readingsOf(oriented, timeline, pruner.at);
    const view: TrialView = {
      state: 'running', readings, reached: oriented[oriented.length - 1].step,
      schedule: { number: trial.number, config: trial.configHash, timeline, points: oriented },
    };
    for (let round = 1; ; round++) {
      const all = await history(trial.id);
      all.delete(trial.id);
      const input: JudgeInput = { trial: view, fresh, others: [...all.values()], steps: c.steps.perTrial, sign };
      // The pruner's costly work on this history (the law's fit, in a fit thread: this thread goes on
      // meanwhile). A check that waited for it reads the history again, so what ended meanwhile
      // counts, as it would had the work been instant (replay's view); first, one turn of the event
      // loop lets the checks that waited on the same work, asked before this one, settle (their
      // trials may end: best effort, as an ending trial's write may take more than a turn). Rounds
      // are few: the second finds the work kept, unless the history it needs changed (the law: its
      // complete count doubled).
      const waited = await prepare(pruner, input, { signal: c.signal, onNotice: c.onNotice });
      if (c.signal?.aborted) return null; // stopping: the trial goes on, to be interrupted, not judged on work cut short
      if (!waited || round === MAX_PREPARE_ROUNDS) return judge(pruner, input, named);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  check.metric = metric;
  return check;
}
