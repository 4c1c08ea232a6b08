// The PostgreSQL server restarts mid-sweep: each `lrsweep worker` either goes on and finishes, or
// exits 1 with one line naming the database (no stack trace); workers started again then finish
// the sweep with every trial complete, none lost and none twice. The server is a private one this
// file starts itself (initdb, pg_ctl) on a free port, never the shared LRSWEEP_TEST_PG server,
// since it is restarted. Without PostgreSQL's binaries the test is skipped, except under CI=1,
// where it fails (.ci/run installs PostgreSQL). None lost: every trial complete before the restart
// keeps its row and points; none twice: each trial trained once per attempt, twice at most.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { runCli, startCli } from '../helpers/cli.js';
import { skipOrFail } from '../helpers/skip.js';

/** A trainer that waits as waits.ts does, and logs each training (to count them per trial). */
const LOGS = fileURLToPath(new URL('../fixtures/trainers/logs.ts', import.meta.url));
const TRIALS = 40;
/** Long enough for any worker to give up on a lost database (LOST_DB_MS, 30 s) and release what it held. */
const WORKER_GUARD_MS = 240_000;

/** The newest PostgreSQL server binaries installed (Debian's layout), or null. */
function pgBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number.parseFloat(a) - Number.parseFloat(b));
  return versions.length > 0 ? join(root, versions[versions.length - 1], 'bin') : null;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A throwaway PostgreSQL server: trust authentication, user postgres, on 127.0.0.1:port. */
class PrivateServer {
  private readonly asOwner: string[];
  private readonly data: string;
  private readonly log: string;
  readonly url: string;

  constructor(private readonly bin: string, private readonly dir: string, private readonly port: number, schema: string) {
    this.data = join(dir, 'data');
    this.log = join(dir, 'server.log');
    // initdb refuses to run as root: then the cluster belongs to the postgres user.
    this.asOwner = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
    this.url = `postgres://postgres@127.0.0.1:${port}/postgres?schema=${schema}`;
  }

  private run(tool: string, args: string[]): void {
    const [cmd, ...pre] = [...this.asOwner, join(this.bin, tool)];
    const r = spawnSync(cmd, [...pre, ...args], { encoding: 'utf8', timeout: 180_000 });
    if (r.status !== 0) {
      const log = existsSync(this.log) ? readFileSync(this.log, 'utf8').slice(-2_000) : '';
      assert.fail(`${tool} ${args.join(' ')} failed (${r.status ?? r.signal ?? r.error?.message}):\n${r.stdout}${r.stderr}\n${log}`);
    }
  }

  private get options(): string {
    return `-c listen_addresses=127.0.0.1 -c port=${this.port} -c unix_socket_directories=${this.dir}`;
  }

