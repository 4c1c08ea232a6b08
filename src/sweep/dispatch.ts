// Keeps the executor busy and records what happens. Units (one trial, or a cohort of trials that
// share a seed) come from a UnitSource (source.ts: claims from storage, or jobs from the
// PostgreSQL queue) one at a time, so that every slot always has one unit queued behind it; everything that happens (a unit started, a point reported, a trial ended) is
// committed in small batches (one transaction per batch, at most FLUSH_MS after the first event),
// so storage is not the bottleneck when trials take microseconds. A trial counts as complete once
// its batch commits: a run killed in between re-runs at most the last FLUSH_MS of work.
//
// How a trial ends: a NaN or infinite train_loss (or objective) at any point -> diverged there
// (its later points are ignored; a unit whose members all diverged is stopped); the trainer
// returned having reported a finite objective -> complete; returned without one -> failed; threw
// or timed out -> failed; stopped by stop() -> interrupted, unless its unit had not started: then
// its trials go back to the source (waiting), as nothing of them ran. With a prune check
// (prune-hook.ts, its rules): a trial the check stops -> pruned at that point (its later points are
// ignored, it alone is stopped: the unit when it was its last member in training, else the member;
// a trainer that ignores a member's stop still has it recorded pruned). An anchor trial (origin
// anchor: the predict sampler fits its law to the anchors' whole curves) is never asked about.
//
// Every point is placed at its step as it arrives (points-steps.ts) when its trainer's steps per
// epoch are known, so stored points carry their step.

import { TRAINING_LOSS, type MetricPoint, type StateCounts } from '../core/trial.js';
import type { Executor, RunningUnit } from '../pool/executor.js';
import { UnitTimeout } from '../pool/executor.js';
import type { UnitEvent, WorkUnit } from '../pool/messages.js';
import type { Json, Outcome, Storage, TrialBatch, TrialRecord } from '../storage/types.js';
import type { Sweep } from './definition.js';
import { isBetter, ObjectiveTracker } from './objective.js';
import { stepsAt, type Reached, type TrialSteps } from './progress.js';
import { placePoint } from './points-steps.js';
import type { PlacedPoint, PruneCheck } from './prune-hook.js';
import type { Settled, UnitSource } from './source.js';
import { tallyFailure, type RunTally } from './tally.js';
import { outsideAnchors } from './ranking.js';

const FLUSH_MS = 20;
const FLUSH_COUNT = 512;

export interface DispatchContext {
  storage: Storage;
  executor: Executor;
  sweep: Sweep;
  sweepId: number;
  runId: number;
  /** Builds a unit of work for claimed trials (all with one seed). */
  unitFor(trials: TrialRecord[]): WorkUnit;
  /** Where units come from (claimed for runId); told when their trials settle. */
  source: UnitSource;
  /** Recorded with each trial as it starts. */
  provenance: Json;
  counts: StateCounts;
  best: number | null;
  /** Called after each committed batch. */
  onRecorded(doneThisRun: number, best: number | null): void;
  /** Counts how the trials this dispatcher started ended (shared by the dispatchers of one command). */
  tally?: RunTally;
  /** A trial's steps (and an epoch's, when the trainer says), for stepsInFlight() and to place points at steps; without it, none are counted. */
  steps?: TrialSteps;
  /** Asked on each live objective point of a trial: a reason stops it as pruned (prune-hook.ts). */
  prune?: PruneCheck;
}

interface Member {
  trial: TrialRecord;
  seq: number;
  /** The last point reported. */
  last: MetricPoint | null;
  objective: ObjectiveTracker;
  reported: Set<string>;
  final: boolean;
  /** Its objective points placed at steps, for the prune check. */
  curve: PlacedPoint[];
  /** The objective metric's last reported value (what a pruned trial records). */
  lastObjective: number | null;
  /** Points that arrived while an asynchronous prune check was pending: recorded once it says go on. */
  held: MetricPoint[] | null;
}

