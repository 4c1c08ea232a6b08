// `lrsweep worker SWEEP_FILE... --db postgres://...`: take trials of those sweeps from the
// PostgreSQL queue until none is left (or keep waiting with --wait). A worker runs only what its
// own checkout holds: the sweep files it is given (or a directory of them) whose stored
// definition and trainer files equal this machine's. Nothing it executes comes from the database.

import { readdirSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { UsageError } from '../core/errors.js';
import { totalOf } from '../core/trial.js';
import { openStorage, shownDb } from '../storage/open.js';
import { isPostgresUrl } from '../storage/postgres-url.js';
import { EmptyStoreError, type Storage } from '../storage/types.js';
import { loadSweepFile, MAX_WORKERS, type LoadedSweep } from '../sweep/file.js';
import { compareWithStored } from '../sweep/register.js';
// The engine (sweep/worker.js, sweep/training.js, the thread pool) is imported where it is used:
// --help and the other commands start without it.
import type { ServedReport, ServedSweep, SweepProgress } from '../sweep/worker.js';
import { checkBackend, BACKENDS, type Backend } from '../train/backend.js';
import { checkCommandHost } from '../train/command/index.js';
import { CLI, dbFlag, emit, withDb, type Output } from './common.js';
import { reachedText } from './run.js';
import { stepProgress } from '../sweep/progress.js';
import { failureOf, newTally, RunFailed, type RunTally } from '../sweep/tally.js';
import { optionalIntFlag } from './flags.js';

export const command = 'worker <sweep-files..>';
export const describe = 'Take trials of these sweeps from a PostgreSQL --db\'s queue, on this machine, until none is left';

export function builder(y: Argv) {
  return withDb(y)
    .positional('sweep-files', { type: 'string', array: true, demandOption: true, describe: 'Sweep files this machine may run, or directories of them (.yaml, .yml, .json)' })
    .option('workers', { nargs: 1, coerce: optionalIntFlag('workers', 1, MAX_WORKERS), describe: 'Trials at once on this machine  [default: one per core]' })
    .option('wait', { type: 'boolean', default: false, describe: 'When no trial is left, keep waiting for more (until Ctrl-C); sweeps not enqueued yet, even in an empty database, are waited for' })
    .option('backend', { choices: BACKENDS, default: 'wasm' as Backend, describe: 'tfjs backend; tensorflow needs @tensorflow/tfjs-node installed' })
    .option('trials-dir', { type: 'string', nargs: 1, describe: 'Command trainers: where each trial\'s directory goes  [default: $LRSWEEP_TRIALS_DIR, else ./lrsweep-trials]' })
    .example('$0 worker sweeps/cawr-grid.yaml --db postgres://me@db-host/sweeps', 'Work on a sweep someone enqueued (lrsweep run ... --enqueue-only)')
    .example('$0 worker sweeps/ --db postgres://me@db-host/sweeps --wait', 'Any sweep of this directory, waiting for new work');
}

type Args = Awaited<ReturnType<typeof builder>['argv']>;

const SWEEP_FILE = /\.(ya?ml|json)$/i;
/** How often a waiting worker looks again at a database that has no sweeps yet. */
const EMPTY_POLL_MS = 2_000;

/** The files given, with each directory replaced by its sweep files; `listed`: found in a directory, not named. */
function expand(paths: string[]): { file: string; listed: boolean }[] {
  const out: { file: string; listed: boolean }[] = [];
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      // A missing file is reported by loadSweepFile, in its words.
    }
    if (!isDir) out.push({ file: p, listed: false });
    else for (const name of readdirSync(p).filter((n) => SWEEP_FILE.test(n)).sort()) out.push({ file: join(p, name), listed: true });
  }
  return out;
}

/** What scans remember between a waiting worker's rescans. */
interface ScanState {
  /** Names of the sweeps served. */
  known: Set<string>;
  /** Files whose sweep is served: not read again. */
  servedFiles: Set<string>;
  /** Each file's parse (or its error), until the file changes: a big grid takes seconds to check. */
  parsed: Map<string, { mtimeMs: number; size: number; result: LoadedSweep | UsageError }>;
}

function newScanState(): ScanState {
  return { known: new Set(), servedFiles: new Set(), parsed: new Map() };
}

async function parsedFile(file: string, state: ScanState): Promise<LoadedSweep> {
  const path = resolve(file);
  let stamp: { mtimeMs: number; size: number } | null = null;
  try {
    const st = statSync(path);
    stamp = { mtimeMs: st.mtimeMs, size: st.size };
  } catch {
    // A missing file is reported by loadSweepFile, in its words.
  }
  const cached = state.parsed.get(path);
  let result: LoadedSweep | UsageError;
  if (stamp && cached && cached.mtimeMs === stamp.mtimeMs && cached.size === stamp.size) result = cached.result;
  else {
    try {
      result = await loadSweepFile(file);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      result = e;
    }
    if (stamp) state.parsed.set(path, { ...stamp, result });
  }
  if (result instanceof UsageError) throw result;
  return result;
}

/**
 * The sweeps this machine may serve, beyond those already served. A named file that is not in
 * the database, or whose stored definition differs, is an error (`wait`: one not in the database
 * yet is waited for, with a notice); a file found in a directory is skipped with a notice.
 * `rescan` (a waiting worker looking again): nothing is an error, a named file's problem is told
 * (the caller's notice says each message once), a directory's files are skipped silently.
 */
async function scan(storage: Storage, paths: string[], backend: Backend, state: ScanState,
  o: { notice: (m: string) => void; rescan?: boolean; wait?: boolean }): Promise<ServedSweep[]> {
  const served: ServedSweep[] = [];
  for (const { file, listed } of expand(paths)) {
    if (state.servedFiles.has(resolve(file))) continue;
    try {
      const item = await examine(storage, file, listed, backend, state, o);
      if (item) served.push(item);
    } catch (e) {
      if (!o.rescan || !(e instanceof UsageError)) throw e;
      if (!listed) o.notice(e.message.split('\n')[0]);
    }
  }
  return served;
}

