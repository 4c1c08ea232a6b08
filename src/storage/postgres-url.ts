// PostgreSQL URLs as --db takes them: postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME]
// (postgresql:// too). `schema` is ours: the PostgreSQL schema lrsweep's tables live in (default
// public), so several teams or test runs share one database; every other query parameter
// (sslmode, application_name, ...) goes to the driver (pg) as it is. A password is
// never shown: messages name the store by `redactUrl`, which puts *** in its place.

import { UsageError } from '../core/errors.js';

export const PG_URL = /^postgres(ql)?:\/\//i;

export function isPostgresUrl(db: string): boolean {
  return PG_URL.test(db);
}

/**
 * The URL with its password replaced by ***, for messages; never the password. Done on the text,
 * not on a parsed URL: a password with an unencoded / or @ would parse as a host and a path.
 * Everything from the colon after the user name to the last @ before the query goes, and so does
 * a ?password= parameter.
 */
export function redactUrl(db: string): string {
  return db.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*):[^?#]*@/i, '$1:***@').replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/** A schema name: a lowercase SQL name, so it means the same quoted or not, in SQL and in search_path. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface PgTarget {
  /** The URL without its password, for messages. */
  where: string;
  schema: string;
  /** The password as written in the URL (decoded), to scrub from driver messages; '' when none. */
  password: string;
  /**
   * The URL for the driver: without ?schema=, with search_path as a startup option, and for
   * readers default_transaction_read_only, for connections whose commits need not wait for the
   * disk synchronous_commit off.
   */
  connectionString(o: { readOnly?: boolean; asyncCommit?: boolean }): string;
}

export function parsePgUrl(db: string): PgTarget {
  const where = redactUrl(db);
  let url: URL;
  try {
    url = new URL(db);
  } catch {
    throw new UsageError(`--db: ${where} is not a valid PostgreSQL URL (postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME])`);
  }
  const schemas = url.searchParams.getAll('schema');
  if (schemas.length > 1) throw new UsageError(`--db: ${where} gives ?schema= ${schemas.length} times; give it once`);
  const schema = schemas[0] ?? 'public';
  if (!SCHEMA_NAME.test(schema)) {
    throw new UsageError(`--db: ?schema= must be a lowercase SQL name (a letter or _, then letters, digits or _; at most 63), got ${JSON.stringify(schema)}`);
  }
  let password = url.searchParams.get('password') ?? '';
  try {
    password ||= decodeURIComponent(url.password);
  } catch {
    password ||= url.password;
  }
  return {
    where, schema, password,
    connectionString(o: { readOnly?: boolean; asyncCommit?: boolean }): string {
      const u = new URL(url.href);
      u.searchParams.delete('schema');
      const options = [u.searchParams.get('options') ?? '', `-c search_path=${schema}`, o.readOnly ? '-c default_transaction_read_only=on' : '',
        o.asyncCommit ? '-c synchronous_commit=off' : ''].filter(Boolean).join(' ');
      u.searchParams.set('options', options);
      if (!u.searchParams.has('application_name')) u.searchParams.set('application_name', 'lrsweep');
      return u.href;
    },
  };
}

/**
 * The one-line message for a server that asked for a password when none was given, or null for
 * any other failure. node-postgres reports it, for a SCRAM server (PostgreSQL's default since
 * 14), as `SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string` (`... a non-empty
 * string` for an empty one), which says neither which setting nor how to give one.
 */
export function missingPasswordMessage(where: string, e: unknown): string | null {
  const message = e instanceof Error ? e.message : '';
  if (!/client password must be a (non-empty )?string/.test(message)) return null;
  const none = message.includes('non-empty') ? 'an empty one was given' : 'none was given';
  return `--db ${where}: the server asks for a password and ${none}; give it in the URL (postgres://USER:PASSWORD@HOST/DATABASE), ` +
    'in PGPASSWORD, or in ~/.pgpass';
}