  init(): void {
    if (this.asOwner.length > 0) chownSync(this.dir, Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim()), -1);
    this.run('initdb', ['-D', this.data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
    this.run('pg_ctl', ['-D', this.data, '-l', this.log, '-w', '-t', '120', '-o', this.options, 'start']);
  }

  restart(): void {
    this.run('pg_ctl', ['-D', this.data, '-l', this.log, '-m', 'fast', '-w', '-t', '120', '-o', this.options, 'restart']);
  }

  /** Stops the server if it runs and removes its files; never throws. */
  destroy(): void {
    if (existsSync(join(this.data, 'postmaster.pid'))) {
      const [cmd, ...pre] = [...this.asOwner, join(this.bin, 'pg_ctl')];
      spawnSync(cmd, [...pre, '-D', this.data, '-m', 'immediate', '-w', '-t', '60', 'stop'], { encoding: 'utf8', timeout: 90_000 });
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Runs SQL outside lrsweep; null while the server does not answer. */
  async query<R extends pg.QueryResultRow>(text: string): Promise<R[] | null> {
    const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${this.port}/postgres`, connectionTimeoutMillis: 10_000 });
    client.on('error', () => {});
    try {
      await client.connect();
      return (await client.query<R>(text)).rows;
    } catch {
      return null;
    } finally {
      await client.end().catch(() => {});
    }
  }
}

type Worker = ReturnType<typeof startCli>;

/** The worker's exit code, or, when it has not ended within the guard, kills it and fails: a hang. */
async function ended(w: Worker, what: string): Promise<number | null> {
  let guard: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (guard = setTimeout(() => resolve('hung'), WORKER_GUARD_MS)));
  const code = await Promise.race([w.done, hung]);
  clearTimeout(guard);
  if (code === 'hung') {
    w.child.kill('SIGKILL');
    await w.done;
    const { stdout, stderr } = w.out();
    assert.fail(`${what} did not end within ${WORKER_GUARD_MS / 1000} s (a hang):\n${stdout}${stderr}`);
  }
  return code;
}

/** Why this machine cannot start a private server, or null. */
function missing(bin: string | null): string | null {
  if (bin === null) return 'PostgreSQL server binaries (/usr/lib/postgresql/*/bin: initdb, pg_ctl) are not installed; .ci/run installs them';
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0) return 'running as root, and initdb refuses root: no `postgres` user to run the server as';
  return null;
}

const bin = pgBin();

test('postgres: the server restarts mid-sweep: workers go on or exit 1 with one line naming the database; workers started again complete every trial, none lost, none twice', { timeout: 900_000 }, async (t) => {
  if (skipOrFail(t, missing(bin)) || !bin) return;
  const serverDir = mkdtempSync(join(tmpdir(), 'lrsweep-pg-restart-'));
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-worker-restart-'));
  const server = new PrivateServer(bin, serverDir, await freePort(), 'w_restart');
  const started: Worker[] = [];
  try {
    server.init();
    const url = server.url;
    const file = join(dir, 'restart.yaml');
    const gammas = [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 1];
    const mults = [1, 1.5, 2, 2.5, 3];
    assert.equal(gammas.length * mults.length, TRIALS);
    const log = join(dir, 'trainings.log');
    writeFileSync(log, '');
    writeFileSync(file, `name: restart\nschedule: { first_cycle_steps: 2 }\nparameters:\n  gamma: { values: [${gammas.join(', ')}] }\n  cycle_mult: { values: [${mults.join(', ')}] }\n` +
      `trainer: { kind: module, path: ${JSON.stringify(LOGS)}, options: { seconds: 0.2, epochs: 4, log: ${JSON.stringify(log)} } }\n`);
    // Every trial row with its points (one statement: a consistent snapshot), by id.
    const rows = async () => (await server.query<{ id: string; number: number; state: string; attempts: number; params: Record<string, number>; points: unknown[] | null }>(
      `SELECT t.*, (SELECT json_agg(m ORDER BY m.attempt, m.seq, m.name) FROM w_restart.metrics m WHERE m.trial_id = t.id) AS points
       FROM w_restart.trials t ORDER BY t.id`))!;

    const enqueued = runCli(['run', file, '--db', url, '--enqueue-only'], { cwd: dir });
    assert.equal(enqueued.status, 0, enqueued.stdout + enqueued.stderr);

    const counts = async () => {
      const rows = await server.query<{ state: string; n: number }>(
        "SELECT t.state, COUNT(*)::int AS n FROM w_restart.trials t JOIN w_restart.sweeps s ON s.id = t.sweep_id WHERE s.name = 'restart' GROUP BY t.state");
      return rows && Object.fromEntries(rows.map((r) => [r.state, r.n]));
    };
    assert.deepEqual(await counts(), { waiting: TRIALS }, 'the sweep is registered with its trials, none run yet');

    // Two workers; once some trials are complete (and most are not), the server restarts.
    const first = [0, 1].map(() => startCli(['worker', file, '--db', url, '--workers', '1'], dir));
    started.push(...first);
    let before: Record<string, number> | null = null;
    for (const deadline = Date.now() + 300_000; ;) {
      before = await counts();
      if ((before?.complete ?? 0) >= 3) break;
      const exited = await Promise.race([...first.map((w) => w.done), sleep(250).then(() => 'running' as const)]);
      if (exited !== 'running') assert.fail(`a worker ended before the restart (${exited}): ${first.map((w) => w.out().stdout + w.out().stderr).join('\n---\n')}`);
      assert.ok(Date.now() < deadline, `no trial completed within 300 s: ${JSON.stringify(before)}`);
    }
    assert.ok(before!.complete < TRIALS, `the sweep is mid-way when the server restarts: ${JSON.stringify(before)}`);
    const completeBefore = (await rows()).filter((r) => r.state === 'complete');
    server.restart();
    t.diagnostic(`restarted the server with ${JSON.stringify(before)}`);

    const codes: (number | null)[] = [];
    for (const [i, w] of first.entries()) {
      const code = await ended(w, `worker ${i + 1} (after the restart)`);
      const { stdout, stderr } = w.out();
      const output = `worker ${i + 1}: exit ${code}\nstdout:\n${stdout}\nstderr:\n${stderr}`;
      assert.doesNotMatch(stderr, /\n\s+at /, `no stack trace: ${output}`);
      assert.ok(code === 0 || code === 1, `exit 0 (went on) or 1 (lost the database): ${output}`);
      if (code === 1) {
        const lines = stderr.split('\n').filter((l) => l.startsWith('lrsweep:'));
        assert.equal(lines.length, 1, `one error line: ${output}`);
        assert.ok(lines[0].startsWith(`lrsweep: ${url}: `), `the error names the database: ${output}`);
      } else {
        assert.match(stdout, new RegExp(`^sweep restart: \\d+ trials ended on this worker; \\d+ of ${TRIALS} complete`, 'm'), output);
      }
      codes.push(code);
      t.diagnostic(`first worker ${i + 1}: exit ${code}${code === 1 ? `: ${stderr.split('\n').find((l) => l.startsWith('lrsweep:'))}` : ''}`);
    }

    // Workers started again finish what is left, taking back what the lost ones held.
    const second = [0, 1].map(() => startCli(['worker', file, '--db', url, '--workers', '1'], dir));
    started.push(...second);
    for (const [i, w] of second.entries()) {
      const code = await ended(w, `restarted worker ${i + 1}`);
      const { stdout, stderr } = w.out();
      assert.equal(code, 0, `restarted worker ${i + 1}:\nstdout:\n${stdout}\nstderr:\n${stderr}`);
      assert.doesNotMatch(stderr, /\n\s+at /);
    }

    const after = await counts();
    if (after?.complete !== TRIALS || Object.keys(after).length !== 1) {
      // What is left, and what the queue holds for it, to tell where the trial was dropped.
      const left = await server.query(`SELECT t.id, t.number, t.state, t.run_id, t.attempts, t.lost, t.error, r.pid, r.status AS run_status,
          (SELECT json_agg(json_build_object('state', j.state, 'retries', j.retry_count, 'output', j.output)) FROM w_restart.job j WHERE (j.data->'trials') @> to_jsonb(t.id)) AS jobs
        FROM w_restart.trials t LEFT JOIN w_restart.runs r ON r.id = t.run_id WHERE t.state <> 'complete'`);
      const outputs = started.map((w, i) => `worker ${i + 1} (pid ${w.child.pid}):\n${w.out().stdout}${w.out().stderr}`).join('\n---\n');
      assert.fail(`every trial complete, none left waiting, queued, running, interrupted or failed: ${JSON.stringify(after)}\n` +
        `left: ${JSON.stringify(left, null, 1)}\n${outputs}`);
    }
    // None lost: each trial complete before the restart is untouched, row and points.
    const final = await rows();
    assert.equal(final.length, TRIALS);
    for (const r of completeBefore) assert.deepEqual(final.find((f) => f.id === r.id), r, `trial ${r.number}, complete before the restart, is untouched`);
    // None twice: a trial trains once per attempt at most (an attempt claimed but never started
    // trains nothing), so once, or twice when the restart cut its first training; its points are
    // those of its last attempt (an earlier, cut attempt keeps its own under its number). logs.ts logs the sum of the trial's curve, whose values are
    // its val_loss points.
    const trained = new Map<string, number>();
    for (const line of readFileSync(log, 'utf8').split('\n').filter(Boolean)) trained.set(line.split(' ')[1], (trained.get(line.split(' ')[1]) ?? 0) + 1);
    const wasComplete = new Set(completeBefore.map((r) => r.id));
    const keys = new Set<string>();
    for (const r of final) {
      // Every attempt's points are kept (README, Schema); the trial's are its last attempt's.
      const all = (r.points ?? []) as { attempt: number; epoch: number; name: string; value: number }[];
      assert.ok(all.every((p) => p.attempt >= 1 && p.attempt <= r.attempts), `trial ${r.number}: points of attempts 1..${r.attempts} only: ${JSON.stringify(all)}`);
      const points = all.filter((p) => p.attempt === r.attempts);
      const losses = points.filter((p) => p.name === 'val_loss').sort((x, y) => x.epoch - y.epoch).map((p) => p.value);
      assert.equal(losses.length, 4, `trial ${r.number}: 4 epochs`);
      const key = String(losses.reduce((x, y) => x + y, 0));
      keys.add(key);
      const trainings = trained.get(key) ?? 0;
      assert.ok(trainings >= 1 && trainings <= r.attempts && r.attempts <= 2, `trial ${r.number}: trained ${trainings} times in ${r.attempts} attempts`);
      if (wasComplete.has(r.id)) assert.equal(trainings, 1, `trial ${r.number}, complete before the restart, trained once`);
    }
    assert.deepEqual([...trained.keys()].filter((k) => !keys.has(k)), [], 'every training was of one of the sweep\'s trials');
    // A worker that finished ended its run; one that lost the database may not have been able to.
    const runs = (await server.query<{ pid: number; status: string }>('SELECT pid, status FROM w_restart.runs'))!;
    const finished = [...first.filter((_, i) => codes[i] === 0), ...second].map((w) => w.child.pid);
    for (const pid of finished) assert.deepEqual(runs.filter((r) => r.pid === pid).map((r) => r.status), ['finished'], `the run of worker pid ${pid}: ${JSON.stringify(runs)}`);
  } finally {
    for (const w of started) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await Promise.all(started.map((w) => w.done));
    server.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
});
