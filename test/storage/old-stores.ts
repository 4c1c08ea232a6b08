// Stores as an older lrsweep left them, for the migration tests: the schema's migrations up to a
// version, that version recorded, and the rows given (SQL in that version's columns).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { MIGRATIONS } from '../../src/storage/schema.js';
import { PG_MIGRATIONS } from '../../src/storage/postgres-schema.js';
import { PG_URL, freshSchema } from './pg-server.js';

/** A SQLite file at schema `version` holding `rows`; `check` sees the open file before it is closed. */
export function sqliteStoreAt(version: number, rows: readonly string[], check?: (db: Database.Database) => void): string {
  const path = join(mkdtempSync(join(tmpdir(), `lrsweep-v${version}-`)), `v${version}.db`);
  const db = new Database(path);
  try {
    db.exec('CREATE TABLE lrsweep_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    for (const m of MIGRATIONS.filter((x) => x.version <= version)) db.exec(m.sql);
    db.exec(`INSERT INTO lrsweep_meta VALUES ('schema_version', '${version}')`);
    for (const row of rows) db.exec(row);
    check?.(db);
  } finally {
    db.close();
  }
  return path;
}

/** A fresh PostgreSQL schema (on the test server) at schema `version` holding `rows`; its name. */
export async function postgresStoreAt(version: number, rows: readonly string[]): Promise<string> {
  const schema = freshSchema();
  const client = new pg.Client({ connectionString: PG_URL! });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`SET search_path = ${schema}`);
    await client.query('CREATE TABLE lrsweep_meta (key text PRIMARY KEY, value text NOT NULL)');
    for (const m of PG_MIGRATIONS.filter((x) => x.version <= version)) await client.query(m.sql);
    await client.query(`INSERT INTO lrsweep_meta VALUES ('schema_version', '${version}')`);
    for (const row of rows) await client.query(row);
  } finally {
    await client.end();
  }
  return schema;
}