interface ActiveUnit {
  members: Member[];
  running: RunningUnit | null;
  /** A stop asked for before the executor handed the unit back (its events may come at once). */
  pendingStop: string | null;
  /** Member stops asked for before the executor handed the unit back. */
  pendingMemberStops: [number, string][];
  /** Asynchronous prune checks not answered yet: the unit is decided only once they are. */
  checks: Set<Promise<void>>;
  /** The executor handed it back: nothing is left to stop (late answers only record). */
  handedBack: boolean;
  startedAt: number | null;
}

export class Dispatcher {
  private stopping = false;
  private stopReason = 'interrupted: the run was stopped';
  private failure: unknown = null;
  private done = 0;
  private batch: Required<TrialBatch> = { started: [], points: [], outcomes: [] };
  private pendingEvents = 0;
  private flushTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly active = new Set<ActiveUnit>();
  /** Trials whose unit has started: the rest are still queued when they end. */
  private readonly startedIds = new Set<number>();
  /** Trial numbers of the trials in flight, for messages. */
  private readonly numbers = new Map<number, number>();
  /** Started trials that are anchors outside the space (ranking.ts): never the best trial the progress line shows. */
  private readonly unranked = new Set<number>();
  private outside: Map<string, string> | null = null;
  /** Trials that ended (not interrupted) whose outcome is not committed yet: their full steps, until counts has them. */
  private readonly settling = new Map<number, number>();
  /** A trial reported an epoch without a step, of unknown length: steps in training cannot be counted (for the rest of the run). */
  private uncountable = false;

  constructor(private readonly c: DispatchContext) {}

  /** Stops: units in flight end early and their unfinished trials are recorded as interrupted (with `reason`). */
  stop(reason?: string): void {
    if (this.stopping) return;
    this.stopping = true;
    if (reason) this.stopReason = reason;
    this.c.executor.stopAll();
  }

  /**
   * How far the trials in training have got, by what they reported last: the lowest and highest
   * epoch (trainers that report per epoch) and step (per step); null where none reported one. A
   * cohort reports nothing that ends before its trials do, so this is what shows it moving.
   */
  reached(): Reached {
    const out: Reached = { epochs: null, steps: null };
    const widen = (range: [number, number] | null, v: number): [number, number] => (range ? [Math.min(range[0], v), Math.max(range[1], v)] : [v, v]);
    for (const unit of this.active) {
      for (const m of unit.members) {
        if (m.final || m.last === null) continue;
        if (m.last.epoch !== null) out.epochs = widen(out.epochs, m.last.epoch);
        else if (m.last.step !== null) out.steps = widen(out.steps, m.last.step);
      }
    }
    return out;
  }

  /**
   * Steps taken by the trials this dispatcher holds that the counts do not have yet (progress.ts):
   * each trial in training by the point it reported last, and each trial that ended (not
   * interrupted) but is not committed yet in full. Null without `steps`, or once a trial reported
   * an epoch whose length in steps is unknown.
   */
  stepsInFlight(): number | null {
    const steps = this.c.steps;
    if (!steps || this.uncountable) return null;
    let sum = 0;
    for (const n of this.settling.values()) sum += n;
    for (const unit of this.active) {
      for (const m of unit.members) if (!m.final) sum += stepsAt(m.last, steps) ?? 0;
    }
    return sum;
  }

  /** Ends the run with this error (the database was lost): as stop(), and run() rethrows it. */
  abort(error: unknown): void {
    this.fail(error);
  }

  get stopped(): boolean {
    return this.stopping;
  }

