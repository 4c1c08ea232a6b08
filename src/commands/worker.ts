// `lrsweep worker SWEEP_FILE... --db postgres://...`: take trials of those sweeps from the
// PostgreSQL queue until none is left (or keep waiting with --wait). A worker runs only what its
// own checkout holds: the sweep files it is given (or a directory of them) whose stored
// definition and trainer files equal this machine's. Nothing it executes comes from the database.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Argv } from 'yargs';
import { UsageError } from '../core/errors.js';
import { stopOnSignals } from '../core/interrupt.js';
import { totalOf } from '../core/trial.js';
import { capabilitiesOf, openStorage, shownDb } from '../storage/open.js';
import { EmptyStoreError, type Storage } from '../storage/types.js';
import { MAX_WORKERS } from '../sweep/file.js';
// The engine (sweep/serve/index.js, sweep/training.js, the thread pool) is imported where it is
// used: --help and the other commands start without it.
import { newScanState, scan } from '../sweep/serve/discovery.js';
import type { ServedReport, ServedSweep, SweepProgress } from '../sweep/serve/index.js';
import { BACKENDS, type Backend } from '../train/backend.js';
import { CLI, dbFlag, emit, withDb, type Output } from './common.js';
import { prunedText, reachedText } from '../sweep/progress.js';
import { stepProgress } from '../sweep/progress.js';
import { failureOf, newTally, RunFailed, type RunTally } from '../sweep/tally.js';
import { prunerFactory } from '../sweep/pruners/check.js';
import { prunerFlagText, optionalIntFlag } from './flags.js';

export const command = 'worker <sweep-files..>';
export const describe = 'Take trials of these sweeps from a PostgreSQL --db\'s queue, on this machine, until none is left';

export function builder(y: Argv) {
  return withDb(y)
    .positional('sweep-files', { type: 'string', array: true, demandOption: true, describe: 'Sweep files this machine may run, or directories of them (.yaml, .yml, .json)' })
    .option('workers', { nargs: 1, coerce: optionalIntFlag('workers', 1, MAX_WORKERS), describe: 'Trials at once on this machine  [default: one per core]' })
    .option('wait', { type: 'boolean', default: false, describe: 'When no trial is left, keep waiting for more (until Ctrl-C); sweeps not enqueued yet, even in an empty database, are waited for' })
    .option('backend', { choices: BACKENDS, default: 'wasm' as Backend, describe: 'tfjs backend; tensorflow needs @tensorflow/tfjs-node installed' })
    .option('pruner', { type: 'string', nargs: 1, coerce: prunerFlagText, describe: 'Replaces each sweep file\'s pruner for the trials this worker trains: KIND[:KEY=VALUE,...] (e.g. median:startup_trials=3), or none' })
    .option('trials-dir', { type: 'string', nargs: 1, describe: 'Command trainers: where each trial\'s directory goes  [default: $LRSWEEP_TRIALS_DIR, else ./lrsweep-trials]' })
    .example('$0 worker sweeps/cawr-grid.yaml --db postgres://me@db-host/sweeps', 'Work on a sweep someone enqueued (lrsweep run ... --enqueue-only)')
    .example('$0 worker sweeps/ --db postgres://me@db-host/sweeps --wait', 'Any sweep of this directory, waiting for new work');
}

type Args = Awaited<ReturnType<typeof builder>['argv']>;

/** How often a waiting worker looks again at a database that has no sweeps yet. */
const EMPTY_POLL_MS = 2_000;

/**
 * Opens the database for reading. With `wait`, a database that has no sweeps yet is waited for
 * (read again every few seconds) instead of refused; null when stopped meanwhile.
 */
async function openReader(db: string, wait: boolean, signal: AbortSignal, notice: (m: string) => void): Promise<Storage | null> {
  for (let told = false; ;) {
    try {
      return await openStorage(db, 'read');
    } catch (e) {
      if (!wait || !(e instanceof EmptyStoreError)) throw e;
      if (!told) notice(`${shownDb(db)} has no sweeps yet: waiting for one to be enqueued (Ctrl-C to stop)`);
      told = true;
    }
    await sleep(EMPTY_POLL_MS, undefined, { signal }).catch(() => {});
    if (signal.aborted) return null;
  }
}

/**
 * A worker's progress line for one sweep: its steps (progress.ts; this worker's trials in
 * training counted as far as they got, other workers' only once they end), then its trials.
 */
export function workerProgressText(p: SweepProgress): string {
  const s = stepProgress(p.counts, p.stepsPerTrial, p.stepsInFlight, p.ranHere, 0);
  const steps = s ? `steps ${s.done.toLocaleString('en-US')}/${s.total.toLocaleString('en-US')} | ` : '';
  return `${steps}${p.counts.complete} complete, ${p.counts.running} running${reachedText(p.reached)}, ${p.counts.queued} queued, ${p.counts.waiting} waiting | ${p.ranHere} ended on this worker`;
}

