// The PostgreSQL server the tests use: LRSWEEP_TEST_PG (postgres://postgres@127.0.0.1:5432/test,
// set by .ci/run). Every test works in a schema of its own (lrsweep_test_<random>), dropped when
// the file's tests end. Without LRSWEEP_TEST_PG the PostgreSQL tests are skipped with a message,
// except under CI=1, where a missing server is a failure (skipOrFail). Nothing here connects to a
// server LRSWEEP_TEST_PG does not name.

import { after, test } from 'node:test';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { skipOrFail } from '../helpers/skip.js';

export const PG_URL = process.env.LRSWEEP_TEST_PG || null;

const EXAMPLE = 'postgres://postgres@127.0.0.1:5432/test';
const SKIP = `LRSWEEP_TEST_PG is not set (e.g. ${EXAMPLE}): PostgreSQL tests skipped; .ci/run starts a server and sets it`;

/**
 * Declares the file's PostgreSQL tests when a server is configured; otherwise one test that is
 * skipped saying why, or, under CI=1, fails.
 */
export function withPostgres(declare: (url: string) => void): void {
  if (PG_URL) {
    declare(PG_URL);
    after(dropSchemas);
  } else {
    test('postgres: the PostgreSQL tests', (t) => {
      skipOrFail(t, SKIP);
    });
  }
}

const made = new Set<string>();

/** A fresh schema name, dropped after the file's tests. */
export function freshSchema(): string {
  const name = `lrsweep_test_${randomBytes(6).toString('hex')}`;
  made.add(name);
  return name;
}

/** The test server's URL naming a schema (fresh unless given). */
export function schemaUrl(schema = freshSchema(), base = PG_URL!): string {
  const u = new URL(base);
  u.searchParams.set('schema', schema);
  return u.href;
}

/** Runs SQL on the test server as the test user (outside lrsweep). */
export async function sql<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[] = [], schema?: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: PG_URL!, options: schema ? `-c search_path=${schema}` : undefined });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

async function dropSchemas(): Promise<void> {
  if (made.size === 0) return;
  await sql(`DROP SCHEMA IF EXISTS ${[...made].join(', ')} CASCADE`);
  made.clear();
}
