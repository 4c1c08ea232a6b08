// Many machines on one PostgreSQL database: `run --enqueue-only`, `worker` processes, `cancel`,
// on the real server (LRSWEEP_TEST_PG), each test in a schema of its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli, startCli } from '../helpers/cli.js';
import { madeUpPasswordRefused } from '../helpers/postgres-auth.js';
import { skipOrFail } from '../helpers/skip.js';
import { freshSchema, schemaUrl, sql, withPostgres } from '../storage/pg-server.js';
import { redactUrl } from '../../src/storage/postgres-url.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/trainers/${name}`, import.meta.url));
const workspace = () => mkdtempSync(join(tmpdir(), 'lrsweep-worker-'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A sweep of `n` configs whose module trainer (waits.ts, or logs.ts with `log`: a file that gets
 * a line per training call) takes `seconds` per epoch.
 */
function slowSweep(dir: string, name: string, n: number, seconds: number, epochs: number, log?: string): string {
  const module = log ? 'logs.ts' : 'waits.ts';
  // The fixture imports lrsweep by a relative path: rewrite it to an absolute one for its new home.
  const contract = fileURLToPath(new URL('../../src/train/contract.js', import.meta.url));
  writeFileSync(join(dir, module), readFileSync(fixture(module), 'utf8').replace('../../../src/train/contract.js', contract));
  const values = Array.from({ length: n }, (_, i) => (0.01 + i * 0.001).toFixed(3)).join(', ');
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}\nschedule: { first_cycle_steps: ${epochs} }\nparameters: { max_lr: { values: [${values}] } }\n` +
    `trainer: { kind: module, path: ./${module}, options: { seconds: ${seconds}, epochs: ${epochs}${log ? `, log: ${log}` : ''} } }\n` +
    'lint: { ignore: [ends-mid-cycle, peak-below-min] }\n');
  return file;
}

/**
 * A sweep of `n` configs whose module trainer (gated.ts) ends an epoch only while the file `gate`
 * exists, and logs each training to `log`: trials go on when the test lets them, at any speed.
 */
function gatedSweep(dir: string, name: string, n: number, epochs: number, gate: string, log: string): string {
  const contract = fileURLToPath(new URL('../../src/train/contract.js', import.meta.url));
  writeFileSync(join(dir, 'gated.ts'), readFileSync(fixture('gated.ts'), 'utf8').replace('../../../src/train/contract.js', contract));
  const values = Array.from({ length: n }, (_, i) => (0.01 + i * 0.001).toFixed(3)).join(', ');
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}\nschedule: { first_cycle_steps: ${epochs} }\nparameters: { max_lr: { values: [${values}] } }\n` +
    `trainer: { kind: module, path: ./gated.ts, options: { epochs: ${epochs}, gate: ${JSON.stringify(gate)}, log: ${JSON.stringify(log)} } }\n` +
    'budget: { cohort_size: 1 }\nlint: { ignore: [ends-mid-cycle, peak-below-min] }\n');
  return file;
}

/** Every trial row with its points, by id (to compare before and after). */
async function trialRows(schema: string) {
  return sql<{ id: string; number: number; state: string; attempts: number; run_id: string | null; points: { attempt: number; epoch: number; name: string; value: number }[] | null }>(
    `SELECT t.*, (SELECT json_agg(m ORDER BY m.attempt, m.seq, m.name) FROM metrics m WHERE m.trial_id = t.id) AS points FROM trials t ORDER BY t.id`, [], schema);
}

/** The sum of a trial's curve, from its val_loss points (gated.ts and logs.ts report the curve's values): its key in their logs. */
const curveSum = (points: { epoch: number; name: string; value: number }[] | null) =>
  String((points ?? []).filter((p) => p.name === 'val_loss').sort((a, b) => a.epoch - b.epoch).reduce((sum, p) => sum + p.value, 0));

const escapeRe = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** How many times each trial (by its curve's sum) was trained, from a logs.ts log. */
function trainings(log: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of readFileSync(log, 'utf8').split('\n').filter(Boolean)) {
    const lr = line.split(' ')[1];
    counts.set(lr, (counts.get(lr) ?? 0) + 1);
  }
  return counts;
}

