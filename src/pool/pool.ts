// The thread pool for in-process trainers (built-in and module trainers): the only place Piscina
// is constructed. One worker per core by default. A unit's events come back on its own
// MessagePort; its failure comes back as the task's rejection. A timeout or a stop first fires
// the trainer's signal, then ends the worker thread if the trainer has not returned within
// STOP_GRACE_MS (Piscina replaces the thread). A member's stop (a pruned cohort member) fires that
// member's signal only: nothing is forced, its mates train on.

import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { UnitStopped, UnitTimeout, type Executor, type RunningUnit } from './executor.js';
import type { UnitEvent, WorkUnit } from './messages.js';

/** The pool thread's entry. Compiled: thread.js beside this file. From sources: a .mjs entry that registers tsx first. */
function threadFile(): string {
  const fromSource = import.meta.url.endsWith('.ts');
  return fileURLToPath(new URL(fromSource ? './thread-tsx.mjs' : './thread.js', import.meta.url));
}

/** How long a trainer may take to notice its signal before its thread is ended. */
const STOP_GRACE_MS = 1000;

/** The longest delay Node's timers take (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface PoolOptions {
  workers?: number;
  /** Per-trial limit in seconds (a cohort gets it once per member); null for none. */
  trialTimeout?: number | null;
}

export function defaultWorkers(): number {
  return availableParallelism();
}

/** Messages from the pool thread (thread.ts) on a unit's port: its events, then 'done' once every event is sent. */
export type ThreadMessage = UnitEvent | { type: 'done' };

export class TrialPool implements Executor {
  readonly slots: number;
  private readonly piscina: Piscina;
  private readonly timeoutMs: number | null;
  private readonly running = new Set<RunningUnit>();

  constructor(options: PoolOptions = {}) {
    this.slots = options.workers ?? defaultWorkers();
    this.timeoutMs = options.trialTimeout ? options.trialTimeout * 1000 : null;
    this.piscina = new Piscina({
      filename: threadFile(),
      minThreads: this.slots,
      maxThreads: this.slots,
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
      // Workers would inherit this process's flags, such as a test runner's `--import tsx`, which
      // slows every worker's start and module loads; the entry above brings what it needs.
      execArgv: [],
    });
    // Piscina reports a worker's reply to a task it has already aborted (a grace-period abort
    // racing the trainer's return), and a worker that failed between tasks (it replaces that
    // worker), as 'error' events; unhandled, either would crash the run. Neither belongs to a
    // unit whose outcome is still open, so there is nothing more to do with them.
    this.piscina.on('error', () => {});
  }

  start(unit: WorkUnit, onEvent: (e: UnitEvent) => void): RunningUnit {
    const force = new AbortController();
    const channel = new MessageChannel();
    // The stop flag a trainer's signal reads: a synchronous training loop never yields to the
    // worker's event loop, so it could not see an abort message, but it can read shared memory.
    // Entry 0 stops the unit; entry 1 + k stops member k alone (stopMember: a pruned cohort member).
    const flag = new Int32Array(new SharedArrayBuffer(4 * (1 + unit.members.length)));
    let timer: NodeJS.Timeout | null = null;
    let grace: NodeJS.Timeout | null = null;
    let stopReason: Error | null = null;
    let started = false;
    let finished: () => void = () => {};
    const allSent = new Promise<void>((resolve) => (finished = resolve));
    const stop = (reason: Error) => {
      if (stopReason) return;
      stopReason = reason;
      // Raise the flag whether or not the unit's 'started' has arrived: it may already be running
      // (or done) in a worker, and aborting a dispatched task ends that thread. A unit still in
      // the queue sees the flag when a worker takes it and returns at once; the grace period's
      // abort drops it from the queue if no worker is free by then.
      Atomics.store(flag, 0, 1);
      channel.port1.postMessage({ type: 'abort', reason: reason.message });
      grace = setTimeout(() => force.abort(reason), STOP_GRACE_MS);
    };
    channel.port1.on('message', (m: ThreadMessage) => {
      if (m.type === 'done') return finished();
      if (m.type === 'started') started = true;
      if (m.type === 'started' && this.timeoutMs !== null) {
        // The limit counts from the moment a worker starts the unit, not while it waits in the queue.
        const k = unit.members.length;
        // Node's timers hold at most 2^31 - 1 ms; the sweep file caps trial_timeout below that.
        const limit = Math.min(this.timeoutMs * k, MAX_TIMER_MS);
        const what = k === 1 ? 'the trial' : `a cohort of ${k} trials (trial_timeout ${this.timeoutMs / 1000} s each)`;
        timer = setTimeout(() => stop(new UnitTimeout(`trial_timeout: ${what} ran longer than ${limit / 1000} s`)), limit);
      }
      onEvent(m);
    });
    channel.port1.on('close', finished);
    const stopMember = (member: number, reason: string) => {
      if (stopReason || !(member >= 0 && member < unit.members.length) || Atomics.load(flag, 1 + member) === 1) return;
      Atomics.store(flag, 1 + member, 1);
      channel.port1.postMessage({ type: 'stopMember', member, reason });
    };
    const running: RunningUnit = { done: Promise.resolve(), stop: (reason) => stop(new UnitStopped(reason)), stopMember };
    running.done = (async () => {
      let failure: unknown = null;
      try {
        await this.piscina.run({ unit, port: channel.port2, flag }, { signal: force.signal, transferList: [channel.port2] });
      } catch (e) {
        failure = e;
      }
      try {
        // Points posted just before the task ended (or failed) arrive on another channel: wait for
        // the worker's 'done', or for the port to close when its thread was ended. A task dropped
        // from the queue never reached a worker: there is nothing to wait for.
        if (started || !failure) await allSent;
        // A stop decides the outcome; Piscina's own AbortError says less than why we stopped.
        if (stopReason) throw stopReason;
        if (failure) throw failure;
      } finally {
        if (timer) clearTimeout(timer);
        if (grace) clearTimeout(grace);
        channel.port1.close();
        this.running.delete(running);
      }
    })();
    this.running.add(running);
    return running;
  }

  stopAll(): void {
    for (const r of this.running) r.stop('interrupted: the run was stopped');
  }

  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}
