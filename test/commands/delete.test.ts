// `lrsweep delete` and `lrsweep run --replace` through the CLI on a temporary directory: the two
// ways out of a definition mistake (issue 15, item 9).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli } from '../helpers/cli.js';
import { schemaUrl, sql, withPostgres } from '../storage/pg-server.js';

const workspace = () => mkdtempSync(join(tmpdir(), 'lrsweep-delete-'));

function query(db: string, sql: string): Record<string, unknown>[] {
  const d = new Database(db, { readonly: true });
  try {
    return d.prepare(sql).all() as Record<string, unknown>[];
  } finally {
    d.close();
  }
}

const quadratic = (name: string, values = '[1, 2]') => `name: ${name}
schedule: { first_cycle_steps: 10, max_lr: 0.1, min_lr: 0.001 }
parameters:
  cycle_mult: { values: ${values} }
trainer: { kind: quadratic, epochs: 1, steps_per_epoch: 10 }
lint: { ignore: [ends-mid-cycle] }
`;

/** A command trainer whose script prints a val_loss, or exits 3 (the "wrong run: line" mistake). */
function commandSweep(dir: string, name: string, ok: boolean, values = '[1, 2]'): string {
  const script = ok ? `echo '{"epoch": 1, "val_loss": 0.5}'` : 'echo "no module named torch" >&2; exit 3';
  writeFileSync(join(dir, `${name}.yaml`), `name: ${name}
schedule: { first_cycle_steps: 10 }
parameters:
  cycle_mult: { values: ${values} }
trainer: { kind: command, run: [sh, -c, ${JSON.stringify(script)}], steps: 10, metrics: [val_loss] }
lint: { ignore: [ends-mid-cycle] }
`);
  return `${name}.yaml`;
}

/** A run of the sweep recorded as running by a live process on this host (the test itself). */
function liveRun(db: string, sweep: string, pid = process.pid): number {
  const d = new Database(db);
  try {
    return Number(d.prepare(`INSERT INTO runs (sweep_id, pid, host, workers, backend) SELECT id, ?, ?, 1, 'wasm' FROM sweeps WHERE name = ?`)
      .run(pid, hostname(), sweep).lastInsertRowid);
  } finally {
    d.close();
  }
}

test('delete removes a sweep\'s trials, metrics and runs, leaves other sweeps alone, and the same file then runs afresh', () => {
  const dir = workspace();
  writeFileSync(join(dir, 'a.yaml'), quadratic('a'));
  writeFileSync(join(dir, 'b.yaml'), quadratic('b'));
  for (const f of ['a.yaml', 'b.yaml']) assert.equal(runCli(['run', f, '--workers', '1'], { cwd: dir }).status, 0);
  const db = join(dir, 'lrsweep.db');
  const before = query(db, "SELECT t.number, t.objective FROM trials t JOIN sweeps s ON s.id = t.sweep_id WHERE s.name = 'b' ORDER BY t.number");

  const r = runCli(['delete', 'a'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^deleted sweep a: 2 trials with their metrics and runs\nrun it afresh with: (npx )?lrsweep run a\.yaml\n$/);
  assert.deepEqual(query(db, 'SELECT name FROM sweeps'), [{ name: 'b' }]);
  assert.deepEqual(query(db, "SELECT COUNT(*) AS n FROM trials t WHERE t.sweep_id NOT IN (SELECT id FROM sweeps)"), [{ n: 0 }]);
  assert.deepEqual(query(db, 'SELECT COUNT(*) AS n FROM metrics WHERE trial_id NOT IN (SELECT id FROM trials)'), [{ n: 0 }]);
  assert.deepEqual(query(db, 'SELECT COUNT(*) AS n FROM runs WHERE sweep_id NOT IN (SELECT id FROM sweeps)'), [{ n: 0 }]);
  assert.deepEqual(query(db, "SELECT t.number, t.objective FROM trials t JOIN sweeps s ON s.id = t.sweep_id WHERE s.name = 'b' ORDER BY t.number"), before);

  const missing = runCli(['delete', 'a'], { cwd: dir });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^lrsweep: NAME: no sweep named "a" in lrsweep.db; sweeps there: b\n$/);

  // Even a changed definition runs under the old name now, from trial 1.
  writeFileSync(join(dir, 'a.yaml'), quadratic('a', '[1, 2, 3]'));
  const again = runCli(['run', 'a.yaml', '--workers', '1'], { cwd: dir });
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /3 of 3 trials complete/);
  assert.deepEqual(query(db, "SELECT t.number FROM trials t JOIN sweeps s ON s.id = t.sweep_id WHERE s.name = 'a' ORDER BY t.number").map((x) => x.number), [1, 2, 3]);
});

