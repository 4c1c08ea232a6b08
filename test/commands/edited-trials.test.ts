// A trial row edited in a SQLite database (its params, its seed or its origin) is never trained: `run` checks
// every claimed row against the sweep file's plan, as PostgreSQL's workers do, and refuses the
// sweep in one line naming the trial and what to do (exit 1). Put back, the sweep runs on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli } from '../helpers/cli.js';
import { queryDb } from '../helpers/sweep-db.js';

const workspace = () => mkdtempSync(join(tmpdir(), 'lrsweep-edited-'));

/** A quick sweep of 4 trials (the quadratic trainer). */
function sweep(dir: string): string {
  const file = join(dir, 'e.yaml');
  writeFileSync(file, 'name: e\nschedule: { first_cycle_steps: 20 }\nparameters: { max_lr: { values: [0.01, 0.02, 0.03, 0.04] } }\n' +
    'trainer: { kind: quadratic, dim: 4, epochs: 2, steps_per_epoch: 10 }\nbudget: { workers: 1 }\nlint: { ignore: [ends-mid-cycle, peak-below-min] }\n');
  return file;
}

/** Writes to the database as someone with write access to its file would. */
function write(db: string, sql: string, ...params: unknown[]): void {
  const d = new Database(db);
  try {
    d.prepare(sql).run(...params);
  } finally {
    d.close();
  }
}

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1);

for (const [what, edit, why] of [
  ['params', "UPDATE trials SET params = json_set(params, '$.max_lr', 5) WHERE number = 3", /its params \{.*"max_lr":5,.* do not hash to its config hash [0-9a-f]{16}/],
  ['seed', 'UPDATE trials SET seed = seed + 1 WHERE number = 3', /its seed \d+ is not the seed \d+ the sweep file plans for it/],
  ['origin', "UPDATE trials SET origin = 'model' WHERE number = 3", /its origin is model, but method grid suggests no trials \(it plans them all\)/],
] as const) {
  test(`a trial whose ${what} was edited in the database is not trained: run exits 1 naming it and what to do; put back, the sweep runs on`, () => {
    const dir = workspace();
    const file = sweep(dir);
    const db = join(dir, 'lrsweep.db');
    // Register and run the sweep, then make its trials waiting again, as a sweep that has not run yet.
    assert.equal(runCli(['run', file], { cwd: dir }).status, 0);
    write(db, "UPDATE trials SET state = 'waiting', objective = NULL, attempts = 0, started_at = NULL, finished_at = NULL, run_id = NULL");
    write(db, 'DELETE FROM metrics');
    const [original] = queryDb(db, 'SELECT params, seed, origin FROM trials WHERE number = 3');
    write(db, edit);
    const r = runCli(['run', file], { cwd: dir });
    assert.equal(r.status, 1, r.stderr);
    const line = lastLine(r.stderr)!;
    assert.match(line, /^lrsweep: sweep e: trial 3 was edited in the database \(/);
    assert.match(line, why);
    assert.match(line, /\); it was not trained\. Put its row back as registered, or delete the sweep \(npx lrsweep delete e\) and run it again$/);
    assert.doesNotMatch(r.stderr, /files no longer match/, 'the worker\'s files are not blamed');
    const [edited] = queryDb(db, 'SELECT state, attempts, run_id FROM trials WHERE number = 3');
    assert.deepEqual(edited, { state: 'waiting', attempts: 0, run_id: null }, 'never trained, and released');
    assert.deepEqual(queryDb(db, 'SELECT COUNT(*) AS n FROM metrics m JOIN trials t ON t.id = m.trial_id WHERE t.number >= 3'), [{ n: 0 }]);
    // The row put back: the sweep runs to the end.
    write(db, 'UPDATE trials SET params = ?, seed = ?, origin = ? WHERE number = 3', original.params, original.seed, original.origin);
    const again = runCli(['run', file], { cwd: dir });
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(queryDb(db, 'SELECT state FROM trials ORDER BY number').map((t) => t.state), ['complete', 'complete', 'complete', 'complete']);
  });
}
