// The run loop: check the sweep file, register it and its trials, then keep the executor busy,
// recording what happens as it happens. The main thread is the only writer. A trial that throws
// or times out is recorded as failed and the sweep goes on; stop() (Ctrl-C) ends the units in
// flight, marks their trials interrupted, and keeps everything complete. Running again resumes.
// A storage failure (disk full, database gone) ends the run cleanly: trials in flight are marked
// interrupted where the database still accepts it, and the error propagates as one line.

import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { totalOf, type StateCounts } from '../core/trial.js';
import { lrsweepVersion } from '../core/version.js';
import { yieldToEvents } from '../core/yield.js';
import { TrialPool, defaultWorkers } from '../pool/pool.js';
import { CommandExecutor } from '../pool/commands.js';
import type { Executor } from '../pool/executor.js';
import { openStorage } from '../storage/open.js';
import type { RunRecord, Storage, TrialRecord } from '../storage/types.js';
import { checkBackend, type Backend } from '../train/backend.js';
import { DEFAULT_TRIAL_ROOT, checkCommandHost, endOrphans, hashFiles, prepareSweepDir, type ProcessRecord } from '../train/command/index.js';
import { DEFAULT_COHORT_SIZE, type Config, type Sweep } from './definition.js';
import { Dispatcher } from './dispatch.js';
import { loadSweepFile, type CheckProgress, type LoadedSweep } from './file.js';
import { isBetter } from './objective.js';
import { registerSweep } from './register.js';
import { lintLines, lintSweep } from './lints.js';
import { countTrials, plan, type PlanStats, type Planned } from './space.js';

export interface RunOptions {
  file: string;
  db: string;
  workers?: number;
  backend?: Backend;
  extend?: boolean;
  /** Called after every recorded batch, and once at the start. */
  onProgress?: (p: Progress) => void;
  /** Called while a big sweep's configs are checked. */
  onChecking?: CheckProgress;
  /** Called while registering a big sweep's trials. */
  onRegistering?: (added: number, total: number) => void;
  /** Aborting it stops the run cleanly (what Ctrl-C does). */
  signal?: AbortSignal;
  /** Command trainers: where trial directories go (default $LRSWEEP_TRIALS_DIR, else ./lrsweep-trials). */
  trialsDir?: string;
  /** Told what the run did besides trials (ended processes a dead run left behind). */
  onNotice?: (message: string) => void;
}

export interface Progress {
  counts: StateCounts;
  total: number;
  /** Trials this run ended (complete, diverged or failed), and how many it set out to run. */
  doneThisRun: number;
  toRunThisRun: number;
  elapsedSeconds: number;
  /** The best single trial's objective so far (ranking uses means over repeats). */
  bestTrial: number | null;
}

export interface RunReport {
  sweep: string;
  runId: number;
  added: number;
  recovered: number;
  counts: StateCounts;
  ranThisRun: number;
  stopped: boolean;
  /** From the command's start to the end, as the user waited: checking, registering, training. */
  seconds: number;
  workers: number;
  db: string;
}

export interface DryRun {
  sweep: Sweep;
  trials: number;
  configs: number;
  steps: number;
  /** The first few trials of repeat 0. */
  first: Planned[];
  /** Configs dropped by constraints, and the leftover steps of configs derived from `cycles`. */
  stats: PlanStats;
  /** What the trainer says about its data (the MLP on a CSV: rows, features, the task it chose and why). */
  data: string | null;
  lints: ReturnType<typeof lintSweep>;
}

/** Checks the file and lists what would run, touching nothing. */
export async function dryRun(file: string, onChecking?: CheckProgress): Promise<DryRun> {
  const { sweep, trainer } = await loadSweepFile(file, onChecking);
  const first: Planned[] = [];
  const hashes = new Set<string>();
  const stats: PlanStats = { dropped: 0, leftovers: new Map() };
  let trials = 0;
  let n = 0;
  for (const t of plan(sweep, trainer.steps, stats)) {
    trials++;
    hashes.add(t.hash);
    if (t.repeat === 0 && first.length < 5) first.push(t);
    if (++n % 5000 === 0) await yieldToEvents();
  }
  const data = trainer.runner.kind === 'pool' ? trainer.runner.definition.describe?.(trainer.runner.options) ?? null : null;
  return { sweep, trials, configs: hashes.size, steps: trainer.steps, first, stats, lints: lintSweep(sweep, trainer.steps), data };
}

const HEARTBEAT_MS = 5_000;
/** A run on another host is presumed dead when its heartbeat is older than this. */
const STALE_MS = 60_000;
/** Trials added per transaction while registering: big enough to be quick, small enough to let Ctrl-C in. */
const REGISTER_BATCH = 5_000;