test('delete is refused (exit 2, nothing removed) while a live run works on the sweep, and goes ahead once that run is dead', () => {
  const dir = workspace();
  writeFileSync(join(dir, 'a.yaml'), quadratic('a'));
  assert.equal(runCli(['run', 'a.yaml', '--workers', '1', '--db', 'x.db'], { cwd: dir }).status, 0);
  const db = join(dir, 'x.db');
  const run = liveRun(db, 'a');
  const r = runCli(['delete', 'a', '--db', 'x.db'], { cwd: dir });
  assert.equal(r.status, 2);
  assert.equal(r.stderr, `lrsweep: sweep a is being run: run ${run} (pid ${process.pid} on ${hostname()}) works on it; stop it first (Ctrl-C), then delete: nothing was deleted\n`);
  assert.equal(r.stdout, '');
  assert.deepEqual(query(db, 'SELECT COUNT(*) AS n FROM trials'), [{ n: 2 }]);

  // The run's process is gone (a pid no process has): the sweep is no longer being run.
  const d = new Database(db);
  d.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(2 ** 22 + 12345, run);
  d.close();
  const ok = runCli(['delete', 'a', '--db', 'x.db'], { cwd: dir });
  assert.equal(ok.status, 0, ok.stderr);
  assert.deepEqual(query(db, 'SELECT COUNT(*) AS n FROM sweeps'), [{ n: 0 }]);
});

test('a sweep created again under a deleted name refuses the old trial folder; delete --trial-folder removes it, so the name runs again', () => {
  const dir = workspace();
  const file = commandSweep(dir, 'cmd', true);
  assert.equal(runCli(['run', file, '--workers', '1'], { cwd: dir }).status, 0);
  const folder = join(dir, 'lrsweep-trials', 'cmd');
  assert.ok(existsSync(join(folder, '1', 'attempt-1.log')));

  // Deleted without --trial-folder: the folder stays, and the new sweep of the name refuses it (what the issue hit).
  const kept = runCli(['delete', 'cmd'], { cwd: dir });
  assert.equal(kept.status, 0, kept.stderr);
  assert.match(kept.stdout, new RegExp(`kept its trial folder ${folder}: a new sweep named cmd refuses it until it is removed`));
  const refused = runCli(['run', file, '--workers', '1'], { cwd: dir });
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /holds the trials of another sweep named cmd/);

  // That refused run registered the new sweep; deleting it with --trial-folder takes the folder the
  // deleted sweep of this database left (and would take this one's).
  const removed = runCli(['delete', 'cmd', '--trial-folder'], { cwd: dir });
  assert.equal(removed.status, 0, removed.stderr);
  assert.match(removed.stdout, new RegExp(`removed its trial folder ${folder}\n`));
  assert.ok(!existsSync(folder));
  const again = runCli(['run', file, '--workers', '1'], { cwd: dir });
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /2 of 2 trials complete/);
});

test('delete --trial-folder leaves everything when the folder is another sweep\'s of the same name (exit 2)', () => {
  const dir = workspace();
  const file = commandSweep(dir, 'cmd', true);
  assert.equal(runCli(['run', file, '--workers', '1', '--db', 'one.db'], { cwd: dir }).status, 0);
  // The same name in another database, run with its own trial folder root; then pointed at the first one's folder.
  assert.equal(runCli(['run', file, '--workers', '1', '--db', 'two.db', '--trials-dir', 'other'], { cwd: dir }).status, 0);
  const r = runCli(['delete', 'cmd', '--db', 'two.db', '--trial-folder'], { cwd: dir });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^lrsweep: --trial-folder: \S+lrsweep-trials\/cmd holds the trials of another sweep named cmd \(one\.db#[^)]+\), not of this one \(created [^)]+\): nothing was deleted; remove that folder yourself, or leave out --trial-folder\n$/);
  assert.deepEqual(query(join(dir, 'two.db'), 'SELECT COUNT(*) AS n FROM trials'), [{ n: 2 }]);
  assert.ok(existsSync(join(dir, 'lrsweep-trials', 'cmd', '1')));

  // A folder whose sweep.json names no sweep (edited, or written by hand) is not taken either.
  writeFileSync(join(dir, 'lrsweep-trials', 'cmd', 'sweep.json'), '{"note": "no key"}');
  const unknown = runCli(['delete', 'cmd', '--db', 'two.db', '--trial-folder'], { cwd: dir });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /^lrsweep: --trial-folder: \S+lrsweep-trials\/cmd does not say which sweep it holds \(its sweep\.json is missing, unreadable or has no key\): nothing was deleted;/);
  assert.ok(existsSync(join(dir, 'lrsweep-trials', 'cmd', '1')));
});

