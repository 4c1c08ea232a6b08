// The run loop: check the sweep file, register it and its trials, then keep the executor busy,
// recording what happens as it happens. The main thread is the only writer. A trial that throws
// or times out is recorded as failed and the sweep goes on; stop() (Ctrl-C) ends the units in
// flight, marks their trials interrupted, and keeps everything complete. Running again resumes.
// A storage failure (disk full, database gone) ends the run cleanly: trials in flight are marked
// interrupted where the database still accepts it, and the error propagates as one line.

import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { UsageError } from '../core/errors.js';
import { totalOf, type StateCounts } from '../core/trial.js';
import { yieldToEvents } from '../core/yield.js';
import { defaultWorkers } from '../pool/pool.js';
import { localPath, openStorage } from '../storage/open.js';
import type { Storage } from '../storage/types.js';
import { checkBackend, type Backend } from '../train/backend.js';
import { checkCommandHost } from '../train/command/index.js';
import { trainerLegacyPath, type Sweep } from './definition.js';
import { Dispatcher } from './dispatch.js';
import type { Reached } from './progress.js';
import { newTally, type RunTally } from './tally.js';
import { stepProgress, stepsOf, type StepProgress } from './progress.js';
import { planCheck } from './plan-check.js';
import { loadSweepFile, type CheckProgress } from './file.js';
import { HEARTBEAT_MS, isRunAlive, leftoverGraceMs, recoverSweep } from './liveness.js';
import { registerSweep, registerTrials } from './register.js';
import { lintLines, lintSweep } from './lints.js';
import type { PruneCheckFactory } from './prune-hook.js';
import { StorageSource } from './source.js';
import { countConfigs, countTrials, plan, type PlanStats, type Planned } from './space.js';
import { endedReason } from './ended.js';
import { fileWarnings } from './file/warnings.js';
import { askAndAdd, suggestTrials } from './ask.js';
import type { LossPoint } from '../predict/index.js';
import { predictSummary } from './predict-report.js';
import { bestTrialObjective } from './ranking.js';
import { anchorPlansOf, isAdaptive } from './samplers/index.js';
import { backendProblem, cohortSizeOf, trainerHash, trainingFor, type Training } from './training.js';
import { enqueueWaiting, serve, type ServedSweep } from './serve/index.js';

export interface RunOptions {
  file: string;
  db: string;
  workers?: number;
  backend?: Backend;
  extend?: boolean;
  /** Replace a changed definition while none of the sweep's trials finished (register.ts). */
  replace?: boolean;
  /** Called after every recorded batch, and once at the start. */
  onProgress?: (p: Progress) => void;
  /** Called while a big sweep's configs are checked. */
  onChecking?: CheckProgress;
  /** Called once the sweep file and the trainer's data are checked (the part that may block for seconds), before anything is opened or written. */
  onChecked?: () => void;
  /** Called while registering a big sweep's trials. */
  onRegistering?: (added: number, total: number) => void;
  /** Aborting it stops the run cleanly (what Ctrl-C does). */
  signal?: AbortSignal;
  /** Command trainers: where trial directories go (default $LRSWEEP_TRIALS_DIR, else ./lrsweep-trials). */
  trialsDir?: string;
  /** Told what the run did besides trials (ended processes a dead run left behind). */
  onNotice?: (message: string) => void;
  /** PostgreSQL: register and enqueue the sweep, and leave the work to `lrsweep worker`. */
  enqueueOnly?: boolean;
  /** Tell onNotice of the sweep's schedule traps and the file's warnings (rules not ignored by the file); default true. */
  lint?: boolean;
  /** Builds the sweep's prune check (prune-hook.ts); none by default. */
  prune?: PruneCheckFactory;
}

export interface Progress {
  counts: StateCounts;
  total: number;
  /** Trials this run ended (complete, diverged, pruned or failed), and how many it set out to run. */
  doneThisRun: number;
  toRunThisRun: number;
  elapsedSeconds: number;
  /** The best single trial's objective so far (ranking uses means over repeats). */
  bestTrial: number | null;
  /** How far the trials in training have got (what they reported last): a cohort's only sign of progress until it ends. */
  reached: Reached;
  /** The same in training steps (progress.ts): null when they cannot be counted (a trial reports epochs of unknown length). */
  steps: StepProgress | null;
}