/** Whether the run that holds trials is still alive (else its trials are stale and re-run). */
export function isRunAlive(run: RunRecord): boolean {
  if (run.host === hostname()) {
    // Our own pid is alive but is not that run: a recycled pid, or a run of this process that ended badly.
    if (run.pid === process.pid) return false;
    try {
      process.kill(run.pid, 0);
      return true;
    } catch (e) {
      // EPERM: the process exists but belongs to another user, so it is alive; ESRCH: gone.
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  return Date.now() - Date.parse(run.heartbeatAt) < STALE_MS;
}

/** A content hash of the trainer's files (module and command trainers), so a changed trainer is noticed. */
async function trainerHash(loaded: LoadedSweep): Promise<string | null> {
  if (loaded.trainer.files.length === 0) return null;
  return hashFiles(loaded.trainer.files, dirname(resolve(loaded.file)));
}

/** Ends the processes (command trainers) that a dead run left running, before their trials run again. */
async function endLeftovers(processes: ProcessRecord[], o: RunOptions): Promise<void> {
  if (processes.length === 0) return;
  const report = await endOrphans(processes, 10_000);
  for (const e of report.ended) {
    o.onNotice?.(`ended ${e.processes} process${e.processes === 1 ? '' : 'es'} of process group ${e.record.pgid}, left running by a run that died`);
  }
}

async function registerTrials(storage: Storage, sweepId: number, sweep: Sweep, steps: number, o: RunOptions): Promise<number> {
  const total = countTrials(sweep);
  let added = 0;
  let batch: Planned[] = [];
  const write = async () => {
    added += await storage.addTrials(sweepId, batch.map((t) => ({ configHash: t.hash, repeat: t.repeat, params: t.config, seed: t.seed })));
    batch = [];
    if (total > REGISTER_BATCH) o.onRegistering?.(added, total);
    await yieldToEvents();
  };
  for (const t of plan(sweep, steps)) {
    if (o.signal?.aborted) break;
    batch.push(t);
    if (batch.length === REGISTER_BATCH) await write();
  }
  if (batch.length > 0 && !o.signal?.aborted) await write();
  return added;
}

export async function runSweep(o: RunOptions): Promise<RunReport> {
  const began = Date.now();
  const backend = o.backend ?? 'wasm';
  const loaded = await loadSweepFile(o.file, o.onChecking);
  const runner = loaded.trainer.runner;
  if (runner.kind === 'pool') checkBackend(backend);
  else checkCommandHost(runner.options);
  const workers = o.workers ?? loaded.sweep.budget.workers ?? defaultWorkers();

  const storage = await openStorage(o.db, 'write');
  let executor: Executor | null = null;
  let runId = -1;
  let heartbeat: NodeJS.Timeout | null = null;
  try {
    const hash = await trainerHash(loaded);
    const { record, sweep } = await registerSweep(storage, loaded.sweep, {
      file: o.file, written: loaded.written, extend: o.extend ?? false, steps: loaded.trainer.steps, trainerHash: hash,
    });
    const added = await registerTrials(storage, record.id, sweep, loaded.trainer.steps, o);
    for (const line of lintLines(lintSweep(sweep, loaded.trainer.steps))) o.onNotice?.(line);
    const { requeued: recovered, processes } = await storage.recoverTrials(record.id, isRunAlive);
    await endLeftovers(processes as unknown as ProcessRecord[], o);
    runId = await storage.beginRun(record.id, { pid: process.pid, host: hostname(), workers, backend });
    heartbeat = setInterval(() => storage.heartbeat(runId).catch(() => {}), HEARTBEAT_MS);
    heartbeat.unref();

    const started = Date.now();
    const counts = await storage.counts(record.id);
    const toRun = counts.waiting;
    let best: number | null = null;
    for (const t of await storage.trials(record.id, { state: 'complete' })) {
      if (t.objective !== null && isBetter(t.objective, best, sweep.objective.goal)) best = t.objective;
    }
    let done = 0;
    const report = () => o.onProgress?.({
      counts, total: totalOf(counts), doneThisRun: done, toRunThisRun: toRun, elapsedSeconds: (Date.now() - started) / 1000, bestTrial: best,
    });
    report();

    let stopped = o.signal?.aborted ?? false;
    if (toRun > 0 && !stopped) {
      const cohortSize = runner.kind === 'pool' && runner.definition.trainCohort ? (sweep.budget.cohort_size ?? DEFAULT_COHORT_SIZE) : 1;
      if (runner.kind === 'command') {
        const root = resolve(o.trialsDir ?? (process.env.LRSWEEP_TRIALS_DIR || DEFAULT_TRIAL_ROOT));
        prepareSweepDir(root, sweep.name, `${storage.where}#${record.createdAt}`);
        executor = new CommandExecutor({ options: runner.options, slots: workers, root, trialTimeout: sweep.budget.trial_timeout, objective: sweep.objective.metric });
      } else executor = new TrialPool({ workers, trialTimeout: sweep.budget.trial_timeout });
      const options = runner.kind === 'pool' ? runner.options : null;
      const ref = runner.kind === 'pool' ? runner.ref : { builtin: 'command' };
      const provenance = {
        lrsweep: lrsweepVersion(), node: process.version, ...(runner.kind === 'pool' ? { backend } : {}), host: hostname(), trainer_hash: hash,
      };
      const dispatcher = new Dispatcher({
        storage, executor, sweep, sweepId: record.id, runId, counts, best, cohortSize, provenance,
        unitFor: (trials: TrialRecord[]) => ({
          sweep: sweep.name, trainer: ref, options, steps: loaded.trainer.steps, seed: trials[0].seed, backend, perStep: false,
          lockstep: cohortSize > 1,
          members: trials.map((t) => ({ trialId: t.id, number: t.number, attempt: t.attempts, repeat: t.repeat, params: t.params as Config })),
        }),
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
    await storage.releaseRun(runId);
    await storage.endRun(runId, stopped ? 'interrupted' : 'finished');
    const final = await storage.counts(record.id);
    return {
      sweep: sweep.name, runId, added, recovered, counts: final, ranThisRun: done, stopped, seconds: (Date.now() - began) / 1000, workers, db: storage.where,
    };
  } catch (e) {
    if (runId >= 0) {
      // The database may be what failed: record what it still accepts, and report the first error.
      await storage.releaseRun(runId).catch(() => {});
      await storage.endRun(runId, 'failed').catch(() => {});
    }
    throw e;
  } finally {
    if (heartbeat) clearInterval(heartbeat);
    await executor?.close();
    await storage.close();
  }
}
