// `lrsweep worker SWEEP_FILE... --db postgres://...`: take trials of those sweeps from the
// PostgreSQL queue until none is left (or keep waiting with --wait). A worker runs only what its
// own checkout holds: the sweep files it is given (or a directory of them) whose stored
// definition and trainer files equal this machine's. Nothing it executes comes from the database.

import { readdirSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { UsageError } from '../core/errors.js';
import { totalOf } from '../core/trial.js';
import { openStorage, shownDb } from '../storage/open.js';
import { isPostgresUrl } from '../storage/postgres-url.js';
import { EmptyStoreError, type Storage } from '../storage/types.js';
import { loadSweepFile, MAX_WORKERS } from '../sweep/file.js';
import { compareWithStored } from '../sweep/register.js';
import { trainerHash } from '../sweep/training.js';
import { serve, type ServedReport, type ServedSweep } from '../sweep/worker.js';
import { defaultWorkers } from '../pool/pool.js';
import { checkBackend, BACKENDS, type Backend } from '../train/backend.js';
import { checkCommandHost } from '../train/command/index.js';
import { CLI, dbFlag, emit, withDb, type Output } from './common.js';
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

/**
 * The sweeps this machine may serve, beyond those in `known` (names). A named file that is not in
 * the database, or whose stored definition differs, is an error (`wait`: one not in the database
 * yet is waited for, with a notice); a file found in a directory is skipped with a notice
 * (`quiet`: skipped silently, for the rescans of a waiting worker).
 */
async function scan(storage: Storage, paths: string[], backend: Backend, known: Set<string>,
  o: { notice: (m: string) => void; quiet?: boolean; wait?: boolean }): Promise<ServedSweep[]> {
  const served: ServedSweep[] = [];
  for (const { file, listed } of expand(paths)) {
    const skip = (why: string) => {
      if (!o.quiet) o.notice(`skipping ${file}: ${why}`);
    };
    const refuse = (why: string) => {
      if (!listed) throw new UsageError(`${file}: ${why}`);
      skip(why);
    };
    if (o.quiet) {
      // A file that appeared in a directory later may be anything: it never stops a running worker.
      try {
        served.push(...await scan(storage, [file], backend, known, { notice: o.notice }));
      } catch {
        // not servable (yet): looked at again at the next rescan
      }
      continue;
    }
    let loaded;
    try {
      loaded = await loadSweepFile(file);
    } catch (e) {
      if (e instanceof UsageError && listed) {
        skip(e.message.split('\n')[0]);
        continue;
      }
      throw e;
    }
    if (known.has(loaded.sweep.name)) continue;
    const runner = loaded.trainer.runner;
    if (runner.kind === 'pool') checkBackend(backend);
    else checkCommandHost(runner.options);
    const record = await storage.getSweep(loaded.sweep.name);
    if (!record) {
      const enqueue = `${CLI} run ${file} --db ... --enqueue-only`;
      if (o.wait && !listed) o.notice(`waiting for sweep "${loaded.sweep.name}" to be enqueued (${enqueue})`);
      else refuse(`sweep "${loaded.sweep.name}" is not in ${storage.where}: enqueue it first (${enqueue})`);
      continue;
    }
    const hash = await trainerHash(loaded);
    const { sweep, changes } = compareWithStored(record, loaded.sweep, { written: loaded.written, trainerHash: hash });
    if (changes.length > 0) {
      refuse(`sweep "${record.name}" in ${storage.where} differs from this file (${changes.map((c) => c.text).join('; ')}): ` +
        'a worker runs only sweeps whose stored definition and trainer files equal its own; update this checkout, or run the sweep again from it');
      continue;
    }
    known.add(record.name);
    served.push({ loaded, sweep, record, hash });
  }
  return served;
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

export function presentWorker(sweeps: ServedReport[], stopped: boolean, db: string): Output {
  const lines = sweeps.map((s) => {
    const c = s.counts;
    return `sweep ${s.sweep}: ${s.ranHere} trials ended on this worker; ${c.complete} of ${totalOf(c)} complete, ${c.diverged} diverged, ${c.failed} failed` +
      `${s.cancelled ? ' (cancelled)' : ''}`;
  });
  // A sweep this worker stopped serving while trials were left: that is a failure to do what it was asked.
  const refused = sweeps.filter((s) => s.refused !== null && s.counts.waiting + s.counts.queued + s.counts.running + s.counts.interrupted > 0);
  for (const s of refused) lines.push(`sweep ${s.sweep}: not served to the end here: this worker's files no longer match the sweep (${s.refused})`);
  if (stopped) lines.push('stopped: its interrupted trials went back to the queue for other workers');
  if (sweeps.length > 0) lines.push(`best configs: ${CLI} best ${sweeps[0].sweep}${dbFlag(db)}`);
  return { stdout: `${lines.join('\n')}\n`, exitCode: stopped ? 130 : refused.length > 0 ? 1 : undefined };
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
    emit(presentWorker([], true, argv.db));
    return;
  }
  const known = new Set<string>();
  let served: ServedSweep[];
  try {
    served = await scan(reader, argv['sweep-files'], argv.backend, known, { notice, wait: argv.wait });
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
    const { TrialQueue } = await import('../storage/queue.js');
    const queue = await TrialQueue.open(argv.db);
    try {
      let last = 0;
      const { sweeps, stopped } = await serve(storage, queue, served, {
        workers: argv.workers ?? defaultWorkers(), backend: argv.backend, wait: argv.wait, signal: stop.signal, trialsDir: argv['trials-dir'], onNotice: notice,
        // A waiting worker given directories also serves sweeps of theirs registered later.
        discover: () => scan(storage, argv['sweep-files'], argv.backend, known, { notice, quiet: true }),
        onProgress: (name, p) => {
          if (Date.now() - last < 10_000) return;
          last = Date.now();
          process.stderr.write(`${name}: ${p.counts.complete} complete, ${p.counts.running} running, ${p.counts.waiting} waiting | ${p.ranHere} ended on this worker\n`);
        },
      });
      emit(presentWorker(sweeps, stopped, argv.db));
    } finally {
      await queue.close();
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await storage.close();
  }
}