async function states(schema: string): Promise<Record<string, number>> {
  const rows = await sql<{ state: string; n: number }>('SELECT state, COUNT(*)::int AS n FROM trials GROUP BY state', [], schema);
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

async function until(what: string, check: () => Promise<boolean>, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

withPostgres(() => {
  test('three workers, one killed with SIGKILL mid-trial: every trial completes exactly once, the killed one by another worker', async () => {
    const dir = workspace();
    const schema = freshSchema();
    const db = schemaUrl(schema);
    // No epoch ends until the gate opens: the first worker is surely mid-trial when it is killed.
    const gate = join(dir, 'gate');
    const log = join(dir, 'trainings.log');
    writeFileSync(log, '');
    const file = gatedSweep(dir, 'k', 60, 3, gate, log);
    const enqueued = runCli(['run', file, '--db', db, '--enqueue-only'], { cwd: dir });
    assert.equal(enqueued.status, 0, enqueued.stderr);
    assert.match(enqueued.stdout, /^sweep k: 60 trials waiting for workers \(60 newly enqueued; 0 of 60 complete\)/);
    const workers = [0, 1, 2].map(() => startCli(['worker', file, '--db', db, '--workers', '1'], dir));
    const victim = workers[0];
    // Kill the first worker while it holds a running trial.
    let held: { id: string; run_id: number }[] = [];
    await until('the first worker to run a trial', async () => {
      held = await sql<{ id: string; run_id: number }>(`SELECT t.id, t.run_id::int AS run_id FROM trials t JOIN runs r ON r.id = t.run_id
        WHERE r.pid = $1 AND t.state = 'running'`, [victim.child.pid], schema);
      return held.length > 0;
    });
    await until('the first worker to start training it', async () => readFileSync(log, 'utf8').includes(`${victim.child.pid} `));
    victim.child.kill('SIGKILL');
    assert.equal(await victim.done, -1);
    writeFileSync(gate, '');
    const codes = await Promise.all(workers.slice(1).map((w) => w.done));
    assert.deepEqual(codes, [0, 0], workers.map((w) => w.out().stderr).join('\n'));
    assert.deepEqual(await states(schema), { complete: 60 });
    const rows = await trialRows(schema);
    assert.equal(rows.length, 60);
    // None twice: a trial trained once, except those the killed worker was training (twice, the
    // second time elsewhere); attempts count trainings, plus one for a trial it had taken but not started.
    const trained = trainings(log);
    const byVictim = new Set(readFileSync(log, 'utf8').split('\n').filter((l) => l.startsWith(`${victim.child.pid} `)).map((l) => l.split(' ')[1]));
    assert.ok(byVictim.size >= 1);
    for (const r of rows) {
      const key = curveSum(r.points);
      const times = trained.get(key) ?? 0;
      assert.equal(times, byVictim.has(key) ? 2 : 1, `trial ${r.number}: trained ${times} times`);
      assert.ok(r.attempts >= times && r.attempts <= 2, `trial ${r.number}: ${r.attempts} attempts for ${times} trainings`);
      assert.ok((r.points ?? []).every((p) => p.attempt === r.attempts), `trial ${r.number}: only its last attempt's points`);
      assert.equal((r.points ?? []).length, 3 * 2, `trial ${r.number}: 3 epochs of 2 metrics`);
    }
    assert.equal(trained.size, 60, 'only the sweep\'s trials trained');
    const [killed] = rows.filter((r) => r.id === held[0].id);
    assert.equal(killed.state, 'complete');
    assert.equal(killed.attempts, 2, 'run again once');
    assert.notEqual(Number(killed.run_id), held[0].run_id, 'finished by another worker');
    const [dead] = await sql<{ status: string }>('SELECT status FROM runs WHERE id = $1', [held[0].run_id], schema);
    assert.equal(dead.status, 'failed');
    const status = runCli(['status', 'k', '--db', db], { cwd: dir });
    assert.match(status.stdout, /queue: 0 jobs waiting, 0 taken by workers/);
    // None lost: a worker started again finds nothing to do and changes no row.
    const again = runCli(['worker', file, '--db', db, '--workers', '1'], { cwd: dir });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /0 trials ended on this worker/);
    assert.deepEqual(await trialRows(schema), rows);
  });

  test('two `run --enqueue-only` (or two `run`) of one sweep at once enqueue each trial once; enqueueing again adds nothing', async () => {
    const dir = workspace();
    const schema = freshSchema();
    const db = schemaUrl(schema);
    const file = join(dir, 'twice.yaml');
    writeFileSync(file, `name: twice\nschedule: { first_cycle_steps: 20 }\nparameters:\n  gamma: { values: [${Array.from({ length: 40 }, (_, i) => 0.5 + i / 100).join(', ')}] }\n` +
      '  cycle_mult: { values: [1, 2, 3] }\ntrainer: { kind: quadratic, epochs: 2, steps_per_epoch: 10 }\n');
    const both = [0, 1].map(() => startCli(['run', file, '--db', db, '--enqueue-only'], dir));
    assert.deepEqual(await Promise.all(both.map((r) => r.done)), [0, 0], both.map((r) => r.out().stderr).join('\n'));
    const jobs = async () => (await sql<{ n: number; keys: number }>(
      "SELECT COUNT(*)::int AS n, COUNT(DISTINCT singleton_key)::int AS keys FROM job WHERE name LIKE 'sweep-%'", [], schema))[0];
    assert.deepEqual(await jobs(), { n: 120, keys: 120 });
    assert.equal(runCli(['run', file, '--db', db, '--enqueue-only'], { cwd: dir }).status, 0);
    assert.deepEqual(await jobs(), { n: 120, keys: 120 });
    // A worker takes them all; the queue ends empty, and each trial ran once.
    const w = runCli(['worker', file, '--db', db, '--workers', '2'], { cwd: dir });
    assert.equal(w.status, 0, w.stderr);
    assert.match(w.stdout, /^sweep twice: 120 trials ended on this worker; 120 of 120 complete/);
    assert.deepEqual(await sql("SELECT COUNT(*)::int AS n FROM trials WHERE attempts <> 1", [], schema), [{ n: 0 }]);
    assert.deepEqual(await sql("SELECT state, COUNT(*)::int AS n FROM job WHERE name LIKE 'sweep-%' GROUP BY state", [], schema), [{ state: 'completed', n: 120 }]);
    // Two `run`s that both work on a new sweep: one job per trial, every trial run once.
    const schema2 = freshSchema();
    const db2 = schemaUrl(schema2);
    const runs = [0, 1].map(() => startCli(['run', file, '--db', db2, '--workers', '1'], dir));
    assert.deepEqual(await Promise.all(runs.map((r) => r.done)), [0, 0], runs.map((r) => r.out().stderr).join('\n'));
    assert.deepEqual(await states(schema2), { complete: 120 });
    assert.deepEqual(await sql("SELECT COUNT(*)::int AS n FROM trials WHERE attempts <> 1", [], schema2), [{ n: 0 }]);
    assert.deepEqual(await sql("SELECT COUNT(*)::int AS n, COUNT(DISTINCT singleton_key)::int AS keys FROM job WHERE name LIKE 'sweep-%'", [], schema2), [{ n: 120, keys: 120 }]);
  });

  test('cancel stops a sweep on every worker: its trials are interrupted, no job waits, and running it again resumes', async () => {
    const dir = workspace();
    const schema = freshSchema();
    const db = schemaUrl(schema);
    const file = slowSweep(dir, 'c', 6, 0.2, 200);
    assert.equal(runCli(['run', file, '--db', db, '--enqueue-only'], { cwd: dir }).status, 0);
    const w = startCli(['worker', file, '--db', db, '--workers', '2'], dir);
    await until('two running trials', async () => (await states(schema)).running === 2);
    const c = runCli(['cancel', 'c', '--db', db], { cwd: dir });
    assert.equal(c.status, 0, c.stderr);
    assert.match(c.stdout, /^sweep c cancelled: \d+ waiting jobs dropped/);
    assert.equal(await w.done, 0, w.out().stderr);
    assert.match(w.out().stdout, /\(cancelled\)/);
    assert.match(w.out().stderr, /sweep c was cancelled/);
    const after = await states(schema);
    // The two running trials, and those waiting in the worker's own queue, are interrupted; the rest wait.
    assert.ok(after.interrupted >= 2, JSON.stringify(after));
    assert.equal(after.interrupted + (after.waiting ?? 0), 6, JSON.stringify(after));
    assert.deepEqual(await sql("SELECT COUNT(*)::int AS n FROM job WHERE name LIKE 'sweep-%' AND state < 'active'", [], schema), [{ n: 0 }]);
    const [interrupted] = await sql<{ error: string }>("SELECT error FROM trials WHERE state = 'interrupted' LIMIT 1", [], schema);
    assert.equal(interrupted.error, 'interrupted: the sweep was cancelled');
    // A worker started on the cancelled sweep finds nothing to do.
    const idle = runCli(['worker', file, '--db', db], { cwd: dir });
    assert.equal(idle.status, 0, idle.stderr);
    assert.match(idle.stdout, /0 trials ended on this worker/);
    // Running it again reactivates it and enqueues every trial not complete.
    const again = runCli(['run', file, '--db', db, '--enqueue-only'], { cwd: dir });
    assert.match(again.stdout, /^sweep c: 6 trials waiting for workers/);
    assert.doesNotMatch(runCli(['status', '--db', db], { cwd: dir }).stdout, /cancelled/);
  });

  test('Ctrl-C on a worker hands its trials to another at once; enqueueing again meanwhile adds no job, and no trial trains twice at once', async () => {
    const dir = workspace();
    const schema = freshSchema();
    const db = schemaUrl(schema);
    const log = join(dir, 'calls.log');
    writeFileSync(log, '');
    // No epoch ends until the gate opens: the two running trials are surely mid-training at Ctrl-C.
    const gate = join(dir, 'gate');
    const file = gatedSweep(dir, 'i', 12, 8, gate, log);
    assert.equal(runCli(['run', file, '--db', db, '--enqueue-only'], { cwd: dir }).status, 0);
    const first = startCli(['worker', file, '--db', db, '--workers', '2'], dir);
    await until('two running trials', async () => (await states(schema)).running === 2);
    await until('both to start training', async () => readFileSync(log, 'utf8').split('\n').filter(Boolean).length === 2);
    first.child.kill('SIGINT');
    assert.equal(await first.done, 130, first.out().stderr);
    assert.match(first.out().stdout, /stopped: its interrupted trials went back to the queue for other workers/);
    const stoppedStates = await states(schema);
    assert.equal((stoppedStates.running ?? 0) + (stoppedStates.queued ?? 0), 0, JSON.stringify(stoppedStates));
    assert.ok(stoppedStates.interrupted >= 2, JSON.stringify(stoppedStates));
    // Enqueueing again while the stopped worker's jobs wait to be retried adds nothing.
    const jobs = async () => (await sql<{ n: number }>("SELECT COUNT(*)::int AS n FROM job WHERE name LIKE 'sweep-%' AND state < 'completed'", [], schema))[0].n;
    assert.equal(await jobs(), 12);
    const again = runCli(['run', file, '--db', db, '--enqueue-only'], { cwd: dir });
    assert.match(again.stdout, /\(0 newly enqueued;/);
    assert.equal(await jobs(), 12);
    // Two workers share the rest (each holds trials before the gate opens); every trial completes, each trained once more at most.
    const rest = [0, 1].map(() => startCli(['worker', file, '--db', db, '--workers', '2'], dir));
    await until('both workers to run trials', async () => (await sql<{ n: number }>(
      "SELECT COUNT(DISTINCT r.pid)::int AS n FROM trials t JOIN runs r ON r.id = t.run_id WHERE t.state = 'running'", [], schema))[0].n === 2);
    writeFileSync(gate, '');
    assert.deepEqual(await Promise.all(rest.map((w) => w.done)), [0, 0], rest.map((w) => w.out().stderr).join('\n'));
    assert.deepEqual(await states(schema), { complete: 12 });
    const counts = trainings(log);
    assert.equal(counts.size, 12);
    const interruptedOnce = [...counts.values()].filter((n) => n === 2).length;
    assert.ok([...counts.values()].every((n) => n === 1 || n === 2), JSON.stringify([...counts]));
    // The two that were training trained again; those only queued behind them had not trained yet.
    assert.equal(interruptedOnce, 2, `${interruptedOnce} trained twice, ${stoppedStates.interrupted} interrupted`);
    const ran = rest.map((w) => Number(/(\d+) trials ended on this worker/.exec(w.out().stdout)?.[1]));
    assert.ok(ran.every((n) => n > 0), `both workers took work: ${ran}`);
  });

  test('cancel releases what a waiting worker took; running the sweep again makes that worker serve it again to the end', async () => {
    const dir = workspace();
    const schema = freshSchema();
    const db = schemaUrl(schema);
    // No trial ends until the gate opens: the sweep surely has trials left when it is cancelled.
    const gate = join(dir, 'gate');
    const file = gatedSweep(dir, 'r', 10, 8, gate, join(dir, 'trainings.log'));
    assert.equal(runCli(['run', file, '--db', db, '--enqueue-only'], { cwd: dir }).status, 0);
    const w = startCli(['worker', file, '--db', db, '--workers', '1', '--wait'], dir);
    await until('a running trial', async () => (await states(schema)).running === 1);
    assert.equal(runCli(['cancel', 'r', '--db', db], { cwd: dir }).status, 0);
    await until('the worker to see the cancel', async () => w.out().stderr.includes('sweep r was cancelled'));
    await until('the worker to release the sweep', async () => {
      const st = await states(schema);
      return (st.running ?? 0) + (st.queued ?? 0) === 0;
    });
    writeFileSync(gate, '');
    const resumed = runCli(['run', file, '--db', db, '--enqueue-only'], { cwd: dir });
    assert.equal(resumed.status, 0, resumed.stderr);
    await until('the waiting worker to finish the sweep', async () => (await states(schema)).complete === 10);
    assert.match(w.out().stderr, /sweep r: serving it again/);
    w.child.kill('SIGINT'); // how a waiting worker ends
    assert.equal(await w.done, 130, w.out().stderr);
    assert.deepEqual(await states(schema), { complete: 10 });
  });

  test('a waiting worker given a directory also serves a sweep of it registered after it started', async () => {
    const dir = workspace();
    const schema = freshSchema();
    const db = schemaUrl(schema);
    const first = slowSweep(dir, 'one', 2, 0.01, 2);
    const second = join(dir, 'two.yaml');
    writeFileSync(second, readFileSync(first, 'utf8').replace('name: one', 'name: two'));
    assert.equal(runCli(['run', first, '--db', db, '--enqueue-only'], { cwd: dir }).status, 0);
    const w = startCli(['worker', dir, '--db', db, '--workers', '1', '--wait'], dir);
    await until('the first sweep to complete', async () => (await states(schema)).complete === 2);
    assert.match(w.out().stderr, /skipping .*two\.yaml: sweep "two" is not in/);
    assert.equal(runCli(['run', second, '--db', db, '--enqueue-only'], { cwd: dir }).status, 0);
    await until('the second sweep to complete', async () => (await states(schema)).complete === 4);
    assert.match(w.out().stderr, /serving sweep two too/);
    w.child.kill('SIGINT');
    assert.equal(await w.done, 130);
    assert.match(w.out().stdout, /sweep one: 2 trials ended on this worker[^\n]*\nsweep two: 2 trials ended on this worker/);
  });

  test('waiting workers may start first: on an empty database, with a named file or a directory, they serve each sweep as it is enqueued', async () => {
    const dir = workspace();
    const schema = freshSchema();
    const db = schemaUrl(schema);
    const named = slowSweep(dir, 'first', 2, 0.01, 2);
    const sub = join(dir, 'more');
    mkdirSync(sub);
    writeFileSync(join(sub, 'later.yaml'), readFileSync(named, 'utf8').replace('name: first', 'name: later').replace('./waits.ts', '../waits.ts'));
    const w = startCli(['worker', named, sub, '--db', db, '--workers', '1', '--wait'], dir);
    await until('the worker to wait for an empty database', async () => /has no sweeps yet: waiting for one to be enqueued/.test(w.out().stderr));
    const tables = await sql<{ n: number }>('SELECT COUNT(*)::int AS n FROM information_schema.tables WHERE table_schema = $1', [schema]);
    assert.deepEqual(tables, [{ n: 0 }], 'a waiting worker creates nothing in the database');
    const enqueued = runCli(['run', named, '--db', db, '--enqueue-only'], { cwd: dir });
    assert.equal(enqueued.status, 0, enqueued.stderr);
    await until('the named sweep to complete', async () => (await states(schema)).complete === 2);
    assert.equal(runCli(['run', join(sub, 'later.yaml'), '--db', db, '--enqueue-only'], { cwd: dir }).status, 0);
    await until('the directory\'s sweep to complete', async () => (await states(schema)).complete === 4);
    assert.match(w.out().stderr, /serving sweep later too/);
    w.child.kill('SIGINT');
    assert.equal(await w.done, 130, w.out().stderr);
    assert.match(w.out().stdout, /sweep first: 2 trials ended on this worker[^\n]*\nsweep later: 2 trials ended on this worker/);
    // Ctrl-C while waiting for an empty database ends it at once; without --wait an empty one is refused.
    const idle = startCli(['worker', named, '--db', schemaUrl(), '--wait'], dir);
    await until('the second worker to wait', async () => /has no sweeps yet/.test(idle.out().stderr));
    idle.child.kill('SIGINT');
    assert.equal(await idle.done, 130, idle.out().stderr);
    assert.doesNotMatch(idle.out().stderr, /^\s+at |Error/m, 'no stack trace');
    assert.match(idle.out().stdout, /^stopped while waiting: no sweep of .*first\.yaml could be served from postgres:\/\/[^ ]+ yet; nothing ran here\n$/);
  });

  test('a waiting worker tells once that a named file\'s sweep was enqueued from another definition, and serves it when it matches', async () => {
    const dir = workspace();
    const schema = freshSchema();
    const db = schemaUrl(schema);
    const mine = slowSweep(dir, 'k', 2, 0.01, 2);
    const other = workspace();
    copyFileSync(join(dir, 'waits.ts'), join(other, 'waits.ts'));
    const theirs = join(other, 'k.yaml');
    writeFileSync(theirs, readFileSync(mine, 'utf8').replace('values: [0.010,', 'values: [0.5, 0.010,'));
    // The sweep exists (so the worker gets past the empty database), without k.
    assert.equal(runCli(['run', slowSweep(other, 'unrelated', 1, 0.01, 2), '--db', db, '--enqueue-only'], { cwd: other }).status, 0);
    const w = startCli(['worker', mine, '--db', db, '--workers', '1', '--wait'], dir);
    await until('the worker to wait for k', async () => /waiting for sweep "k" to be enqueued/.test(w.out().stderr));
    assert.equal(runCli(['run', theirs, '--db', db, '--enqueue-only'], { cwd: other }).status, 0);
    await until('the worker to tell', async () => /differs from this file \(parameters\.max_lr\.values: /.test(w.out().stderr));
    await sleep(11_000); // two more rescans
    assert.equal(w.out().stderr.match(/differs from this file/g)?.length, 1, w.out().stderr);
    assert.equal((await states(schema)).complete ?? 0, 0, 'nothing of the other definition ran here');
    w.child.kill('SIGINT');
    assert.equal(await w.done, 130, w.out().stderr);
  });

  test('a worker stops serving a sweep whose stored definition changes under it (run --extend elsewhere), and says so with exit 1', async () => {
    const dir = workspace();
    const schema = freshSchema();
    const db = schemaUrl(schema);
    // No trial ends until the gate opens: the worker is still serving the sweep when it is
    // extended, however fast the machine.
    const gate = join(dir, 'gate');
    const file = gatedSweep(dir, 'x', 8, 8, gate, join(dir, 'trainings.log'));
    assert.equal(runCli(['run', file, '--db', db, '--enqueue-only'], { cwd: dir }).status, 0);
    const w = startCli(['worker', file, '--db', db, '--workers', '1'], dir);
    await until('a running trial', async () => (await states(schema)).running >= 1);
    const other = workspace();
    copyFileSync(join(dir, 'gated.ts'), join(other, 'gated.ts'));
    const extended = join(other, 'x.yaml');
    writeFileSync(extended, readFileSync(file, 'utf8').replace('values: [0.010,', 'values: [0.5, 0.010,'));
    const ext = runCli(['run', extended, '--db', db, '--extend', '--enqueue-only'], { cwd: other });
    assert.equal(ext.status, 0, ext.stderr);
    assert.equal(await w.done, 1, w.out().stderr + '\nSTDOUT ' + w.out().stdout + '\nEXT ' + ext.stdout);
    assert.match(w.out().stderr, /sweep x: this worker's files no longer match the sweep \(parameters\.max_lr\.values: /);
    assert.match(w.out().stdout, /^sweep x: not served to the end here$/m);
    // Exit 1 with the reason on stderr's last line.
    assert.match(w.out().stderr.trimEnd().split('\n').at(-1)!, /^lrsweep: sweep x: this worker's files no longer match the sweep \(parameters\.max_lr\.values: /);
    const after = await states(schema);
    assert.equal((after.running ?? 0) + (after.queued ?? 0), 0, JSON.stringify(after));
    // The added trial is not this worker's file's: it never ran here, however soon after the
    // extension the queue handed it out (before the next heartbeat's check).
    assert.deepEqual(await sql("SELECT state, attempts FROM trials WHERE (params::jsonb)->>'max_lr' = '0.5'", [], schema), [{ state: 'waiting', attempts: 0 }]);
    // A worker with the new file finishes the sweep.
    writeFileSync(gate, '');
    const fresh = runCli(['worker', extended, '--db', db, '--workers', '2'], { cwd: other });
    assert.equal(fresh.status, 0, fresh.stderr);
    assert.deepEqual(await states(schema), { complete: 9 });
  });

  // Someone with write access points trial 2 at a learning rate of their choosing (its hash kept),
  // or gives it another seed: the worker refuses the sweep, naming the trial and what to do.
  for (const [what, edit, why] of [
    ['parameters', "UPDATE trials SET params = jsonb_set(params::jsonb, '{max_lr}', '5')::json WHERE number = 2", /its params \{.*"max_lr":5,.* do not hash to its config hash [0-9a-f]{16}/],
    ['seed', 'UPDATE trials SET seed = seed + 1 WHERE number = 2', /its seed \d+ is not the seed \d+ the sweep file plans for it/],
  ] as const) {
    test(`a trial row whose ${what} was edited in the database is never run: the worker refuses the sweep (exit 1), naming the trial and what to do`, async () => {
      const dir = workspace();
      const schema = freshSchema();
      const db = schemaUrl(schema);
      const file = slowSweep(dir, 'e', 3, 0.01, 2);
      assert.equal(runCli(['run', file, '--db', db, '--enqueue-only'], { cwd: dir }).status, 0);
      await sql(edit, [], schema);
      const w = runCli(['worker', file, '--db', db, '--workers', '1'], { cwd: dir });
      assert.equal(w.status, 1, w.stderr);
      const last = w.stderr.trimEnd().split('\n').at(-1)!;
      assert.match(last, /^lrsweep: sweep e: trial 2 was edited in the database \(/);
      assert.match(last, why);
      assert.match(last, /\); it was not trained\. Put its row back as registered, or delete the sweep \(npx lrsweep delete e\) and run it again$/);
      assert.doesNotMatch(w.stderr, /files no longer match/, 'the worker\'s files are not blamed');
      assert.deepEqual(await sql('SELECT state, attempts FROM trials WHERE number = 2', [], schema), [{ state: 'waiting', attempts: 0 }]);
      // `run` on PostgreSQL refuses it the same way, with the same exit code.
      const r = runCli(['run', file, '--db', db, '--workers', '1'], { cwd: dir });
      assert.equal(r.status, 1, r.stderr);
      assert.match(r.stderr.trimEnd().split('\n').at(-1)!, /^lrsweep: sweep e: trial 2 was edited in the database \(/);
      assert.deepEqual(await sql('SELECT state, attempts FROM trials WHERE number = 2', [], schema), [{ state: 'waiting', attempts: 0 }]);
    });
  }

  test('a worker (and a PostgreSQL run) whose every trial failed exits 1 with the first failure last on stderr', async () => {
    const dir = workspace();
    const schema = freshSchema();
    const db = schemaUrl(schema);
    const contract = fileURLToPath(new URL('../../src/train/contract.js', import.meta.url));
    writeFileSync(join(dir, 'throws.ts'), readFileSync(fixture('throws.ts'), 'utf8').replace('../../../src/train/contract.js', contract));
    const file = join(dir, 'f.yaml');
    writeFileSync(file, 'name: f\nschedule: { first_cycle_steps: 20 }\nparameters: { max_lr: { values: [0.1, 0.2] } }\n' +
      'trainer: { kind: module, path: ./throws.ts, options: { message: "no torch here" } }\n');
    assert.equal(runCli(['run', file, '--db', db, '--enqueue-only'], { cwd: dir }).status, 0);
    const w = runCli(['worker', file, '--db', db, '--workers', '1'], { cwd: dir });
    assert.equal(w.status, 1, w.stderr);
    assert.match(w.stdout, /^sweep f: 2 trials ended on this worker; 0 of 2 complete, 0 diverged, 2 failed$/m);
    assert.match(w.stderr.trimEnd().split('\n').at(-1)!, /^lrsweep: all 2 trials this run ended failed; the first: trial \d: no torch here$/);
    const r = runCli(['run', file, '--db', db, '--workers', '1'], { cwd: dir }); // retries the failed trials
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr.trimEnd().split('\n').at(-1)!, /^lrsweep: all 2 trials this run ended failed; the first: trial \d: no torch here$/);
  });

  test('a worker runs only sweeps whose stored definition and trainer files equal its own files; errors name the file and the change', async () => {
    const dir = workspace();
    const db = schemaUrl();
    const file = slowSweep(dir, 'd', 2, 0.01, 2);
    assert.equal(runCli(['run', file, '--db', db, '--enqueue-only'], { cwd: dir }).status, 0);
    const other = workspace();
    const changed = join(other, 'd.yaml');
    copyFileSync(join(dir, 'waits.ts'), join(other, 'waits.ts'));
    writeFileSync(changed, readFileSync(file, 'utf8').replace('epochs: 2 }', 'epochs: 3 }'));
    const r = runCli(['worker', changed, '--db', db], { cwd: other });
    assert.equal(r.status, 2);
    assert.match(r.stderr, new RegExp(`^lrsweep: .*d\\.yaml: sweep "d" in ${escapeRe(redactUrl(db))} differs from this file \\(trainer\\.options\\.epochs: 2 -> 3\\): a worker runs only sweeps whose stored definition and trainer files equal its own`));
    // The same file, but the trainer it runs is not the one the sweep was registered with.
    copyFileSync(file, changed);
    writeFileSync(join(other, 'waits.ts'), `${readFileSync(join(dir, 'waits.ts'), 'utf8')}\n// edited\n`);
    const files = runCli(['worker', changed, '--db', db], { cwd: other });
    assert.equal(files.status, 2);
    assert.match(files.stderr, /the trainer's files changed \(content hash [0-9a-f]{12} -> [0-9a-f]{12}\)/);
    // A directory: files that do not match are skipped with a notice; none left is an error.
    const fromDir = runCli(['worker', other, '--db', db], { cwd: other });
    assert.equal(fromDir.status, 2);
    assert.match(fromDir.stderr, /skipping .*d\.yaml: sweep "d" .* differs/);
    assert.match(fromDir.stderr, /none of .* holds a sweep of .* that this worker may run/);
    // Not a PostgreSQL database; no sweep of that name yet.
    const sqlite = runCli(['worker', file, '--db', join(dir, 'x.db')], { cwd: dir });
    assert.equal(sqlite.status, 2);
    assert.match(sqlite.stderr, /^lrsweep: --db: lrsweep worker takes trials from a PostgreSQL database's queue/);
    const missing = runCli(['worker', file, '--db', schemaUrl()], { cwd: dir });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /^lrsweep: --db: "postgres:\/\/[^"]+" is empty: it has no sweeps yet\n$/);
    assert.equal(runCli(['run', file, '--db', join(dir, 'y.db'), '--enqueue-only'], { cwd: dir }).status, 2, '--enqueue-only needs PostgreSQL');
  });

  test('a password in the URL never shows: not in what run, worker, status or cancel print, nor in the runs table', async (t) => {
    const dir = workspace();
    const schema = freshSchema();
    const u = new URL(schemaUrl(schema));
    // LRSWEEP_TEST_PG's own password when it has one; else one that a server trusting local logins ignores.
    if (!u.password) {
      if (skipOrFail(t, await madeUpPasswordRefused(u.href))) return;
      u.password = 's3cret-pw';
    }
    const secret = new RegExp(escapeRe(decodeURIComponent(u.password)));
    const db = u.href;
    const file = slowSweep(dir, 'p', 3, 0.01, 2);
    const outputs = [
      runCli(['run', file, '--db', db, '--enqueue-only'], { cwd: dir }),
      runCli(['worker', file, '--db', db, '--workers', '1'], { cwd: dir }),
      runCli(['status', 'p', '--db', db], { cwd: dir }),
      runCli(['status', 'p', '--db', db, '--format', 'json'], { cwd: dir }),
      runCli(['cancel', 'p', '--db', db], { cwd: dir }),
    ];
    assert.deepEqual(outputs.map((o) => o.status), [0, 0, 0, 0, 0], outputs.map((o) => o.stderr).join('\n'));
    for (const o of outputs) assert.doesNotMatch(o.stdout + o.stderr, secret);
    assert.ok(outputs[0].stdout.includes(`${u.protocol}//${u.username}:***@${u.host}`), outputs[0].stdout);
    const rows = await sql('SELECT * FROM runs', [], schema);
    assert.ok(rows.length > 0);
    assert.doesNotMatch(JSON.stringify(rows), secret);
  });
});
