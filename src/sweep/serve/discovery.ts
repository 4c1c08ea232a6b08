// Discovery of the sweep files a worker may serve: the files it is given (or directories of
// them), each parsed (a parse kept until its file changes) and checked against the sweep as
// stored, definition first and trainer files after. A waiting worker looks again every
// DISCOVER_MS for sweeps registered since. Light on purpose: `lrsweep worker` imports it at
// start (the engine, index.ts, is loaded when it is used).

import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CLI } from '../../core/cli-name.js';
import { UsageError } from '../../core/errors.js';
import type { Storage } from '../../storage/types.js';
import { checkBackend, type Backend } from '../../train/backend.js';
import { checkCommandHost } from '../../train/command/index.js';
import { loadSweepFile, type LoadedSweep } from '../file.js';
import type { PruneCheckFactory } from '../prune-hook.js';
import { compareWithStored } from '../register.js';
import type { ServedSweep, ServeOptions } from './machine.js';

const SWEEP_FILE = /\.(ya?ml|json)$/i;
/** How often a waiting worker reads its directories again for sweeps registered since (parsing files is not free). */
const DISCOVER_MS = 5_000;

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
export interface ScanState {
  /** Names of the sweeps served. */
  known: Set<string>;
  /** Files whose sweep is served: not read again. */
  servedFiles: Set<string>;
  /** Each file's parse (or its error), until the file changes: a big grid takes seconds to check. */
  parsed: Map<string, { mtimeMs: number; size: number; result: LoadedSweep | UsageError }>;
}

export function newScanState(): ScanState {
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
export async function scan(storage: Storage, paths: string[], backend: Backend, state: ScanState,
  o: { notice: (m: string) => void; rescan?: boolean; wait?: boolean; prune?: PruneCheckFactory }): Promise<ServedSweep[]> {
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
  o: { notice: (m: string) => void; rescan?: boolean; wait?: boolean; prune?: PruneCheckFactory }): Promise<ServedSweep | null> {
  const refuse = (why: string) => {
    if (!listed) throw new UsageError(`${file}: ${why}`);
    if (!o.rescan) o.notice(`skipping ${file}: ${why}`);
    return null;
  };
  let loaded: LoadedSweep;
  try {
    loaded = await parsedFile(file, state);
    o.prune?.validate?.(loaded); // --pruner against this file's trainer
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
  const { trainerHash } = await import('../training.js');
  const hash = await trainerHash(loaded);
  const { sweep, changes } = compareWithStored(record, loaded.sweep, { written: loaded.written, trainerHash: hash });
  if (changes.length > 0) return differs(changes);
  state.known.add(record.name);
  state.servedFiles.add(resolve(file));
  return { loaded, sweep, record, hash };
}

/**
 * The serve loop's rescans: with wait, on an idle pass at most every DISCOVER_MS, the sweeps
 * ServeOptions.discover finds registered since; none otherwise.
 */
export function rescans(o: ServeOptions): () => Promise<ServedSweep[]> {
  let last = Date.now();
  return async () => {
    if (!o.wait || !o.discover || Date.now() - last < DISCOVER_MS) return [];
    last = Date.now();
    return o.discover();
  };
}