export interface RunReport {
  sweep: string;
  runId: number;
  added: number;
  recovered: number;
  /** What the recovered trials were before they went back to waiting (read just before: a display, not a ledger). */
  recoveredFrom?: { failed: number; interrupted: number; held: number };
  counts: StateCounts;
  ranThisRun: number;
  stopped: boolean;
  /** From the command's start to the end, as the user waited: checking, registering, training. */
  seconds: number;
  workers: number;
  db: string;
  /** PostgreSQL: trials put in the queue (null on SQLite, which has no queue). */
  enqueued: number | null;
  /** How the trials this run started ended (the exit code: tally.ts failureOf). */
  tally: RunTally;
  /** PostgreSQL: why the run stopped serving the sweep with trials left (its file no longer matches, an edited row), or null. */
  refused: string | null;
  /** An adaptive sampler's trials not created yet (whoever has a free slot asks for them); 0 for a sampler that plans. */
  toCreate?: number;
  /** A predict sweep: lines on the law's fit on its anchors and its shortlist's predicted against actual ranks (predict-report.ts). */
  predict?: string[];
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
  /** The file's warnings (file/warnings.ts: a learning sampler's startup within one cohort), one line each. */
  warnings: string[];
  /** The sampler creates trials as results arrive: `first` are its first suggestions, `configs` how many it will create. */
  adaptive: boolean;
  /** The anchors the sampler plans from the file (method predict), by name, in `first`'s order; empty for other samplers. */
  anchors: string[];
}

/** Checks the file and lists what would run, touching nothing; onChecked as RunOptions'. */
export async function dryRun(file: string, onChecking?: CheckProgress, onChecked?: () => void): Promise<DryRun> {
  const { sweep, trainer } = await loadSweepFile(file, onChecking);
  onChecked?.();
  const data = trainer.runner.kind === 'pool' ? trainer.runner.definition.describe?.(trainer.runner.options) ?? null : null;
  const lints = lintSweep(sweep, trainer.steps);
  const warnings = fileWarnings({ sweep, trainer });
  if (isAdaptive(sweep)) {
    // Nothing is planned: the first configs are what the sampler suggests before any result (its startup draws).
    // A sampler with anchors suggests them first: all of them are shown.
    const anchors = anchorPlansOf(sweep, trainer.steps).map((a) => a.name);
    const first = suggestTrials(sweep, trainer.steps, [], Math.max(5, anchors.length)).filter((t) => t.repeat === 0)
      .map((t): Planned => ({ config: t.params as Planned['config'], hash: t.configHash, repeat: 0, seed: t.seed, origin: {} }));
    return { sweep, trials: countTrials(sweep, trainer.steps), configs: countConfigs(sweep, trainer.steps), steps: trainer.steps, first, stats: { dropped: 0, leftovers: new Map() }, lints, warnings, data, adaptive: true, anchors };
  }
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
  return { sweep, trials, configs: hashes.size, steps: trainer.steps, first, stats, lints, warnings, data, adaptive: false, anchors: [] };
}