  /**
   * Runs units until the source has none and nothing is in flight (or until stop()); returns how
   * many trials ended in this run so far. Rethrows a storage failure. It may be called again
   * once it returns, for units the source gets later.
   */
  async run(): Promise<number> {
    const window = this.c.executor.slots * 2; // one unit running and one queued behind it per slot
    try {
      while (!this.stopping) {
        while (this.inFlight.size < window && !this.stopping) {
          const claimed = await this.c.source.next(window - this.inFlight.size);
          if (claimed === null) break;
          if (this.stopping) {
            // Stopped while the source claimed it: it never starts (the source hands it back).
            this.c.source.putBack(claimed);
            break;
          }
          // Claimed from waiting, or (queue jobs) from interrupted: local counts, refreshed by the caller now and then.
          const fromWaiting = Math.min(this.c.counts.waiting, claimed.length);
          this.c.counts.waiting -= fromWaiting;
          this.c.counts.interrupted = Math.max(0, this.c.counts.interrupted - (claimed.length - fromWaiting));
          this.c.counts.queued += claimed.length;
          this.start(claimed);
        }
        if (this.inFlight.size === 0) break;
        await Promise.race(this.inFlight);
      }
      await Promise.allSettled([...this.inFlight]);
    } catch (e) {
      this.fail(e);
      await Promise.allSettled([...this.inFlight]);
    }
    await this.flush();
    if (this.failure) throw this.failure;
    return this.done;
  }

  private fail(e: unknown): void {
    this.failure ??= e;
    this.stop();
  }

  private start(trials: TrialRecord[]): void {
    for (const t of trials) {
      this.numbers.set(t.id, t.number);
      if (t.origin === 'anchor' && this.c.steps) {
        this.outside ??= outsideAnchors(this.c.sweep, this.c.steps.perTrial);
        if (this.outside.has(t.configHash)) this.unranked.add(t.id);
      }
    }
    const unit: ActiveUnit = {
      members: trials.map((trial) => ({
        trial, seq: 0, last: null, objective: new ObjectiveTracker(this.c.sweep.objective), reported: new Set(), final: false,
        curve: [], lastObjective: null, held: null,
      })),
      running: null,
      pendingStop: null,
      pendingMemberStops: [],
      checks: new Set(),
      handedBack: false,
      startedAt: null,
    };
    this.active.add(unit);
    const running = this.c.executor.start(this.c.unitFor(trials), (e) => this.onEvent(unit, e));
    unit.running = running;
    if (unit.pendingStop) running.stop(unit.pendingStop);
    else for (const [member, reason] of unit.pendingMemberStops) running.stopMember(member, reason);
    // Pending prune checks decide members before the unit's end does (their held points come first).
    const settle = async (error: unknown) => {
      unit.handedBack = true;
      while (unit.checks.size > 0) await Promise.allSettled([...unit.checks]);
      this.ended(unit, error);
    };
    const p: Promise<void> = running.done.then(
      () => settle(null),
      (e) => settle(e),
    ).finally(() => {
      this.inFlight.delete(p);
      this.active.delete(unit);
    });
    this.inFlight.add(p);
  }

  private onEvent(unit: ActiveUnit, e: UnitEvent): void {
    if (e.type === 'started') {
      unit.startedAt = Date.now();
      for (const m of unit.members) {
        this.batch.started.push({ trialId: m.trial.id, provenance: { ...this.c.provenance, ...e.details }, process: e.process ?? null });
        this.startedIds.add(m.trial.id);
      }
      this.c.counts.queued -= unit.members.length;
      this.c.counts.running += unit.members.length;
      this.queued(unit.members.length);
      return;
    }
    const m = unit.members[e.member];
    if (!m || m.final) return; // a diverged or pruned member's later reports are ignored
    const point = placePoint(e.point, this.c.steps);
    if (m.held) m.held.push(point); // a prune check is pending: recorded only if the trial goes on
    else this.onPoint(unit, e.member, m, point);
  }