export function presentWorker(sweeps: ServedReport[], stopped: boolean, db: string, files: string[]): Output {
  if (sweeps.length === 0) {
    // Stopped while it waited for a sweep to serve (--wait).
    return { stdout: `stopped while waiting: no sweep of ${files.join(', ')} could be served from ${shownDb(db)} yet; nothing ran here\n`, exitCode: stopped ? 130 : undefined };
  }
  const lines = sweeps.map((s) => {
    const c = s.counts;
    return `sweep ${s.sweep}: ${s.ranHere} trials ended on this worker; ${c.complete} of ${totalOf(c)} complete, ${c.diverged} diverged, ${prunedText(c.pruned)}${c.failed} failed` +
      `${s.cancelled ? ' (cancelled)' : ''}`;
  });
  for (const s of sweeps) lines.push(...(s.predict ?? []).map((l) => (sweeps.length > 1 ? `sweep ${s.sweep}: ${l}` : l)));
  for (const s of refusedOf(sweeps)) lines.push(`sweep ${s.sweep}: not served to the end here`);
  if (stopped) lines.push('stopped: its interrupted trials went back to the queue for other workers');
  const ranked = sweeps.find((s) => s.counts.complete > 0);
  if (ranked) lines.push(`best configs: ${CLI} best ${ranked.sweep}${dbFlag(db)}`);
  return { stdout: `${lines.join('\n')}\n`, exitCode: stopped ? 130 : undefined };
}

/** Sweeps this worker stopped serving while trials were left: a failure to do what it was asked. */
function refusedOf(sweeps: ServedReport[]): ServedReport[] {
  return sweeps.filter((s) => s.refused !== null && s.counts.waiting + s.counts.queued + s.counts.running + s.counts.interrupted > 0);
}

/** Why the worker failed (exit 1): a sweep it refused, or every trial it ended failed; null when it did its work. */
export function workerFailure(sweeps: ServedReport[], tally: RunTally): string | null {
  return refusedOf(sweeps)[0]?.refused ?? failureOf(tally);
}

export async function handler(argv: Args): Promise<void> {
  if (!capabilitiesOf(argv.db).queue) {
    throw new UsageError(`--db: lrsweep worker takes trials from a PostgreSQL database's queue (postgres://...); ${shownDb(argv.db)} is a SQLite file, where \`${CLI} run SWEEP_FILE\` does the work`);
  }
  const notice = (m: string) => process.stderr.write(`lrsweep: ${m}\n`);
  const stop = stopOnSignals({
    stopping: () => '\nlrsweep: stopping: recording what finished (Ctrl-C again to quit at once)\n',
    quitting: () => '\nlrsweep: stopped now; trials still running will be re-run by other workers\n',
  });
  // Checked on a reader first: a mistyped ?schema= is refused without creating tables there.
  const reader = await openReader(argv.db, argv.wait, stop.signal, notice);
  if (!reader) {
    stop.close();
    emit(presentWorker([], true, argv.db, argv['sweep-files']));
    return;
  }
  const state = newScanState();
  // A waiting worker looks again and again: it says each thing once.
  const told = new Set<string>();
  const noticeOnce = (m: string) => {
    if (told.has(m)) return;
    told.add(m);
    notice(m);
  };
  // Each sweep's pruner, or --pruner's in its place (checked against each file's trainer as it is found).
  const prune = prunerFactory(argv.pruner);
  let served: ServedSweep[];
  try {
    served = await scan(reader, argv['sweep-files'], argv.backend, state, { notice: noticeOnce, wait: argv.wait, prune });
    if (served.length === 0) {
      const none = `none of ${argv['sweep-files'].join(', ')} holds a sweep of ${reader.where} that this worker may run`;
      if (!argv.wait) throw new UsageError(`sweep-files: ${none}`);
      notice(`${none} yet: waiting for one to be enqueued (Ctrl-C to stop)`);
    }
  } finally {
    await reader.close();
  }
  const storage = await openStorage(argv.db, 'write');
  try {
    const [{ serve }, { defaultWorkers }] = await Promise.all([import('../sweep/serve/index.js'), import('../pool/pool.js')]);
    const queue = await storage.openQueue();
    try {
      let last = 0;
      const tally = newTally();
      const { sweeps, stopped } = await serve(storage, queue, served, {
        tally,
        workers: argv.workers ?? defaultWorkers(), backend: argv.backend, wait: argv.wait, signal: stop.signal, trialsDir: argv['trials-dir'], onNotice: notice,
        prune,
        // A waiting worker given directories also serves sweeps of theirs registered later.
        discover: () => scan(storage, argv['sweep-files'], argv.backend, state, { notice: noticeOnce, rescan: true, wait: true, prune }),
        onProgress: (name, p) => {
          if (Date.now() - last < 10_000) return;
          last = Date.now();
          process.stderr.write(`${name}: ${workerProgressText(p)}\n`);
        },
      });
      emit(presentWorker(sweeps, stopped, argv.db, argv['sweep-files']));
      // Exit 1, the reason on stderr's last line (cli.ts).
      const failure = stopped ? null : workerFailure(sweeps, tally);
      if (failure) throw new RunFailed(failure);
    } finally {
      await queue.close();
    }
  } finally {
    stop.close();
    await storage.close();
  }
}
