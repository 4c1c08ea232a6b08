// Fits off the thread that asks for them: fitOffThread runs one of FIT_JOBS (jobs.ts) in a fresh
// node:worker_threads thread and resolves with its result, so the asking thread's event loop (a
// run's or a worker's: heartbeats, progress, other trials' points and checks) goes on meanwhile.
// Its input and result are plain data, copied between threads unchanged (a Float64Array's doubles
// bit for bit), and the job is the same code, so the result equals the in-thread call's.
// - A thread per fit: fits are rare (the law pruner refits when its complete count doubles; the
//   predict sampler when a result it waits for arrives) and take seconds, so a thread's start
//   (tens of milliseconds compiled; from sources, registering tsx, about a second) is small beside
//   them, and nothing outlives the fit: no pool to close at the end of a run.
// - Failure: a throw in the job, a thread that could not start or that exited without a result,
//   rejects the returned promise with that error (the caller decides what a failed fit means).
// - The thread holds the process open while it fits (a run's last check awaits it anyway).

import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FitJob, FitJobInput, FitJobOutput } from './jobs.js';

/** The fit thread's entry. Compiled: thread.js beside this file. From sources: a .mjs entry that registers tsx first. */
function threadFile(): string {
  const fromSource = import.meta.url.endsWith('.ts');
  return fileURLToPath(new URL(fromSource ? './thread-tsx.mjs' : './thread.js', import.meta.url));
}

/** Runs the fit `job` on `input` in a thread of its own; resolves with its result, rejects with its failure. */
export function fitOffThread<J extends FitJob>(job: J, input: FitJobInput<J>): Promise<FitJobOutput<J>> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (f: () => void) => {
      if (!settled) {
        settled = true;
        f();
      }
    };
    let worker: Worker;
    try {
      // Not this process's flags (a test runner's `--import tsx` would slow the thread's start):
      // the entry brings what it needs, as the trial pool's does.
      worker = new Worker(threadFile(), { workerData: { job, input }, execArgv: [] });
    } catch (e) {
      reject(e);
      return;
    }
    worker.once('message', (result: FitJobOutput<J>) => settle(() => resolve(result)));
    worker.once('error', (e) => settle(() => reject(e)));
    worker.once('exit', (code) => settle(() => reject(new Error(`the fit thread (${job}) exited with code ${code} before its result`))));
  });
}
