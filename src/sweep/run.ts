// The run loop: check the sweep file, register it and its trials, then keep the pool busy,
// recording each outcome as it arrives. The main thread is the only writer. A trial that throws
// or times out is recorded as failed and the sweep goes on; stop() (Ctrl-C) aborts the trials in
// flight, marks them interrupted, and keeps everything complete. Running again resumes.

import { hostname } from 'node:os';
import { TrialPool, defaultWorkers } from '../pool/pool.js';
import { openSqlite } from '../storage/sqlite.js';
import type { StateCounts } from '../storage/types.js';
import { checkBackend } from '../train/backend.js';
import { trainerEntry } from '../train/registry.js';
import type { Backend } from '../train/types.js';
import type { Sweep } from './definition.js';
import { Dispatcher } from './dispatch.js';
import { loadSweepFile } from './file.js';
import { isBetter } from './objective.js';
import { registerSweep } from './register.js';
import { plan, type Planned } from './space.js';

export interface RunOptions {
  file: string;
  db: string;
  workers?: number;
  backend?: Backend;
  extend?: boolean;
  /** Called after every recorded outcome, and once at the start. */
  onProgress?: (p: Progress) => void;
  /** Aborting it stops the run cleanly (what Ctrl-C does). */
  signal?: AbortSignal;
}

export interface Progress {
  total: number;
  complete: number;
  failed: number;
  /** Trials this run finished (complete or failed), and how many it set out to run. */
  doneThisRun: number;
  toRunThisRun: number;
  elapsedSeconds: number;
  best: number | null;
}

export interface RunReport {
  sweep: string;
  runId: number;
  added: number;
  recovered: number;
  counts: StateCounts;
  ranThisRun: number;
  stopped: boolean;
  seconds: number;
  workers: number;
}

export interface DryRun {
  sweep: Sweep;
  trials: Planned[];
  configs: number;
  steps: number;
}

/** Checks the file and lists what would run, touching nothing. */
export function dryRun(file: string): DryRun {
  const sweep = loadSweepFile(file);
  const trials = plan(sweep);
  return { sweep, trials, configs: new Set(trials.map((t) => t.hash)).size, steps: trainerEntry(sweep.trainer.kind).spec.steps(sweep.trainer) };
}

const HEARTBEAT_MS = 5_000;
/** A run on another host is presumed dead when its heartbeat is older than this. */
const STALE_MS = 60_000;

function isRunAlive(run: { pid: number; host: string; heartbeat_at: string }): boolean {
  if (run.host === hostname()) {
    try {
      process.kill(run.pid, 0);
      return run.pid !== process.pid;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  return Date.now() - Date.parse(run.heartbeat_at) < STALE_MS;
}

export async function runSweep(o: RunOptions): Promise<RunReport> {
  const backend = o.backend ?? 'wasm';
  const sweep = loadSweepFile(o.file);
  checkBackend(backend);
  const planned = plan(sweep);
  const steps = trainerEntry(sweep.trainer.kind).spec.steps(sweep.trainer);
  const workers = o.workers ?? sweep.budget.workers ?? defaultWorkers();

  const storage = openSqlite(o.db);
  let pool: TrialPool | null = null;
  let runId = -1;
  let heartbeat: NodeJS.Timeout | null = null;
  try {
    const record = registerSweep(storage, sweep, o.file, o.extend ?? false, o.db);
    const added = storage.addTrials(record.id, planned.map((t) => ({
      config_hash: t.hash, repeat: t.repeat, params: JSON.stringify(t.config), seed: t.seed,
    })));
    const recovered = storage.recoverTrials(record.id, isRunAlive);
    runId = storage.beginRun(record.id, { pid: process.pid, host: hostname(), workers, backend });
    heartbeat = setInterval(() => storage.heartbeat(runId), HEARTBEAT_MS);
    heartbeat.unref();

    const started = Date.now();
    const counts = storage.counts(record.id);
    const toRun = counts.waiting;
    // Progress shows the best single trial so far (ranking uses means over repeats).
    let best: number | null = null;
    for (const t of storage.trials(record.id, 'complete')) {
      if (t.objective !== null && isBetter(t.objective, best, sweep.objective.goal)) best = t.objective;
    }
    let done = 0;
    const report = () => o.onProgress?.({
      total: Object.values(counts).reduce((a, b) => a + b, 0), complete: counts.complete, failed: counts.failed,
      doneThisRun: done, toRunThisRun: toRun, elapsedSeconds: (Date.now() - started) / 1000, best,
    });
    report();

    let stopped = o.signal?.aborted ?? false;
    if (toRun > 0 && !stopped) {
      pool = new TrialPool({ workers, trialTimeout: sweep.budget.trial_timeout });
      const dispatcher = new Dispatcher({
        storage, pool, sweep, sweepId: record.id, runId, steps, backend, counts, best,
        onRecorded(n, b) {
          done = n;
          best = b;
          report();
        },
      });
      const onStop = () => dispatcher.stop();
      o.signal?.addEventListener('abort', onStop, { once: true });
      try {
        done = await dispatcher.run();
      } finally {
        o.signal?.removeEventListener('abort', onStop);
      }
      stopped = dispatcher.stopped;
    }
    storage.releaseRun(runId);
    storage.endRun(runId, stopped ? 'interrupted' : 'finished');
    const final = storage.counts(record.id);
    return {
      sweep: sweep.name, runId, added, recovered, counts: final, ranThisRun: done, stopped,
      seconds: (Date.now() - started) / 1000, workers,
    };
  } catch (e) {
    if (runId >= 0) {
      storage.releaseRun(runId);
      storage.endRun(runId, 'failed');
    }
    throw e;
  } finally {
    if (heartbeat) clearInterval(heartbeat);
    await pool?.close();
    storage.close();
  }
}
