// A small finished sweep in a temporary database, for tests of the commands that read results.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runSweep } from '../../src/sweep/run.js';

/** Runs a quick sweep (quadratic trainer: no tfjs) with some failing trials; returns its paths. */
export async function finishedSweep(): Promise<{ dir: string; db: string; name: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-results-'));
  const file = join(dir, 'landscape.yaml');
  writeFileSync(file, `
name: landscape
schedule: { first_cycle_steps: 30, max_lr: 0.2, min_lr: 0.001 }
parameters:
  cycle_mult: { values: [1, 1.5, 2] }
  gamma: { values: [0.5, 0.8, 1.0] }
  warmup_steps: { values: [0, 5] }
repeats: 2
trainer: { kind: quadratic, dim: 6, epochs: 6, steps_per_epoch: 25 }
`);
  const db = join(dir, 'lrsweep.db');
  await runSweep({ file, db, workers: 1 });
  return { dir, db, name: 'landscape' };
}

/** Rows of a query on a SQLite database, opened read-only for the query. */
export function queryDb<T = Record<string, unknown>>(db: string, sql: string): T[] {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare(sql).all() as T[];
  } finally {
    d.close();
  }
}