test('run --replace swaps the definition of a sweep none of whose trials finished: its failed trials run again under the fixed command, in their folders', () => {
  const dir = workspace();
  commandSweep(dir, 'fix', false);
  const failed = runCli(['run', 'fix.yaml', '--workers', '1'], { cwd: dir });
  assert.equal(failed.status, 1, 'every trial failed');
  const db = join(dir, 'lrsweep.db');
  assert.deepEqual(query(db, 'SELECT number, state FROM trials ORDER BY number'), [{ number: 1, state: 'failed' }, { number: 2, state: 'failed' }]);

  commandSweep(dir, 'fix', true);
  const changed = runCli(['run', 'fix.yaml', '--workers', '1'], { cwd: dir });
  assert.equal(changed.status, 2, 'a changed definition is refused without --replace');
  const both = runCli(['run', 'fix.yaml', '--extend', '--replace'], { cwd: dir });
  assert.equal(both.status, 2);
  assert.match(both.stderr, /^lrsweep: --extend and --replace: give one/);

  const replaced = runCli(['run', 'fix.yaml', '--workers', '1', '--replace'], { cwd: dir });
  assert.equal(replaced.status, 0, replaced.stderr);
  assert.match(replaced.stdout, /2 of 2 trials complete/);
  assert.deepEqual(query(db, 'SELECT number, state, attempts, objective FROM trials ORDER BY number'),
    [{ number: 1, state: 'complete', attempts: 2, objective: 0.5 }, { number: 2, state: 'complete', attempts: 2, objective: 0.5 }]);
  assert.match(query(db, 'SELECT definition FROM sweeps')[0].definition as string, /val_loss/);
  assert.match(readFileSync(join(dir, 'lrsweep-trials', 'fix', '1', 'attempt-1.log'), 'utf8'), /no module named torch/, 'the failed attempt\'s log is kept beside the new one');
  assert.ok(existsSync(join(dir, 'lrsweep-trials', 'fix', '1', 'attempt-2.log')));
});

test('run --replace removes the trials the new definition no longer plans; new ones never take their numbers', () => {
  const dir = workspace();
  commandSweep(dir, 'fix', false, '[1, 2]');
  assert.equal(runCli(['run', 'fix.yaml', '--workers', '1'], { cwd: dir }).status, 1);
  commandSweep(dir, 'fix', true, '[1, 3]');
  const r = runCli(['run', 'fix.yaml', '--workers', '1', '--replace'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /--replace: removed 1 trial that the new definition does not plan/);
  const rows = query(join(dir, 'lrsweep.db'), 'SELECT number, cycle_mult, state FROM trials ORDER BY number');
  assert.deepEqual(rows, [{ number: 1, cycle_mult: 1, state: 'complete' }, { number: 3, cycle_mult: 3, state: 'complete' }],
    'trial 2 (cycle_mult 2) is gone, and its number and folder are not given to cycle_mult 3');
});

test('run --replace is refused (exit 2, naming the count, nothing changed) once a trial of the sweep finished', () => {
  const dir = workspace();
  writeFileSync(join(dir, 'a.yaml'), quadratic('a'));
  assert.equal(runCli(['run', 'a.yaml', '--workers', '1'], { cwd: dir }).status, 0);
  const db = join(dir, 'lrsweep.db');
  const before = query(db, 'SELECT * FROM trials ORDER BY number');
  const definition = query(db, 'SELECT definition FROM sweeps');
  writeFileSync(join(dir, 'a.yaml'), quadratic('a').replace('epochs: 1', 'epochs: 2'));
  const r = runCli(['run', 'a.yaml', '--replace'], { cwd: dir });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^lrsweep: --replace: sweep "a" has 2 finished trials \(2 complete, 0 diverged\), and a sweep keeps every trial it finished, so its definition cannot be replaced \(trainer\.epochs: 1 -> 2\): give the sweep another name, or delete it first \((npx )?lrsweep delete a\)\n$/);
  assert.deepEqual(query(db, 'SELECT * FROM trials ORDER BY number'), before);
  assert.deepEqual(query(db, 'SELECT definition FROM sweeps'), definition);
});