/** One file of a scan: the sweep to serve, or null (skipped, waited for, or served already). */
async function examine(storage: Storage, file: string, listed: boolean, backend: Backend, state: ScanState,
  o: { notice: (m: string) => void; rescan?: boolean; wait?: boolean }): Promise<ServedSweep | null> {
  const refuse = (why: string) => {
    if (!listed) throw new UsageError(`${file}: ${why}`);
    if (!o.rescan) o.notice(`skipping ${file}: ${why}`);
    return null;
  };
  let loaded: LoadedSweep;
  try {
    loaded = await parsedFile(file, state);
  } catch (e) {
    if (e instanceof UsageError && listed) return refuse(e.message.split('\n')[0]);
    throw e;
  }
  if (state.known.has(loaded.sweep.name)) return null;
  const runner = loaded.trainer.runner;
  if (runner.kind === 'pool') checkBackend(backend);
  else checkCommandHost(runner.options);
  const record = await storage.getSweep(loaded.sweep.name);
  if (!record) {
    const enqueue = `${CLI} run ${file} --db ... --enqueue-only`;
    if (o.wait && !listed) {
      o.notice(`waiting for sweep "${loaded.sweep.name}" to be enqueued (${enqueue})`);
      return null;
    }
    return refuse(`sweep "${loaded.sweep.name}" is not in ${storage.where}: enqueue it first (${enqueue})`);
  }
  const differs = (changes: { text: string }[]) => refuse(`sweep "${record.name}" in ${storage.where} differs from this file (${changes.map((c) => c.text).join('; ')}): ` +
    'a worker runs only sweeps whose stored definition and trainer files equal its own; update this checkout, or run the sweep again from it');
  // The definition first: hashing the trainer's files (data files too) is for a sweep that may match.
  const definition = compareWithStored(record, loaded.sweep, { written: loaded.written, trainerHash: record.trainerHash });
  if (definition.changes.length > 0) return differs(definition.changes);
  const { trainerHash } = await import('../sweep/training.js');
  const hash = await trainerHash(loaded);
  const { sweep, changes } = compareWithStored(record, loaded.sweep, { written: loaded.written, trainerHash: hash });
  if (changes.length > 0) return differs(changes);
  state.known.add(record.name);
  state.servedFiles.add(resolve(file));
  return { loaded, sweep, record, hash };
}

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
  return `${steps}${p.counts.complete} complete, ${p.counts.running} running${reachedText(p.reached)}, ${p.counts.waiting} waiting | ${p.ranHere} ended on this worker`;
}

export function presentWorker(sweeps: ServedReport[], stopped: boolean, db: string, files: string[]): Output {
  if (sweeps.length === 0) {
    // Stopped while it waited for a sweep to serve (--wait).
    return { stdout: `stopped while waiting: no sweep of ${files.join(', ')} could be served from ${shownDb(db)} yet; nothing ran here\n`, exitCode: stopped ? 130 : undefined };
  }
  const lines = sweeps.map((s) => {
    const c = s.counts;
    return `sweep ${s.sweep}: ${s.ranHere} trials ended on this worker; ${c.complete} of ${totalOf(c)} complete, ${c.diverged} diverged, ${c.failed} failed` +
      `${s.cancelled ? ' (cancelled)' : ''}`;
  });
  for (const s of refusedOf(sweeps)) lines.push(`sweep ${s.sweep}: not served to the end here`);
  if (stopped) lines.push('stopped: its interrupted trials went back to the queue for other workers');
  if (sweeps.length > 0) lines.push(`best configs: ${CLI} best ${sweeps[0].sweep}${dbFlag(db)}`);
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
  if (!isPostgresUrl(argv.db)) {
    throw new UsageError(`--db: lrsweep worker takes trials from a PostgreSQL database's queue (postgres://...); ${shownDb(argv.db)} is a SQLite file, where \`${CLI} run SWEEP_FILE\` does the work`);
  }
  const notice = (m: string) => process.stderr.write(`lrsweep: ${m}\n`);
  const stop = new AbortController();
  const onSignal = () => {
    if (stop.signal.aborted) {
      process.stderr.write('\nlrsweep: stopped now; trials still running will be re-run by other workers\n');
      process.exit(130);
    }
    process.stderr.write('\nlrsweep: stopping: recording what finished (Ctrl-C again to quit at once)\n');
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Checked on a reader first: a mistyped ?schema= is refused without creating tables there.
  const reader = await openReader(argv.db, argv.wait, stop.signal, notice);
  if (!reader) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
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
  let served: ServedSweep[];
  try {
    served = await scan(reader, argv['sweep-files'], argv.backend, state, { notice: noticeOnce, wait: argv.wait });
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
    const [{ TrialQueue }, { serve }, { defaultWorkers }] = await Promise.all([
      import('../storage/queue.js'), import('../sweep/worker.js'), import('../pool/pool.js')]);
    const queue = await TrialQueue.open(argv.db);
    try {
      let last = 0;
      const tally = newTally();
      const { sweeps, stopped } = await serve(storage, queue, served, {
        tally,
        workers: argv.workers ?? defaultWorkers(), backend: argv.backend, wait: argv.wait, signal: stop.signal, trialsDir: argv['trials-dir'], onNotice: notice,
        // A waiting worker given directories also serves sweeps of theirs registered later.
        discover: () => scan(storage, argv['sweep-files'], argv.backend, state, { notice: noticeOnce, rescan: true, wait: true }),
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
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await storage.close();
  }
}
