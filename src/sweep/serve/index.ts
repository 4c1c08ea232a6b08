// Serving sweeps through the PostgreSQL trial queue: what `lrsweep worker` does on every machine,
// and what `lrsweep run --db postgres://...` does after it enqueues. The trials table is the
// truth, the queue is transport (storage/postgres-queue.ts). This file is the loop; its parts:
//   session.ts       a sweep's session: its run opened (the lease) and closed
//   heartbeat.ts     the leases renewed, and each sweep read for a cancel or a changed definition
//   idle.ts          a pass that found no work: sweeps served again, cancels seen, upkeep
//   upkeep.ts        the queue kept true: enqueueing, orphan jobs, stale trials, leftover processes
//   discovery.ts     which sweep files this machine may serve, and a waiting worker's rescans
//   served-sweep.ts  a sweep as served here: its progress, the match check, refusing, cancelling
//   machine.ts       the types the parts share
//
// Rules:
// - The worker opens a run per sweep; the run's heartbeat is the lease on every trial it holds
//   (liveness.ts). A worker that dies holding trials leaves them stale: once its lease lapses, any
//   idle worker puts them back to waiting and enqueues them again; a running trial lost MAX_LOST
//   times is failed with the reason, until the sweep is run again. A worker whose own lease lapsed
//   (another found it dead) learns it at its next heartbeat, stops that run and opens a new one.
// - Sweeps are served one after another: each until its queue is empty and nothing of it is in
//   flight. A pass that found no work takes back stale trials, completes jobs nobody works on,
//   enqueues waiting and interrupted trials that have no job, and, without --wait, ends the worker
//   once no trial of its sweeps is waiting, queued, running or interrupted.
// - A worker runs only trials its own file plans, with the parameters and seed it plans for them
//   (an adaptive sweep's suggested trials: inside its file's space, plan-check.ts): a job naming
//   another (the stored definition was extended from another checkout since the last check, or a
//   trial row was edited) is never started, and the sweep is refused at once.
// - An adaptive sweep (method tpe) has no suggester of its own: a worker with a free slot and no
//   job of the sweep waiting asks (ask.ts: under the sweep's lock, from the stored history), and
//   enqueues what it added; it takes jobs for free slots only, so no suggestion waits behind a
//   busy slot while another worker could run it.
// - Each heartbeat also reads the sweep (trainer files are hashed again when a run opens): a sweep
//   cancelled (`lrsweep cancel`), or whose definition or files no longer match this machine's,
//   has its trials here interrupted (as Ctrl-C does) and is not served until it is active and
//   matching again.
// - A worker whose database stops answering stops taking work and what it runs, retries ending
//   its runs as failed for up to LOST_DB_MS, and fails with the storage error (exit 1). The trials
//   it held are stale (at once when the end was recorded, else once its lease lapses): other
//   workers take them back and run them, counting a lost attempt.

import { setTimeout as sleep } from 'node:timers/promises';
import { StorageError, type RunRecord, type Storage, type TrialQueue } from '../../storage/types.js';
import { isRunAlive } from '../liveness.js';
import { predictSummary } from '../predict-report.js';
import { rescans } from './discovery.js';
import { Heartbeat, LOST_DB_MS } from './heartbeat.js';
import { idlePass } from './idle.js';
import type { Machine, ServedReport, ServedSweep, ServeOptions, Serving } from './machine.js';
import { newServing } from './served-sweep.js';
import { closeSession, openSession } from './session.js';

export type { ServedReport, ServedSweep, ServeOptions, SweepProgress } from './machine.js';
export { LOST_DB_MS } from './heartbeat.js';
export { enqueueWaiting, MAX_LOST } from './upkeep.js';

/** How often an idle worker looks again for work (stale trials, new jobs). */
const POLL_MS = 1_000;

/** Works on the sweeps until none has work left (or, with wait, until stopped); returns what each ran here. */
export async function serve(storage: Storage, queue: TrialQueue, items: ServedSweep[], o: ServeOptions): Promise<{ sweeps: ServedReport[]; stopped: boolean }> {
  return new QueueServer(storage, queue, o).serve(items);
}

