// Keeps the pool busy and records outcomes. Trials are claimed from storage a few at a time so
// that every worker always has one queued behind it; outcomes are committed in small batches
// (one transaction per batch, at most FLUSH_MS after the first of them arrives), so storage is
// not the bottleneck when trials take microseconds. A trial counts as complete once its batch
// commits: a run killed in between re-runs at most the last FLUSH_MS of work.

import { TrialStopped, TrialTimeout, type TrialPool } from '../pool/pool.js';
import type { TrialOutcome, TrialTask } from '../pool/messages.js';
import type { Outcome, StateCounts, Storage, TrialRecord } from '../storage/types.js';
import type { Config, Sweep } from './definition.js';
import { isBetter, objectiveOf } from './objective.js';
import { toScheduleInput } from './space.js';

const FLUSH_MS = 20;
const FLUSH_COUNT = 256;

export interface DispatchContext {
  storage: Storage;
  pool: TrialPool;
  sweep: Sweep;
  sweepId: number;
  runId: number;
  steps: number;
  backend: TrialTask['backend'];
  counts: StateCounts;
  /** Called after each committed batch. */
  onRecorded(doneThisRun: number, best: number | null): void;
  best: number | null;
}

export class Dispatcher {
  private stopping = false;
  private done = 0;
  private pending: Outcome[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly c: DispatchContext) {}

  /** Aborts the trials in flight; they are recorded as interrupted. */
  stop(): void {
    this.stopping = true;
    this.c.pool.stopAll();
  }

  get stopped(): boolean {
    return this.stopping;
  }

  /** Runs every waiting trial (or until stop()); returns how many finished (complete or failed). */
  async run(): Promise<number> {
    const { pool } = this.c;
    const window = pool.workers * 4;
    const refillAt = pool.workers * 2; // claim in batches, before any worker can run dry
    try {
      while (!this.stopping) {
        if (this.inFlight.size <= refillAt) {
          const claimed = this.c.storage.claimTrials(this.c.sweepId, this.c.runId, window - this.inFlight.size);
          this.c.counts.waiting -= claimed.length;
          this.c.counts.running += claimed.length;
          for (const trial of claimed) this.start(trial);
        }
        if (this.inFlight.size === 0) break;
        await Promise.race(this.inFlight);
      }
      await Promise.allSettled([...this.inFlight]);
    } finally {
      this.flush();
    }
    return this.done;
  }

  private start(trial: TrialRecord): void {
    const began = Date.now();
    const task: TrialTask = {
      trialId: trial.id, trainer: this.c.sweep.trainer, schedule: toScheduleInput(JSON.parse(trial.params) as Config),
      steps: this.c.steps, seed: trial.seed, backend: this.c.backend,
    };
    const p: Promise<void> = this.c.pool.run(task).then(
      (outcome) => this.completed(trial, outcome),
      // Once stopping, any rejection but a timeout is the stop's doing (Piscina aborts the task).
      (e) => this.failed(trial, this.stopping && !(e instanceof TrialTimeout) ? new TrialStopped('interrupted: the run was stopped') : e, Date.now() - began),
    ).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private completed(trial: TrialRecord, outcome: TrialOutcome): void {
    const { objective: spec } = this.c.sweep;
    const objective = objectiveOf(outcome.epochs, spec);
    this.queue({
      trialId: trial.id, state: 'complete',
      result: {
        objective, epochs: outcome.epochs, duration_ms: outcome.duration_ms,
        note: objective === null ? `objective ${spec.metric} is not a number (training diverged)` : undefined,
      },
    });
  }

  private failed(trial: TrialRecord, e: unknown, ms: number): void {
    const message = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    this.queue({ trialId: trial.id, state: e instanceof TrialStopped ? 'interrupted' : 'failed', error: message, durationMs: ms });
  }

  private queue(o: Outcome): void {
    this.pending.push(o);
    if (this.pending.length >= FLUSH_COUNT) this.flush();
    else this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  private flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = null;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const missed = new Set(this.c.storage.recordOutcomes(this.c.runId, batch));
    const { counts, sweep } = this.c;
    for (const o of batch) {
      if (missed.has(o.trialId)) continue;
      counts.running--;
      counts[o.state]++;
      if (o.state === 'interrupted') continue;
      this.done++;
      const v = o.state === 'complete' ? o.result.objective : null;
      if (v !== null && isBetter(v, this.c.best, sweep.objective.goal)) this.c.best = v;
    }
    this.c.onRecorded(this.done, this.c.best);
  }
}
