// method: tpe end to end on SQLite through the CLI: trials created as results arrive (numbers
// dense, origins startup then model, the count as asked), shown by run --dry-run, status and
// trials; resume after SIGKILL; the trust rule for suggested trials; --extend. A PostgreSQL --db
// (run and workers suggesting, once refused here) is tpe-postgres.test.ts's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli, startCli } from '../helpers/cli.js';
import { queryDb } from '../helpers/sweep-db.js';
import { configHash } from '../../src/sweep/hash.js';

const workspace = () => mkdtempSync(join(tmpdir(), 'lrsweep-tpe-'));

const QUADRATIC = (trials: number, extra = '') => `name: q
schedule: { first_cycle_steps: 20 }
method: { kind: tpe, startup_trials: 4 }
trials: ${trials}
parameters:
  max_lr: { min: 0.001, max: 1, distribution: log_uniform }
  gamma: { values: [0.5, 0.9, 1] }
  warmup_steps: { min: 0, max: 5, distribution: int_uniform }
trainer: { kind: quadratic, dim: 4, epochs: 2, steps_per_epoch: 10 }
lint: { ignore: [ends-mid-cycle, peak-below-min] }
${extra}`;

function sweepFile(dir: string, text: string, name = 'q.yaml'): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

interface Row { number: number; config_hash: string; repeat: number; state: string; origin: string; params: string; seed: number; objective: number | null; attempts: number; id: number }
const rowsOf = (db: string) => queryDb<Row>(db, 'SELECT id, number, config_hash, repeat, state, origin, params, seed, objective, attempts FROM trials ORDER BY number');

test('tpe through the CLI: dry run, a run with 2 workers and repeats, trials created as results arrive, status and trials show origins', () => {
  const dir = workspace();
  const file = sweepFile(dir, QUADRATIC(12, 'repeats: 2\n'));
  const dry = runCli(['run', file, '--dry-run'], { cwd: dir });
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /^q: 12 configs x 2 repeats = 24 trials, sampler tpe \(startup_trials: 4, startup: random\)/);
  assert.match(dry.stdout, /trials are created as results arrive/);
  assert.ok(!existsSync(join(dir, 'lrsweep.db')), 'a dry run writes nothing');

  const r = runCli(['run', file, '--workers', '2'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /24 of 24 trials complete/);
  const rows = rowsOf(join(dir, 'lrsweep.db'));
  assert.deepEqual(rows.map((t) => t.number), Array.from({ length: 24 }, (_, i) => i + 1), 'numbers dense and ordered');
  assert.equal(new Set(rows.map((t) => t.config_hash)).size, 12);
  assert.equal(new Set(rows.map((t) => `${t.config_hash}/${t.repeat}`)).size, 24);
  // Origins: startup until 4 configs finished, then model; a config's repeats share its origin.
  const byConfig = new Map(rows.map((t) => [t.config_hash, t.origin]));
  const origins = [...byConfig.values()];
  assert.ok(origins.slice(0, 4).every((o) => o === 'startup'), origins.join(','));
  assert.ok(origins.filter((o) => o === 'model').length >= 4, origins.join(','));
  assert.ok(rows.every((t) => t.origin === byConfig.get(t.config_hash)));

  const status = runCli(['status', 'q'], { cwd: dir });
  assert.equal(status.status, 0, status.stderr);
  const startup = rows.filter((t) => t.origin === 'startup').length;
  assert.match(status.stdout, new RegExp(`sampler: tpe \\(startup_trials: 4, startup: random\\); trials by origin: 0 plan, ${startup} startup, ${24 - startup} model`));
  const trials = runCli(['trials', 'q', '--limit', '2', '--format', 'csv'], { cwd: dir });
  assert.equal(trials.status, 0, trials.stderr);
  assert.match(trials.stdout, /^trial,state,repeat,origin,/);
  assert.match(trials.stdout.split('\n')[1], /^1,complete,0,startup,/);

  // The Optuna export keeps each trial's origin as a user attribute.
  const exported = runCli(['export', 'q', '--out', 'optuna.db', '--format', 'optuna'], { cwd: dir });
  assert.equal(exported.status, 0, exported.stderr);
  const attrs = queryDb<{ value_json: string }>(join(dir, 'optuna.db'), "SELECT value_json FROM trial_user_attributes WHERE key = 'lrsweep_origin' ORDER BY trial_id");
  assert.deepEqual(attrs.map((a) => JSON.parse(a.value_json)), rows.map((t) => t.origin));

  // CSV and JSON exports carry each trial's origin, JSON the sampler.
  assert.equal(runCli(['export', 'q', '--out', 'q.csv'], { cwd: dir }).status, 0);
  const csv = readFileSync(join(dir, 'q.csv'), 'utf8').trimEnd().split('\n');
  const originAt = csv[0].split(',').indexOf('origin');
  assert.ok(originAt > 0, csv[0]);
  assert.deepEqual(csv.slice(1).map((l) => l.split(',')[originAt]), rows.map((t) => t.origin));
  assert.equal(runCli(['export', 'q', '--out', 'q.json'], { cwd: dir }).status, 0);
  const json = JSON.parse(readFileSync(join(dir, 'q.json'), 'utf8'));
  assert.equal(json.sampler, 'tpe (startup_trials: 4, startup: random)');
  assert.deepEqual(json.trials.map((t: { origin: string }) => t.origin), rows.map((t) => t.origin));

  // The report's search history counts origins and draws a point per complete trial; plot draws it alone.
  assert.equal(runCli(['report', 'q', '--out', 'q.html'], { cwd: dir }).status, 0);
  const html = readFileSync(join(dir, 'q.html'), 'utf8');
  const search = html.slice(html.indexOf('id="search"'), html.indexOf('id="curves-section"'));
  assert.match(search, new RegExp(`${startup} startup draws, then ${24 - startup} suggested by the model`));
  assert.equal(search.match(/<path[^>]*aria-roledescription="point"/g)?.length, 24, 'a point per complete trial');
  const plotted = runCli(['plot', 'q', '--kind', 'history', '--out', 'h.svg'], { cwd: dir });
  assert.equal(plotted.status, 0, plotted.stderr);
  assert.match(readFileSync(join(dir, 'h.svg'), 'utf8'), /best so far/);

  // Run again: nothing more to do, nothing added.
  const again = runCli(['run', file], { cwd: dir });
  assert.equal(again.status, 0, again.stderr);
  assert.equal(rowsOf(join(dir, 'lrsweep.db')).length, 24);
});

