// Options and helpers shared by the commands. Commands are plain async functions that return a
// value; their yargs handlers print it (emit), so tests can call a command without a subprocess.

import { existsSync } from 'node:fs';
import type { Argv } from 'yargs';
import { CLI } from '../core/cli-name.js';
import { UsageError, show } from '../core/errors.js';
import { defaultDb, localPath, openStorage, shownDb, DEFAULT_DB, type OpenMode } from '../storage/open.js';
import type { Storage, SweepRecord } from '../storage/types.js';
import { upgradeDefinition, type Sweep } from '../sweep/definition.js';
import { TABLE_FORMATS, type TableFormat } from '../io/table.js';

export function withDb<T>(y: Argv<T>) {
  return y.option('db', {
    type: 'string', nargs: 1, default: defaultDb(), defaultDescription: `$LRSWEEP_DB, else ${DEFAULT_DB}`,
    describe: 'The database: a SQLite file (or sqlite:PATH), or postgres://USER@HOST/DB[?schema=NAME]',
  });
}

export function withFormat<T>(y: Argv<T>) {
  return y.option('format', { choices: TABLE_FORMATS, default: 'table' as TableFormat, describe: 'Output format' });
}

/** What a command prints: its result for people or programs, and its exit code when not 0. */
export interface Output {
  stdout?: string;
  stderr?: string;
  exitCode?: number;
}

export function emit(o: Output): void {
  if (o.stdout) process.stdout.write(o.stdout);
  if (o.stderr) process.stderr.write(o.stderr);
  if (o.exitCode !== undefined) process.exitCode = o.exitCode;
}

export interface OpenSweep {
  storage: Storage;
  sweep: SweepRecord;
  definition: Sweep;
}

/** Opens a database (for reading unless told) and finds the sweep, or says which sweeps exist. */
export async function openSweep(db: string, name: string, mode: OpenMode = 'read'): Promise<OpenSweep> {
  // A sweep is changed (delete, cancel) only where one exists: opening a missing SQLite file for
  // writing would create an empty database before finding no sweep in it.
  const file = localPath(db);
  if (mode === 'write' && file !== null && !existsSync(file)) {
    throw new UsageError(`--db: no database at ${JSON.stringify(file)}: run \`${CLI} run SWEEP_FILE\` first, or pass --db PATH`);
  }
  const storage = await openStorage(db, mode);
  try {
    const sweep = await storage.getSweep(name);
    if (!sweep) {
      const names = (await storage.listSweeps()).map((s) => s.name);
      throw new UsageError(`NAME: no sweep named ${show(name)} in ${storage.where}${names.length ? `; sweeps there: ${names.join(', ')}` : ' (it has no sweeps yet)'}`);
    }
    return { storage, sweep, definition: upgradeDefinition(sweep.definition) };
  } catch (e) {
    await storage.close();
    throw e;
  }
}

/** Runs fn on an open sweep and closes the database, whatever happens. */
export async function withSweep<T>(db: string, name: string, fn: (s: OpenSweep) => Promise<T>): Promise<T> {
  const s = await openSweep(db, name);
  try {
    return await fn(s);
  } finally {
    await s.storage.close();
  }
}

/** The keys a sweep varies, for table columns. */
export function variedKeys(definition: Sweep): string[] {
  return Object.keys(definition.parameters);
}

export { CLI } from '../core/cli-name.js';

/** A word as a POSIX shell reads it back unchanged: bare when safe, else single-quoted ($, backticks and backslashes stay literal). */
export function shellArg(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** ` --db X` when the database is not the default one, for commands the output suggests. */
export function dbFlag(db: string): string {
  const shown = shownDb(db); // a server URL without its password
  return db === DEFAULT_DB ? '' : ` --db ${/[\s?&*]/.test(shown) ? JSON.stringify(shown) : shown}`;
}