/** The serving machine: its state is what the parts share (machine.ts). */
class QueueServer implements Machine {
  readonly serving: Serving[] = [];
  readonly own = new Set<number>();
  readonly alive = (run: RunRecord) => isRunAlive(run, { own: this.own, shared: this.storage.capabilities.shared });
  readonly ending = new Set<number>();
  stopped: boolean;
  beating: Promise<void> | null = null;
  private readonly heartbeat = new Heartbeat(this);
  private readonly discover: () => Promise<ServedSweep[]>;

  constructor(readonly storage: Storage, readonly queue: TrialQueue, readonly o: ServeOptions) {
    this.stopped = o.signal?.aborted ?? false;
    this.discover = rescans(o);
  }

  async serve(items: ServedSweep[]): Promise<{ sweeps: ServedReport[]; stopped: boolean }> {
    for (const item of items) this.serving.push(await newServing(this, item));
    const onStop = () => {
      this.stopped = true;
      for (const s of this.serving) s.session?.dispatcher.stop();
    };
    this.o.signal?.addEventListener('abort', onStop, { once: true });
    this.heartbeat.start();
    let failure: unknown = null;
    try {
      await this.loop();
    } catch (e) {
      failure = e;
      for (const s of this.serving) s.session?.dispatcher.stop();
    } finally {
      this.heartbeat.stop();
      this.o.signal?.removeEventListener('abort', onStop);
    }
    return this.handBack(failure);
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      if ((await this.workPass()) || this.stopped) continue;
      const left = await idlePass(this);
      if (left === 0 && !this.o.wait) break;
      for (const item of await this.discover()) {
        this.serving.push(await newServing(this, item));
        this.o.onNotice?.(`serving sweep ${item.sweep.name} too (${item.loaded.file})`);
      }
      await sleep(POLL_MS, undefined, { signal: this.o.signal }).catch(() => {});
    }
  }

  /** Serves each sweep in turn until its queue is empty and nothing of it is in flight; whether any trial ended here. */
  private async workPass(): Promise<boolean> {
    let worked = false;
    for (const s of this.serving) {
      if (this.stopped) break;
      if (s.state !== 'serving') {
        if (s.session) await closeSession(this, s, 'interrupted', false);
        continue;
      }
      s.session ??= await openSession(this, s);
      if (!s.session) continue;
      const before = s.ran;
      await s.session.dispatcher.run();
      if (s.ran > before) worked = true;
      // Stopped by a lapsed lease, a cancel or a refusal (or Ctrl-C): this run is over.
      if (s.session.dispatcher.stopped) await closeSession(this, s, s.session.lapsed ? 'failed' : 'interrupted', false);
    }
    return worked;
  }

  /**
   * Hands back what this worker holds. Stopped or done: trials it stopped were recorded
   * interrupted (their jobs went back to the queue as they settled); units it took and never
   * started go back to waiting and their jobs to the queue. The database lost: each run is ended
   * as failed, retried for a bounded time, which makes every trial it still holds stale at once,
   * for other workers to take back and enqueue anew as they do a dead worker's.
   */
  private async handBack(failure: unknown): Promise<{ sweeps: ServedReport[]; stopped: boolean }> {
    const lost = failure instanceof StorageError;
    const deadline = Date.now() + (lost ? LOST_DB_MS : 0);
    const reports: ServedReport[] = [];
    for (const s of this.serving) {
      for (;;) {
        try {
          if (s.session) await closeSession(this, s, failure ? 'failed' : this.stopped ? 'interrupted' : 'finished', lost);
          Object.assign(s.counts, await this.storage.counts(s.item.record.id));
          break;
        } catch (e) {
          failure ??= e;
          if (!(e instanceof StorageError) || Date.now() > deadline) break;
          await sleep(2_000);
        }
      }
      await s.training?.executor.close();
      // A predict sweep's summary lines; the summary is a report, not work: if it cannot be read now, the worker's own summary goes without it.
      const predict = failure ? [] : await predictSummary(this.storage, s.item.record.id, s.item.sweep, s.item.loaded.trainer.steps).catch(() => []);
      reports.push({ sweep: s.item.sweep.name, runId: s.lastRunId, ranHere: s.ran, counts: s.counts, cancelled: s.state === 'cancelled', refused: s.refusal, predict });
    }
    if (failure) throw failure;
    return { sweeps: reports, stopped: this.stopped };
  }
}
