// Options and helpers shared by the sweep commands.

import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { openSqlite } from '../storage/sqlite.js';
import type { Storage, SweepRecord } from '../storage/types.js';
import type { Sweep } from '../sweep/definition.js';
import { TABLE_FORMATS, type TableFormat } from '../io/table.js';

export const DEFAULT_DB = 'lrsweep.db';

export function withDb<T>(y: Argv<T>) {
  return y.option('db', { type: 'string', nargs: 1, default: DEFAULT_DB, describe: 'SQLite database file' });
}

export function withFormat<T>(y: Argv<T>) {
  return y.option('format', { choices: TABLE_FORMATS, default: 'table' as TableFormat, describe: 'Output format' });
}

/** Opens an existing database for reading and finds the sweep, or says what exists. */
export function openSweep(db: string, name: string): { storage: Storage; sweep: SweepRecord; definition: Sweep } {
  const storage = openSqlite(db, { mustExist: true });
  const sweep = storage.getSweep(name);
  if (!sweep) {
    const names = storage.listSweeps().map((s) => s.name);
    storage.close();
    throw new UsageError(`NAME: no sweep named ${JSON.stringify(name)} in ${db}${names.length ? `; sweeps there: ${names.join(', ')}` : ' (it has no sweeps yet)'}`);
  }
  return { storage, sweep, definition: JSON.parse(sweep.definition) as Sweep };
}

/** The keys a sweep varies, for table columns. */
export function variedKeys(definition: Sweep): string[] {
  return Object.keys(definition.parameters);
}
