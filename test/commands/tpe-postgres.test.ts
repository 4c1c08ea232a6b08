// method: tpe on PostgreSQL through the CLI (issue 17, many machines), on the real server
// (LRSWEEP_TEST_PG), each test in a schema of its own: `run --db postgres://...` suggests and
// trains; two `lrsweep worker` processes on one sweep each ask when they have a free slot (under
// the sweep's lock: no config twice, numbers dense, the count as asked); a run killed with
// SIGKILL mid-way resumes with nothing duplicated and every finished trial kept; the trust rule
// refuses a suggested trial edited outside the file's space.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startCli } from '../helpers/cli.js';
import { freshSchema, schemaUrl, sql, withPostgres } from '../storage/pg-server.js';
import { configHash } from '../../src/sweep/hash.js';

const workspace = () => mkdtempSync(join(tmpdir(), 'lrsweep-tpe-pg-'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A tpe sweep on the quadratic trainer; `dim` sets a trial's cost (5000: about 0.2 s of CPU). */
const QUADRATIC = (name: string, trials: number, repeats: number, dim = 4) => `name: ${name}
schedule: { first_cycle_steps: 20 }
method: { kind: tpe, startup_trials: 4 }
trials: ${trials}
repeats: ${repeats}
parameters:
  max_lr: { min: 0.001, max: 1, distribution: log_uniform }
  gamma: { values: [0.5, 0.9, 1] }
  warmup_steps: { min: 0, max: 5, distribution: int_uniform }
trainer: { kind: quadratic, dim: ${dim}, epochs: 4, steps_per_epoch: 25 }
lint: { ignore: [ends-mid-cycle, peak-below-min] }
`;

function sweepFile(dir: string, name: string, text: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  return file;
}

interface Row { id: number; number: number; config_hash: string; repeat: number; state: string; origin: string; params: Record<string, unknown>; seed: number;
  objective: number | null; attempts: number; finished_at: string | null }
const rowsOf = (schema: string) => sql<Row>('SELECT id::int, number, config_hash, repeat, state, origin, params::text AS params, seed, objective, attempts, finished_at::text FROM trials ORDER BY number', [], schema)
  .then((rows) => rows.map((t) => ({ ...t, params: JSON.parse(t.params as unknown as string) as Record<string, unknown> })));

/** What every tpe sweep keeps, however its trials came: dense numbers, each config once with all its repeats, and every config inside the file's space. */
function assertSuggestedOnce(rows: Row[], configs: number, repeats: number): void {
  assert.deepEqual(rows.map((t) => t.number), Array.from({ length: configs * repeats }, (_, i) => i + 1), 'numbers dense, none twice');
  const byConfig = new Map<string, Row[]>();
  for (const t of rows) byConfig.set(t.config_hash, [...byConfig.get(t.config_hash) ?? [], t]);
  assert.equal(byConfig.size, configs, 'no config suggested twice');
  for (const [hash, trials] of byConfig) {
    assert.deepEqual(trials.map((t) => t.repeat).sort(), Array.from({ length: repeats }, (_, i) => i), `config ${hash}: each repeat once`);
    assert.equal(new Set(trials.map((t) => t.origin)).size, 1, `config ${hash}: its repeats share their origin`);
    assert.equal(configHash(trials[0].params), hash, `config ${hash}: its params hash to it`);
    const max = trials[0].params.max_lr as number;
    assert.ok(max >= 0.001 && max <= 1, `config ${hash}: max_lr ${max} inside the space`);
  }
  const origins = [...byConfig.values()].map((trials) => trials[0].origin);
  assert.ok(origins.slice(0, 4).every((o) => o === 'startup'), origins.join(','));
  assert.ok(origins.includes('model'), origins.join(','));
}

withPostgres(() => {
  test('tpe with a PostgreSQL --db: run suggests and trains with 2 workers; numbers dense, configs as asked, origins startup then model', async () => {
    const dir = workspace();
    const schema = freshSchema();
    const db = schemaUrl(schema);
    const file = sweepFile(dir, 'q', QUADRATIC('q', 10, 2));
    const r = runCli(['run', file, '--db', db, '--workers', '2'], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /sweep q: 20 of 20 trials complete/);
    const rows = await rowsOf(schema);
    assertSuggestedOnce(rows, 10, 2);
    assert.ok(rows.every((t) => t.state === 'complete'));
    // Run again: nothing more to suggest, nothing added.
    const again = runCli(['run', file, '--db', db], { cwd: dir });
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(await rowsOf(schema), rows);
  });

  test('two worker processes on one tpe sweep both ask: no config suggested twice, numbers dense, trials x repeats trials', async () => {
    const dir = workspace();
    const schema = freshSchema();
    const db = schemaUrl(schema);
    const file = sweepFile(dir, 'two', QUADRATIC('two', 16, 2, 5000));
    const enqueued = runCli(['run', file, '--db', db, '--enqueue-only'], { cwd: dir });
    assert.equal(enqueued.status, 0, enqueued.stderr);
    // Nothing is planned: the workers create every trial.
    assert.match(enqueued.stdout, /^sweep two: 0 trials waiting for workers \(0 newly enqueued; 0 of 0 complete; 32 more to be suggested by the workers as results arrive\)\n/);
    const first = startCli(['worker', file, '--db', db, '--workers', '1'], dir);
    // The second starts once the first has a trial: both then ask while the other has trials out.
    for (const end = Date.now() + 120_000; ;) {
      if ((await sql('SELECT 1 FROM trials LIMIT 1', [], schema).catch(() => [])).length > 0) break;
      if (Date.now() > end) assert.fail(`the first worker created no trial: ${first.out().stderr}`);
      await sleep(100);
    }
    const second = startCli(['worker', file, '--db', db, '--workers', '1'], dir);
    const codes = await Promise.all([first.done, second.done]);
    assert.deepEqual(codes, [0, 0], [first, second].map((w) => w.out().stderr).join('\n'));
    const ended = [first, second].map((w) => Number(/(\d+) trials ended on this worker/.exec(w.out().stdout)?.[1]));
    assert.equal(ended[0] + ended[1], 32, [first, second].map((w) => w.out().stdout).join('\n'));
    assert.ok(ended[1] > 0, `the second worker ran trials too: ${ended.join(', ')}`);
    const rows = await rowsOf(schema);
    assertSuggestedOnce(rows, 16, 2);
    assert.ok(rows.every((t) => t.state === 'complete' && t.attempts === 1), rows.map((t) => `${t.number}:${t.state}:${t.attempts}`).join(' '));
    // Both workers' runs trained trials of the sweep.
    const runs = await sql<{ pid: number; n: number }>('SELECT r.pid, COUNT(*)::int AS n FROM trials t JOIN runs r ON r.id = t.run_id GROUP BY r.pid ORDER BY r.pid', [], schema);
    assert.deepEqual(runs.map((r) => r.pid).sort(), [first.child.pid, second.child.pid].sort());
  });

  test('a tpe run --db postgres killed with SIGKILL mid-way resumes: no duplicate numbers, trials x repeats trials, every finished trial kept', async () => {
    const dir = workspace();
    const schema = freshSchema();
    const db = schemaUrl(schema);
    const file = sweepFile(dir, 'kill', QUADRATIC('kill', 12, 2, 5000));
    const first = startCli(['run', file, '--db', db, '--workers', '2'], dir);
    for (const end = Date.now() + 120_000; ;) {
      const [row] = await sql<{ n: number }>("SELECT COUNT(*)::int AS n FROM trials WHERE state = 'complete'", [], schema).catch(() => [{ n: 0 }]);
      if (row.n >= 6) break;
      if (Date.now() > end) assert.fail(`fewer than 6 trials completed in time: ${first.out().stderr}`);
      await sleep(50);
    }
    first.child.kill('SIGKILL');
    assert.equal(await first.done, -1);
    const before = await rowsOf(schema);
    const finished = before.filter((t) => t.state === 'complete' || t.state === 'diverged');
    assert.ok(finished.length >= 6 && before.length < 24, `killed with ${finished.length} finished of ${before.length} created`);

    const second = runCli(['run', file, '--db', db, '--workers', '2'], { cwd: dir });
    assert.equal(second.status, 0, second.stderr);
    const after = await rowsOf(schema);
    assertSuggestedOnce(after, 12, 2);
    assert.ok(after.every((t) => t.state === 'complete' || t.state === 'diverged'), after.map((t) => t.state).join(','));
    for (const t of finished) assert.deepEqual(after.find((a) => a.id === t.id), t, `trial ${t.number}, finished before the kill, is untouched`);
  });

  test('trust on a worker: a suggested trial edited to lie outside the file\'s space (hash made to match) is refused naming it, exit 1; put back it runs', async () => {
    const dir = workspace();
    const schema = freshSchema();
    const db = schemaUrl(schema);
    const file = sweepFile(dir, 't', QUADRATIC('t', 6, 1));
    assert.equal(runCli(['run', file, '--db', db], { cwd: dir }).status, 0);
    await sql("UPDATE trials SET state = 'waiting', objective = NULL, attempts = 0, started_at = NULL, finished_at = NULL, run_id = NULL WHERE number >= 5", [], schema);
    const [row] = (await rowsOf(schema)).filter((t) => t.number === 5);
    const params = { ...row.params, max_lr: 5 };
    await sql('UPDATE trials SET params = $1::json, config_hash = $2 WHERE number = 5', [JSON.stringify(params), configHash(params)], schema);
    assert.equal(runCli(['run', file, '--db', db, '--enqueue-only'], { cwd: dir }).status, 0);
    const w = runCli(['worker', file, '--db', db, '--workers', '1'], { cwd: dir });
    assert.equal(w.status, 1, w.stderr);
    assert.match(w.stderr, /sweep t: trial 5 was edited in the database \(its max_lr 5 lies outside the sweep file's space \(outside \[0\.001, 1\]\)\); it was not trained\./);
    assert.deepEqual(await sql("SELECT state FROM trials WHERE number = 5", [], schema), [{ state: 'waiting' }]);

    await sql('UPDATE trials SET params = $1::json, config_hash = $2 WHERE number = 5', [JSON.stringify(row.params), row.config_hash], schema);
    const back = runCli(['worker', file, '--db', db, '--workers', '1'], { cwd: dir });
    assert.equal(back.status, 0, back.stderr);
    assert.deepEqual(await sql("SELECT COUNT(*)::int AS n FROM trials WHERE state = 'complete'", [], schema), [{ n: 6 }]);
  });
});