test('run --replace is refused (exit 2) while a live run works on the sweep', () => {
  const dir = workspace();
  commandSweep(dir, 'fix', false);
  assert.equal(runCli(['run', 'fix.yaml', '--workers', '1'], { cwd: dir }).status, 1);
  const db = join(dir, 'lrsweep.db');
  const run = liveRun(db, 'fix');
  commandSweep(dir, 'fix', true);
  const r = runCli(['run', 'fix.yaml', '--replace'], { cwd: dir });
  assert.equal(r.status, 2);
  assert.equal(r.stderr, `lrsweep: --replace: sweep "fix" is being run (run ${run}, pid ${process.pid} on ${hostname()}): stop it first, then run with --replace again\n`);
  assert.deepEqual(query(db, 'SELECT state FROM trials'), [{ state: 'failed' }, { state: 'failed' }]);
});

withPostgres(() => {
  test('postgres: delete removes the sweep\'s rows and its queue with every job; a live worker\'s sweep is refused', () => {
    const dir = workspace();
    writeFileSync(join(dir, 'a.yaml'), quadratic('a', '[1, 2, 3]'));
    const url = schemaUrl();
    const schema = new URL(url).searchParams.get('schema')!;
    const enqueued = runCli(['run', 'a.yaml', '--db', url, '--enqueue-only'], { cwd: dir });
    assert.equal(enqueued.status, 0, enqueued.stderr);
    return (async () => {
      assert.deepEqual(await sql("SELECT COUNT(*)::int AS n FROM job WHERE name LIKE 'sweep-%'", [], schema), [{ n: 3 }]);
      const [{ id }] = await sql<{ id: number }>("SELECT id FROM sweeps WHERE name = 'a'", [], schema);
      const [{ run }] = await sql<{ run: number }>("INSERT INTO runs (sweep_id, pid, host, workers, backend) VALUES ($1, 1, 'elsewhere', 1, 'wasm') RETURNING id AS run", [id], schema);
      const refused = runCli(['delete', 'a', '--db', url], { cwd: dir });
      assert.equal(refused.status, 2);
      assert.match(refused.stderr, new RegExp(`^lrsweep: sweep a is being run: run ${run} \\(pid 1 on elsewhere\\) works on it; stop it first \\(Ctrl-C, or (npx )?lrsweep cancel a --db \\S+\\), then delete: nothing was deleted\n$`));
      await sql("UPDATE runs SET status = 'failed' WHERE id = $1", [run], schema);
      const r = runCli(['delete', 'a', '--db', url], { cwd: dir });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /^deleted sweep a: 3 trials with their metrics and runs, and 3 queue jobs\n/);
      assert.deepEqual(await sql('SELECT (SELECT COUNT(*)::int FROM sweeps) AS sweeps, (SELECT COUNT(*)::int FROM trials) AS trials, (SELECT COUNT(*)::int FROM runs) AS runs', [], schema),
        [{ sweeps: 0, trials: 0, runs: 0 }]);
      assert.deepEqual(await sql("SELECT (SELECT COUNT(*)::int FROM job WHERE name = $1) AS jobs, (SELECT COUNT(*)::int FROM queue WHERE name = $1) AS queues", [`sweep-${id}`], schema),
        [{ jobs: 0, queues: 0 }]);
      // The name enqueues afresh.
      const again = runCli(['run', 'a.yaml', '--db', url, '--enqueue-only'], { cwd: dir });
      assert.equal(again.status, 0, again.stderr);
      assert.match(again.stdout, /3 trials waiting for workers \(3 newly enqueued/);
    })();
  });
});