test('tpe --extend: raising trials suggests more configs after the existing ones; other changes are refused (exit 2) naming them', () => {
  const dir = workspace();
  const db = join(dir, 'lrsweep.db');
  assert.equal(runCli(['run', sweepFile(dir, QUADRATIC(6))], { cwd: dir }).status, 0);
  const before = rowsOf(db);
  const more = sweepFile(dir, QUADRATIC(9));
  const without = runCli(['run', more], { cwd: dir });
  assert.equal(without.status, 2);
  assert.match(without.stderr, /trials: 6 -> 9\): run with --extend to let method tpe suggest more configs/);
  const r = runCli(['run', more, '--extend'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const after = rowsOf(db);
  assert.equal(after.length, 9);
  assert.deepEqual(after.slice(0, 6), before, 'the trials it had are untouched');
  assert.ok(after.slice(6).every((t) => t.origin === 'model' && t.state === 'complete'));
  for (const [change, text] of [
    [QUADRATIC(9).replace('max: 1,', 'max: 2,'), /parameters\.max_lr\.max: 1 -> 2\): method tpe suggests its trials from the sweep's space and results, so --extend only raises trials or budget\.max_trials/],
    [QUADRATIC(5), /trials: 9 -> 5\): method tpe suggests its trials/],
    [QUADRATIC(9, 'repeats: 2\n'), /repeats: 1 -> 2\): method tpe suggests its trials/],
  ] as const) {
    const refused = runCli(['run', sweepFile(dir, change, 'changed.yaml'), '--extend'], { cwd: dir });
    assert.equal(refused.status, 2, refused.stderr);
    assert.match(refused.stderr, text);
  }
  assert.deepEqual(rowsOf(db), after, 'nothing written by a refusal');
});

/** Writes to the database as someone with write access to its file would. */
function write(db: string, sql: string, ...params: unknown[]): void {
  const d = new Database(db);
  try {
    d.prepare(sql).run(...params);
  } finally {
    d.close();
  }
}