  private onPoint(unit: ActiveUnit, index: number, m: Member, point: MetricPoint): void {
    // Consecutive reports of one epoch (or step) are one point: a program may print its training
    // and its validation metrics on separate lines.
    const same = m.last !== null && m.last.epoch === point.epoch && m.last.step === point.step;
    const seq = same ? m.seq - 1 : m.seq++;
    m.last = point;
    if (this.c.steps && stepsAt(point, this.c.steps) === null) this.uncountable = true;
    this.batch.points.push({ trialId: m.trial.id, attempt: m.trial.attempts, seq, point });
    for (const name of Object.keys(point.values)) m.reported.add(name);
    m.objective.add(point);
    const { metric } = this.c.sweep.objective;
    const value = point.values[metric];
    if (value !== undefined) m.lastObjective = value;
    const divergence = divergenceOf(point, metric);
    if (divergence) {
      this.finish(m, { trialId: m.trial.id, state: 'diverged', objective: null, durationMs: this.elapsed(unit), note: divergence });
      this.stopIfAllFinal(unit, 'every member diverged');
    } else if (this.c.prune && point.step !== null && m.trial.origin !== 'anchor') {
      // An anchor (the predict sampler's) is never pruned: the law is fitted to its whole curve.
      // The check is asked on the points of the metric it judges (the objective's unless it says).
      const judged = point.values[this.c.prune.metric ?? metric];
      if (judged !== undefined && Number.isFinite(judged)) {
        const last = m.curve.at(-1);
        if (last && last.step === point.step) last.value = judged;
        else m.curve.push({ step: point.step, value: judged });
        this.check(unit, index, m);
      }
    }
    this.queued(1);
  }

  /** Asks the prune check about a member's curve so far; a reason prunes it. */
  private check(unit: ActiveUnit, index: number, m: Member): void {
    let answer: Promise<string | null> | string | null;
    try {
      answer = this.c.prune!(m.trial, m.curve);
    } catch (e) {
      this.fail(e);
      return;
    }
    if (!(answer instanceof Promise)) {
      if (answer !== null) this.pruned(unit, index, m, answer);
      return;
    }
    m.held = [];
    const pending: Promise<void> = answer.then((reason) => {
      const held = m.held ?? [];
      m.held = null;
      if (m.final) return;
      if (reason !== null) return this.pruned(unit, index, m, reason);
      for (let i = 0; i < held.length && !m.final; i++) {
        if ((m.held as MetricPoint[] | null) !== null) {
          // Another check is pending since: the rest waits behind it.
          m.held!.push(...held.slice(i));
          break;
        }
        this.onPoint(unit, index, m, held[i]);
      }
    }, (e) => this.fail(e)).finally(() => unit.checks.delete(pending));
    unit.checks.add(pending);
  }

  /** Records the member pruned (reason as its note, its last objective value) and stops its training. */
  private pruned(unit: ActiveUnit, index: number, m: Member, reason: string): void {
    this.finish(m, { trialId: m.trial.id, state: 'pruned', objective: m.lastObjective, durationMs: this.elapsed(unit), note: reason });
    if (this.stopIfAllFinal(unit, reason) || unit.handedBack) return;
    if (unit.running) unit.running.stopMember(index, reason);
    else unit.pendingMemberStops.push([index, reason]);
  }

  /** Stops the unit once none of its members is training any more; says whether it did. */
  private stopIfAllFinal(unit: ActiveUnit, reason: string): boolean {
    if (!unit.members.every((x) => x.final)) return false;
    if (unit.handedBack) return true;
    if (unit.running) unit.running.stop(reason);
    else unit.pendingStop = reason;
    return true;
  }

  private elapsed(unit: ActiveUnit): number {
    return unit.startedAt === null ? 0 : Date.now() - unit.startedAt;
  }

  private finish(m: Member, outcome: Outcome): void {
    m.final = true;
    // Diverged and failed trials train no more in this run: their full steps are done.
    if (outcome.state !== 'interrupted' && this.c.steps) this.settling.set(m.trial.id, this.c.steps.perTrial);
    this.batch.outcomes.push(outcome);
    this.queued(1);
  }

