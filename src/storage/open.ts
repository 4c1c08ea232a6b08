// Choosing the backend from --db (or LRSWEEP_DB): a path or sqlite:PATH is SQLite;
// postgres://... or postgresql://... is PostgreSQL (see postgres-url.ts for ?schema=). Only
// storage/ reads a --db: what a store can do is capabilitiesOf(db) before it is opened (checks that
// refuse a command before anything is opened) and Storage.capabilities after; whether two --db
// name one store is sameStore.

import { UsageError, show } from '../core/errors.js';
import { canonicalPath } from '../io/output.js';
import { isPostgresUrl, parsePgUrl, redactUrl } from './postgres-url.js';
import { POSTGRES_CAPABILITIES, SQLITE_CAPABILITIES, type Storage, type StoreCapabilities } from './types.js';

export const DEFAULT_DB = 'lrsweep.db';

export type OpenMode = 'read' | 'write';

/** The database a command uses: --db, else LRSWEEP_DB, else lrsweep.db in the working directory. */
export function defaultDb(): string {
  return process.env.LRSWEEP_DB || DEFAULT_DB;
}

export async function openStorage(db: string, mode: OpenMode): Promise<Storage> {
  // Each backend is loaded on demand: commands on SQLite files never load the PostgreSQL driver,
  // and commands that open no database (curve, fit, --help) load neither.
  if (isPostgresUrl(db)) return (await import('./postgres.js')).openPostgres(db, { mode });
  if (isUrl(db)) {
    throw new UsageError(`--db: ${show(redactUrl(db))} is a URL lrsweep cannot open: give a SQLite file (PATH or sqlite:PATH) or a postgres:// URL`);
  }
  return (await import('./sqlite.js')).openSqlite(localPath(db)!, { mode });
}

/** A URL (scheme://...): PostgreSQL's, or one lrsweep cannot open. */
const isUrl = (db: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(db);

/** The local file a --db names (the SQLite file openStorage opens), or null when it names none (a URL). */
export function localPath(db: string): string | null {
  return isUrl(db) ? null : db.startsWith('sqlite:') ? db.slice('sqlite:'.length) : db;
}

/** A --db as messages and suggested commands may show it: a server URL without its password. */
export function shownDb(db: string): string {
  return isPostgresUrl(db) ? redactUrl(db) : db;
}

/** What the store a --db names can do, known without opening it (the same as the opened store's capabilities). */
export function capabilitiesOf(db: string): StoreCapabilities {
  return isPostgresUrl(db) ? POSTGRES_CAPABILITIES : SQLITE_CAPABILITIES;
}

/** Whether two --db values name one store (one file, or one schema of one database on one server). */
export function sameStore(a: string, b: string): boolean {
  if (isPostgresUrl(a) !== isPostgresUrl(b)) return false;
  if (!isPostgresUrl(a)) {
    const [fileA, fileB] = [localPath(a), localPath(b)];
    // A URL no backend opens is no store: opening it says so, naming the flag.
    return fileA !== null && fileB !== null && canonicalPath(fileA) === canonicalPath(fileB);
  }
  const place = (db: string) => {
    const u = new URL(db);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}?${parsePgUrl(db).schema}`;
  };
  return place(a) === place(b);
}