export async function runSweep(o: RunOptions): Promise<RunReport> {
  const began = Date.now();
  const backend = o.backend ?? 'wasm';
  const loaded = await loadSweepFile(o.file, o.onChecking);
  o.onChecked?.();
  o.prune?.validate?.(loaded);
  const runner = loaded.trainer.runner;
  if (runner.kind === 'pool') checkBackend(backend);
  else checkCommandHost(runner.options);
  const workers = o.workers ?? loaded.sweep.budget.workers ?? defaultWorkers();
  // --backend against the engine, before the store is opened (opening creates a new SQLite file)
  // wherever the file's engine is the sweep's: the file names it, or there is no store yet whose
  // older sweep registerSweep would read a silent file's engine from (as tfjs; checked there).
  const db = localPath(o.db);
  if (loaded.written.has(trainerLegacyPath('engine')) || (db !== null && db !== ':memory:' && !existsSync(db))) {
    const problem = backendProblem(loaded.sweep.trainer, o.backend);
    if (problem) throw new UsageError(problem);
  }

  const storage = await openStorage(o.db, 'write');
  let training: Training | null = null;
  let runId = -1;
  let heartbeat: NodeJS.Timeout | null = null;
  try {
    const hash = await trainerHash(loaded);
    const { record, sweep, removed, resumed } = await registerSweep(storage, loaded.sweep, {
      file: o.file, written: loaded.written, extend: o.extend ?? false, steps: loaded.trainer.steps, trainerHash: hash,
      replace: o.replace, isRunAlive: (run) => isRunAlive(run, { shared: storage.capabilities.shared }), onNotice: o.onNotice,
      check: (s) => {
        const problem = backendProblem(s.trainer, o.backend);
        if (problem) throw new UsageError(problem);
      },
    });
    if (removed > 0) o.onNotice?.(`--replace: removed ${removed} trial${removed === 1 ? '' : 's'} that the new definition does not plan`);
    const added = await registerTrials(storage, record.id, sweep, loaded.trainer.steps, { resumed, signal: o.signal, onRegistering: o.onRegistering });
    if (o.lint !== false) for (const line of [...lintLines(lintSweep(sweep, loaded.trainer.steps)), ...fileWarnings({ sweep, trainer: loaded.trainer })]) o.onNotice?.(line);
    const before = await storage.counts(record.id);
    const { requeued: recovered } = await recoverSweep(storage, record.id, (run) => isRunAlive(run, { shared: storage.capabilities.shared }), {},
      { onNotice: o.onNotice, graceMs: leftoverGraceMs(runner) });
    const tally = newTally();
    const failed = Math.min(before.failed, recovered);
    const interrupted = Math.min(before.interrupted, recovered - failed);
    const recoveredFrom = { failed, interrupted, held: recovered - failed - interrupted };
    const base = { sweep: sweep.name, added, recovered, recoveredFrom, workers, db: storage.where, tally };
    if (storage.capabilities.queue) return await runOnQueue(storage, { loaded, sweep, record, hash }, o, { ...base, began, backend });

    runId = await storage.beginRun(record.id, { pid: process.pid, host: hostname(), workers, backend });
    heartbeat = setInterval(() => storage.heartbeat(runId).catch(() => {}), HEARTBEAT_MS);
    heartbeat.unref();

    const started = Date.now();
    const counts = await storage.counts(record.id);
    // An adaptive sampler's trials are created as results arrive: those not created yet are to run too.
    const adaptive = isAdaptive(sweep);
    const prunedSteps = new Map<number, number>(); // pruned trials' last steps, read once (ask.ts)
    const curves = new Map<number, LossPoint[]>(); // complete trials' curves a sampler reads (ask.ts), read once
    // A sampler that ended early (ended.ts: a predict sweep stopped by a failed fit) has nothing left to create: asked at the start and whenever an ask adds nothing.
    let ended = adaptive ? await endedReason(storage, record.id, sweep, loaded.trainer.steps, curves) : null;
    const notCreated = () => (adaptive && ended === null ? Math.max(0, countTrials(sweep, loaded.trainer.steps) - totalOf(counts)) : 0);
    const toRun = counts.waiting + notCreated();
    let best = await bestTrialObjective(storage, record.id, sweep, loaded.trainer.steps);
    let done = 0;
    let dispatcher: Dispatcher | null = null;
    const trialSteps = stepsOf(loaded);
    const report = () => {
      const ahead = { ...counts, waiting: counts.waiting + notCreated() };
      o.onProgress?.({
        counts, total: totalOf(ahead), doneThisRun: done, toRunThisRun: toRun, elapsedSeconds: (Date.now() - started) / 1000, bestTrial: best,
        reached: dispatcher?.reached() ?? { epochs: null, steps: null },
        steps: stepProgress(ahead, trialSteps.perTrial, dispatcher ? dispatcher.stepsInFlight() : 0, done, toRun),
      });
    };
    report();

    let stopped = o.signal?.aborted ?? false;
    if (toRun > 0 && !stopped) {
      training = trainingFor(loaded, sweep, record, { workers, backend, hash, trialsDir: o.trialsDir, where: storage.where });
      dispatcher = new Dispatcher({
        storage, executor: training.executor, sweep, sweepId: record.id, runId, counts, best, provenance: training.provenance,
        unitFor: training.unitFor, tally, steps: trialSteps,
        prune: o.prune?.({ storage, sweepId: record.id, sweep, steps: trialSteps, commit: async () => dispatcher?.commitNow(), signal: o.signal, onNotice: o.onNotice }) ?? undefined,
        // Every claimed row is checked against this file's plan: an edited one is never trained.
        source: new StorageSource(storage, record.id, runId, training.cohortSize, { sweep: sweep.name, row: planCheck(sweep, loaded.trainer.steps) },
          adaptive ? {
            slots: training.executor.slots,
            perSlot: training.cohortSize,
            ask: async (configs) => {
              await dispatcher?.commitNow();
              const added = (await askAndAdd(storage, record.id, sweep, loaded.trainer.steps, configs, prunedSteps, curves)).length;
              counts.waiting += added;
              if (added === 0 && ended === null && (ended = await endedReason(storage, record.id, sweep, loaded.trainer.steps, curves)) !== null) report();
              return added;
            },
          } : undefined),
        onRecorded(n, b) {
          done = n;
          best = b;
          report();
        },
      });
      const onStop = () => dispatcher?.stop();
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
    // A predict sweep's summary lines: a report, not work (as a worker's): one that cannot be made now leaves a finished run finished.
    const predict = await predictSummary(storage, record.id, sweep, loaded.trainer.steps).catch(() => []);
    return { ...base, runId, counts: final, ranThisRun: done, stopped, seconds: (Date.now() - began) / 1000, enqueued: null, refused: null, predict };
  } catch (e) {
    if (runId >= 0) {
      // The database may be what failed: record what it still accepts, and report the first error.
      await storage.releaseRun(runId).catch(() => {});
      await storage.endRun(runId, 'failed').catch(() => {});
    }
    throw e;
  } finally {
    if (heartbeat) clearInterval(heartbeat);
    await training?.executor.close();
    await storage.close();
  }
}

/**
 * A store with a trial queue (PostgreSQL): enqueue the sweep's waiting trials (idempotently: two runs at once enqueue each
 * once), then, unless enqueueOnly, work on them as a worker does until none is left.
 */
async function runOnQueue(storage: Storage, item: ServedSweep, o: RunOptions,
  base: Pick<RunReport, 'sweep' | 'added' | 'recovered' | 'recoveredFrom' | 'workers' | 'db' | 'tally'> & { began: number; backend: Backend }): Promise<RunReport> {
  const queue = await storage.openQueue();
  try {
    const enqueued = await enqueueWaiting(storage, queue, item.record.id, cohortSizeOf(item.loaded, item.sweep));
    const { began, backend, ...fields } = base;
    // An adaptive sampler's trials not created yet are to run too (this run or another worker asks for them).
    // A sampler that ended early (ended.ts) has nothing left to create: asked at the start (the workers' asks are their own).
    const ended = isAdaptive(item.sweep) ? await endedReason(storage, item.record.id, item.sweep, item.loaded.trainer.steps) : null;
    const notCreated = (c: StateCounts) => (isAdaptive(item.sweep) && ended === null ? Math.max(0, countTrials(item.sweep, item.loaded.trainer.steps) - totalOf(c)) : 0);
    if (o.enqueueOnly) {
      const counts = await storage.counts(item.record.id);
      return { ...fields, runId: -1, counts, ranThisRun: 0, stopped: false, seconds: (Date.now() - began) / 1000, enqueued, refused: null, toCreate: notCreated(counts) };
    }
    const started = Date.now();
    const atStart = await storage.counts(item.record.id);
    const toRun = atStart.waiting + notCreated(atStart);
    const { sweeps, stopped } = await serve(storage, queue, [item], {
      workers: fields.workers, backend, wait: false, signal: o.signal, trialsDir: o.trialsDir, onNotice: o.onNotice, tally: fields.tally, prune: o.prune,
      onProgress: (_, p) => {
        const ahead = { ...p.counts, waiting: p.counts.waiting + notCreated(p.counts) };
        o.onProgress?.({
          counts: p.counts, total: totalOf(ahead), doneThisRun: p.ranHere, toRunThisRun: toRun, elapsedSeconds: (Date.now() - started) / 1000, bestTrial: p.bestTrial,
          reached: p.reached, steps: stepProgress(ahead, p.stepsPerTrial, p.stepsInFlight, p.ranHere, toRun),
        });
      },
    });
    const [mine] = sweeps;
    // A refusal with trials left is a run that did not do its work (as `worker` says of it).
    const left = mine.counts.waiting + mine.counts.queued + mine.counts.running + mine.counts.interrupted;
    return { ...fields, runId: mine.runId, counts: mine.counts, ranThisRun: mine.ranHere, stopped: stopped || mine.cancelled, seconds: (Date.now() - began) / 1000, enqueued,
      refused: left > 0 ? mine.refused : null, predict: mine.predict };
  } finally {
    await queue.close();
  }
}
