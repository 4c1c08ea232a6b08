// Stores as an older lrsweep left them, for the migration tests: the schema's migrations up to a
// version, that version recorded, and the rows given (SQL in that version's columns).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import assert from 'node:assert/strict';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/storage/schema.js';
import { openSqlite } from '../../src/storage/sqlite.js';
import { openPostgres } from '../../src/storage/postgres.js';
import type { Storage } from '../../src/storage/types.js';
import { PG_MIGRATIONS } from '../../src/storage/postgres-schema.js';
import { PG_URL, freshSchema, schemaUrl, sql } from './pg-server.js';

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

/** Opens a store an older lrsweep left with this one (which migrates it), runs `check` on it, closes it, and asserts its schema version is now SCHEMA_VERSION. */
export async function upgradeSqlite(path: string, check: (s: Storage) => Promise<void>): Promise<void> {
  const s = openSqlite(path, { mode: 'write' });
  try {
    await check(s);
  } finally {
    await s.close();
  }
  const db = new Database(path, { readonly: true });
  try {
    assert.equal((db.prepare("SELECT value FROM lrsweep_meta WHERE key = 'schema_version'").get() as { value: string }).value, String(SCHEMA_VERSION));
  } finally {
    db.close();
  }
}

/** upgradeSqlite for a PostgreSQL schema on the test server. */
export async function upgradePostgres(schema: string, check: (s: Storage) => Promise<void>): Promise<void> {
  const s = await openPostgres(schemaUrl(schema), { mode: 'write' });
  try {
    await check(s);
  } finally {
    await s.close();
  }
  assert.deepEqual(await sql("SELECT value FROM lrsweep_meta WHERE key = 'schema_version'", [], schema), [{ value: String(SCHEMA_VERSION) }]);
}
