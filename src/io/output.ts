// Where command output goes: a file, written to FILE.partial and renamed only when complete (an
// interrupted or failed write leaves nothing behind under the real name), or stdout. Before any
// file is written, checkOutput refuses what would destroy data: the database the command uses
// (never), or any existing SQLite file (unless --force).

import { closeSync, createWriteStream, existsSync, openSync, readSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { basename, dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import type { Argv } from 'yargs';
import { UsageError, show } from '../core/errors.js';

export function withForce<T>(y: Argv<T>) {
  return y.option('force', { type: 'boolean', default: false, describe: 'Replace an existing SQLite file at --out (never the database in use)' });
}

/** A path with its directory's symlinks and ./.. resolved (the file itself may not exist yet). */
export function canonicalPath(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch {
    try {
      return join(realpathSync(dirname(abs)), basename(abs));
    } catch {
      return abs;
    }
  }
}

/** Whether a file starts with SQLite's 16-byte header (an empty file is not a database yet). */
export function isSqliteFile(path: string): boolean {
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(16);
    return readSync(fd, head, 0, 16, 0) === 16 && head.toString('latin1') === 'SQLite format 3\u0000';
  } catch {
    return false;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

export interface OutputCheck {
  /** The flag that names the file, for messages (--out, --plot). */
  flag: string;
  /** Replace an existing SQLite file. */
  force?: boolean;
  /**
   * The database the command uses, which is never overwritten: its --db as given (for the
   * message) and the local file it names (storage/open.ts localPath; null for a server).
   */
  db?: { given: string; file: string | null } | null;
}

/** Refuses, before anything is written, an output that would destroy data or cannot be written. */
export function checkOutput(path: string, o: OutputCheck): void {
  const dir = dirname(resolve(path));
  if (!existsSync(dir)) throw new UsageError(`${o.flag}: the directory ${show(dir)} does not exist (for ${show(path)})`);
  const target = canonicalPath(path);
  if (o.db && o.db.file !== null) {
    const db = canonicalPath(o.db.file);
    if (db === target || [`${db}-wal`, `${db}-shm`].includes(target)) {
      throw new UsageError(`${o.flag}: ${show(path)} is the database this command reads (--db ${o.db.given}); writing there would destroy it: choose another file`);
    }
  }
  if (!existsSync(target)) return;
  if (statSync(target).isDirectory()) throw new UsageError(`${o.flag}: ${show(path)} is a directory; give a file name`);
  if (isSqliteFile(target) && !o.force) {
    throw new UsageError(`${o.flag}: ${show(path)} is an existing SQLite database (perhaps an lrsweep database); pass --force to replace it`);
  }
}

export interface Sink {
  write(bytes: Uint8Array): Promise<void>;
  /** Makes the output final (renames the file into place). */
  commit(): Promise<void>;
  /** Drops a partial output. */
  abort(): void;
}

async function writeWithBackpressure(stream: Writable, bytes: Uint8Array): Promise<void> {
  if (bytes.length === 0) return;
  if (!stream.write(bytes)) await once(stream, 'drain');
}

/** Removes a partial output; one that could not even be made (its directory is a file) is no error. */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // nothing was written there
  }
}

/** A write error as one line about the file the user named (not the internal .partial one). */
function writeError(path: string, e: unknown): Error {
  const err = e as NodeJS.ErrnoException;
  return new Error(`cannot write ${path}: ${err.code ?? err.message}${err.code && err.syscall ? ` (${err.message.split(',')[0].replace(`${err.code}: `, '')})` : ''}`);
}

export function fileSink(path: string): Sink {
  const partial = `${path}.partial`;
  const stream = createWriteStream(partial);
  let failure: Error | null = null;
  stream.on('error', (e) => (failure = writeError(path, e)));
  const check = () => {
    if (failure) throw failure;
  };
  // events.once rejects with the stream's raw error: say it about the user's file instead.
  const guarded = async (fn: () => Promise<void>) => {
    try {
      check();
      await fn();
      check();
    } catch (e) {
      throw failure ?? writeError(path, e);
    }
  };
  return {
    write: (bytes) => guarded(() => writeWithBackpressure(stream, bytes)),
    commit: () => guarded(async () => {
      stream.end();
      await once(stream, 'close');
      check();
      renameSync(partial, path);
    }),
    abort() {
      stream.destroy();
      removeQuietly(partial);
    },
  };
}

/** Writes a whole file under FILE.partial, then renames it into place. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const partial = `${path}.partial`;
  try {
    writeFileSync(partial, data);
    renameSync(partial, path);
  } catch (e) {
    removeQuietly(partial);
    throw writeError(path, e);
  }
}

export function stdoutSink(): Sink {
  return {
    write: (bytes) => writeWithBackpressure(process.stdout, bytes),
    commit: async () => {},
    abort: () => {},
  };
}