test('trust: a suggested trial edited to lie outside the file\'s space (hash made to match) is refused naming it, exit 1; a planned origin on a tpe sweep too', () => {
  const dir = workspace();
  const file = sweepFile(dir, QUADRATIC(6));
  const db = join(dir, 'lrsweep.db');
  assert.equal(runCli(['run', file], { cwd: dir }).status, 0);
  write(db, "UPDATE trials SET state = 'waiting', objective = NULL, attempts = 0, started_at = NULL, finished_at = NULL, run_id = NULL WHERE number >= 5");
  const [row] = queryDb<{ params: string; config_hash: string }>(db, 'SELECT params, config_hash FROM trials WHERE number = 5');
  // max_lr 5 lies outside [0.001, 1]; its hash is made to match, so only the space can refuse it.
  const params = { ...JSON.parse(row.params), max_lr: 5 };
  write(db, 'UPDATE trials SET params = ?, config_hash = ? WHERE number = 5', JSON.stringify(params), configHash(params));
  const r = runCli(['run', file], { cwd: dir });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr.trimEnd().split('\n').at(-1)!, /^lrsweep: sweep q: trial 5 was edited in the database \(its max_lr 5 lies outside the sweep file's space \(outside \[0\.001, 1\]\)\); it was not trained\./);
  assert.deepEqual(queryDb(db, 'SELECT state, attempts FROM trials WHERE number = 5'), [{ state: 'waiting', attempts: 0 }]);

  write(db, 'UPDATE trials SET params = ?, config_hash = ? WHERE number = 5', row.params, row.config_hash);
  write(db, "UPDATE trials SET origin = 'plan' WHERE number = 5");
  const planned = runCli(['run', file], { cwd: dir });
  assert.equal(planned.status, 1, planned.stderr);
  assert.match(planned.stderr, /trial 5 was edited in the database \(its origin is plan, but method tpe plans no trials/);

  write(db, "UPDATE trials SET origin = 'startup' WHERE number = 5");
  const back = runCli(['run', file], { cwd: dir });
  assert.equal(back.status, 0, back.stderr);
  assert.deepEqual(queryDb(db, "SELECT COUNT(*) AS n FROM trials WHERE state = 'complete'"), [{ n: 6 }]);
});

const SLOW_MLP = `name: slow-tpe
schedule: { first_cycle_steps: 30, min_lr: 0.001 }
method: { kind: tpe, startup_trials: 4 }
trials: 12
parameters:
  max_lr: { min: 0.01, max: 1, distribution: log_uniform }
  gamma: { min: 0.5, max: 1, distribution: uniform }
repeats: 2
trainer: { kind: mlp, samples: 400, features: 8, hidden: [64, 64], epochs: 15, batch_size: 32 }
budget: { cohort_size: 2 }
`;

async function waitForComplete(db: string, atLeast: number): Promise<void> {
  const until = Date.now() + 120_000;
  while (Date.now() < until) {
    if (existsSync(db)) {
      try {
        if (queryDb<{ n: number }>(db, "SELECT COUNT(*) AS n FROM trials WHERE state = 'complete'")[0].n >= atLeast) return;
      } catch {
        // the schema may not exist yet
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`fewer than ${atLeast} trials completed in time`);
}

test('a tpe sweep (cohorts, repeats) killed with SIGKILL mid-way resumes: no duplicate numbers, trials x repeats trials, every finished trial kept', async () => {
  const dir = workspace();
  const file = sweepFile(dir, SLOW_MLP, 'slow.yaml');
  const db = join(dir, 'lrsweep.db');
  const first = startCli(['run', file, '--workers', '2'], dir);
  await waitForComplete(db, 6);
  first.child.kill('SIGKILL');
  await first.done;
  const before = rowsOf(db);
  const finished = before.filter((t) => t.state === 'complete' || t.state === 'diverged');
  assert.ok(finished.length >= 6 && before.length < 24, `killed with ${finished.length} finished of ${before.length} created`);

  const second = runCli(['run', file, '--workers', '2'], { cwd: dir });
  assert.equal(second.status, 0, second.stderr);
  const after = rowsOf(db);
  assert.equal(after.length, 24, 'trials x repeats');
  assert.deepEqual(after.map((t) => t.number), Array.from({ length: 24 }, (_, i) => i + 1), 'dense numbers, none twice');
  assert.equal(new Set(after.map((t) => `${t.config_hash}/${t.repeat}`)).size, 24);
  assert.equal(new Set(after.map((t) => t.config_hash)).size, 12);
  assert.ok(after.every((t) => t.state === 'complete' || t.state === 'diverged'), after.map((t) => t.state).join(','));
  for (const t of finished) assert.deepEqual(after.find((a) => a.id === t.id), t, `trial ${t.number}, finished before the kill, is untouched`);
  // Cohorts of a config's r-th repeats: with common seeding every trial of repeat r has one seed.
  for (const r of [0, 1]) assert.equal(new Set(after.filter((t) => t.repeat === r).map((t) => t.seed)).size, 1);
});