  /** The unit ended: every member not yet decided is decided now. */
  private ended(unit: ActiveUnit, error: unknown): void {
    if (error !== null && this.stopping && unit.startedAt === null && !(error instanceof UnitTimeout)) {
      // Stopped before it started: nothing of it ran, so its trials are not interrupted but
      // handed back to the source (the run's release puts them back to waiting).
      for (const m of unit.members) this.numbers.delete(m.trial.id);
      this.c.counts.queued -= unit.members.length;
      this.c.counts.waiting += unit.members.length;
      this.c.source.putBack(unit.members.map((m) => m.trial));
      return;
    }
    const ms = this.elapsed(unit);
    for (const m of unit.members) {
      if (m.final) continue;
      if (error !== null) {
        const interrupted = this.stopping && !(error instanceof UnitTimeout);
        const message = interrupted ? this.stopReason : (error instanceof Error ? error.message : String(error)).split('\n')[0];
        this.finish(m, { trialId: m.trial.id, state: interrupted ? 'interrupted' : 'failed', error: message, durationMs: ms });
        continue;
      }
      const { metric } = this.c.sweep.objective;
      const value = m.objective.value;
      if (value === null) {
        const reported = [...m.reported].filter((n) => n !== 'lr');
        this.finish(m, { trialId: m.trial.id, state: 'failed', durationMs: ms,
          error: `the trainer never reported ${metric} (reported: ${reported.length ? reported.join(', ') : 'nothing'})` });
      } else if (!Number.isFinite(value)) {
        this.finish(m, { trialId: m.trial.id, state: 'diverged', objective: null, durationMs: ms, note: `diverged: the objective ${metric} is ${value}` });
      } else {
        this.finish(m, { trialId: m.trial.id, state: 'complete', objective: value, durationMs: ms });
      }
    }
  }

  private queued(n: number): void {
    this.pendingEvents += n;
    if (this.pendingEvents >= FLUSH_COUNT) void this.flush();
    else this.flushTimer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /**
   * Commits what has accumulated now and waits for it: an adaptive sampler asks from storage
   * (ask.ts), so the results of units that just ended must be there first, not FLUSH_MS later.
   */
  commitNow(): Promise<void> {
    return this.flush();
  }

  /** Commits what has accumulated; flushes run one after another. */
  private flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    const batch = this.batch;
    this.batch = { started: [], points: [], outcomes: [] };
    this.pendingEvents = 0;
    if (batch.started.length + batch.points.length + batch.outcomes.length === 0) return this.flushing;
    this.flushing = this.flushing.then(async () => {
      if (this.failure) return;
      let missed: Set<number>;
      try {
        missed = new Set(await this.c.storage.commit(this.c.runId, batch));
      } catch (e) {
        this.fail(e);
        return;
      }
      this.recorded(batch, missed);
    });
    return this.flushing;
  }

  private recorded(batch: Required<TrialBatch>, missed: Set<number>): void {
    const { counts, sweep } = this.c;
    const settled: Settled[] = [];
    for (const o of batch.outcomes) {
      const number = this.numbers.get(o.trialId);
      this.numbers.delete(o.trialId);
      this.settling.delete(o.trialId);
      const unranked = this.unranked.delete(o.trialId);
      settled.push({ trialId: o.trialId, state: missed.has(o.trialId) ? null : o.state });
      if (missed.has(o.trialId)) continue;
      const tally = this.c.tally;
      if (tally && o.state !== 'interrupted') {
        if (o.state === 'failed') tallyFailure(tally, number ?? Infinity, o.error);
        else tally[o.state]++;
      }
      if (this.startedIds.delete(o.trialId)) counts.running--;
      else counts.queued--;
      counts[o.state]++;
      if (o.state === 'interrupted') continue;
      this.done++;
      if (o.state === 'complete' && o.objective !== null && !unranked && isBetter(o.objective, this.c.best, sweep.objective.goal)) this.c.best = o.objective;
    }
    for (const id of missed) {
      this.settling.delete(id);
      if (!batch.outcomes.some((o) => o.trialId === id)) settled.push({ trialId: id, state: null });
    }
    this.c.source.settled(settled);
    this.c.onRecorded(this.done, this.c.best);
  }
}

/** Why a point shows divergence (a NaN or infinite training loss or objective), or null. */
export function divergenceOf(point: MetricPoint, objective: string): string | null {
  const at = point.epoch !== null ? `epoch ${point.epoch}` : `step ${point.step}`;
  for (const name of [TRAINING_LOSS, objective]) {
    const v = point.values[name];
    if (v !== undefined && !Number.isFinite(v)) return `diverged at ${at}: ${name} is ${v}`;
  }
  return null;
}

