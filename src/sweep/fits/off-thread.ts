// Fits off the thread that asks for them: fitOffThread runs one of FIT_JOBS (jobs.ts) in a fresh
// node:worker_threads thread and resolves with its result, so the asking thread's event loop (a
// run's or a worker's: heartbeats, progress, other trials' points and checks) goes on meanwhile.
// Its input and result are plain data, copied between threads unchanged (a Float64Array's doubles
// bit for bit), and the job is the same code, so the result equals the in-thread call's.
// - A thread per fit: fits are rare (the law pruner refits when its complete count doubles; the
//   predict sampler when a result it waits for arrives) and take seconds, so a thread's start
//   (tens of milliseconds compiled; from sources, registering tsx, about a second) is small beside
//   them, and nothing outlives the fit: no pool to close at the end of a run.
// - At most FIT_THREADS fits run at once (the cores less one, at least 1: training keeps a core);
//   the others wait their turn in the order asked.
// - Failure: a throw in the job, a thread that could not start or that exited without a result,
//   rejects the returned promise with that error (the caller decides what a failed fit means).
// - Stop: `signal` (a run's Ctrl-C) ends the thread at once, or takes a fit still waiting out of
//   the line, and rejects with a FitStopped, so no fit keeps a stopping process waiting; so does
//   `deadlineMs` (a FitStopped saying so), so a fit that never ends cannot hold a run for ever.

import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FitJob, FitJobInput, FitJobOutput } from './jobs.js';

/** Fits running at once, at most. */
export const FIT_THREADS = Math.max(1, availableParallelism() - 1);

/** A fit ended before its result: the run stopped, or its deadline passed (the message says which). */
export class FitStopped extends Error {}

export interface FitThreadOptions {
  /** Ends the fit (its thread, or its place in line) when aborted. */
  signal?: AbortSignal;
  /** Ends the fit when it has not answered this many milliseconds after its thread started. */
  deadlineMs?: number;
}

/** The fit thread's entry. Compiled: thread.js beside this file. From sources: a .mjs entry that registers tsx first. */
function threadFile(): string {
  const fromSource = import.meta.url.endsWith('.ts');
  return fileURLToPath(new URL(fromSource ? './thread-tsx.mjs' : './thread.js', import.meta.url));
}

let running = 0;
const waiting: (() => void)[] = [];

/** A turn to run a fit: resolves when fewer than FIT_THREADS run; the release hands it on. */
function turn(signal: AbortSignal | undefined): Promise<() => void> {
  const release = () => {
    running--;
    waiting.shift()?.();
  };
  if (running < FIT_THREADS) {
    running++;
    return Promise.resolve(release);
  }
  return new Promise((resolve, reject) => {
    const go = () => {
      signal?.removeEventListener('abort', stop);
      running++;
      resolve(release);
    };
    const stop = () => {
      const i = waiting.indexOf(go);
      if (i >= 0) waiting.splice(i, 1);
      reject(new FitStopped('the run stopped before the fit started'));
    };
    if (signal?.aborted) return stop();
    signal?.addEventListener('abort', stop, { once: true });
    waiting.push(go);
  });
}

/** Runs the fit `job` on `input` in a thread of its own; resolves with its result, rejects with its failure or a FitStopped. */
export async function fitOffThread<J extends FitJob>(job: J, input: FitJobInput<J>, o: FitThreadOptions = {}): Promise<FitJobOutput<J>> {
  const release = await turn(o.signal);
  try {
    return await inFreshThread(job, input, o);
  } finally {
    release();
  }
}

function inFreshThread<J extends FitJob>(job: J, input: FitJobInput<J>, o: FitThreadOptions): Promise<FitJobOutput<J>> {
  return new Promise((resolve, reject) => {
    if (o.signal?.aborted) {
      reject(new FitStopped('the run stopped before the fit started'));
      return;
    }
    let worker: Worker;
    try {
      // Not this process's flags (a test runner's `--import tsx` would slow the thread's start):
      // the entry brings what it needs, as the trial pool's does.
      worker = new Worker(threadFile(), { workerData: { job, input }, execArgv: [] });
    } catch (e) {
      reject(e);
      return;
    }
    let settled = false;
    const end = (why: string) => {
      if (settled) return;
      void worker.terminate();
      settle(() => reject(new FitStopped(why)));
    };
    const onAbort = () => end('the run stopped during the fit');
    const timer = o.deadlineMs === undefined ? null : setTimeout(() => end(`the fit took longer than ${Math.round(o.deadlineMs! / 1000)} s`), o.deadlineMs);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    function settle(f: () => void) {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      f();
    }
    worker.once('message', (result: FitJobOutput<J>) => settle(() => resolve(result)));
    worker.once('error', (e) => settle(() => reject(e)));
    worker.once('exit', (code) => settle(() => reject(new Error(`the fit thread (${job}) exited with code ${code} before its result`))));
  });
}
