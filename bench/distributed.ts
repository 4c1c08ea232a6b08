// Many machines: trials per second through the PostgreSQL queue for 1, 2 and 4 `lrsweep worker`
// processes, beside one `lrsweep run` on a SQLite file, all on this machine, in this one run.
// The trivial objective (a noisy quadratic, 10 steps) makes the engine, the queue and the
// database what is measured; cohort_size 1 gives every trial its own job (the queue's worst case).
// Steady state: the rate between 10% and 90% of the trials complete, sampled from the database;
// process start (to the first trial complete) is printed apart. A measurement counts only when
// every process exited 0 and every trial completed; otherwise its verdict is a failure.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { verdict } from './measure.js';

const CLI = fileURLToPath(new URL('../dist/src/cli.js', import.meta.url));
const TRIALS = 10_000;
const PG_BASE = process.env.LRSWEEP_BENCH_PG || process.env.LRSWEEP_TEST_PG || 'postgres://postgres@127.0.0.1:5432/test';

function sweepFile(dir: string): string {
  const file = join(dir, 'dist.yaml');
  writeFileSync(file, `name: dist
schedule: { first_cycle_steps: 10, max_lr: 0.1, min_lr: 0.001 }
parameters:
  cycle_mult: { min: 1, max: 2, distribution: uniform }
  gamma: { min: 0.5, max: 1, distribution: uniform }
method: random
trials: ${TRIALS}
trainer: { kind: quadratic, dim: 8, epochs: 1, steps_per_epoch: 10 }
budget: { cohort_size: 1 }
lint: { ignore: [ends-mid-cycle] }
`);
  return file;
}

function cli(args: string[], cwd: string): { child: ChildProcess; done: Promise<number | null> } {
  const child = spawn(process.execPath, ['--single-threaded-gc', CLI, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const done = new Promise<number | null>((resolve) => child.on('close', (code) => {
    if (code !== 0) process.stderr.write(err);
    resolve(code);
  }));
  return { child, done };
}

interface Rate {
  startSeconds: number;
  rate: number;
  totalSeconds: number;
  /** Trials complete when the processes ended. */
  complete: number;
  /** The processes' exit codes (null: ended by a signal). */
  codes: (number | null)[];
}

/** Why a measured run does not count (a process failed, or trials were left unfinished), or null. */
function broken(r: Rate): string | null {
  const problems: string[] = [];
  const bad = r.codes.filter((c) => c !== 0);
  if (bad.length > 0) problems.push(`${bad.length} of ${r.codes.length} processes exited ${bad.map((c) => c ?? 'by a signal').join(', ')}`);
  if (r.complete < TRIALS) problems.push(`${(TRIALS - r.complete).toLocaleString('en-US')} of ${TRIALS.toLocaleString('en-US')} trials not complete`);
  return problems.length > 0 ? problems.join('; ') : null;
}

/** Samples `complete()` until every trial is done; the steady rate between 10% and 90% complete. */
async function measure(complete: () => Promise<number>, began: number, finished: Promise<(number | null)[]>): Promise<Rate> {
  const samples: [number, number][] = [];
  let over = false;
  void finished.then(() => (over = true));
  for (;;) {
    const n = await complete();
    samples.push([performance.now(), n]);
    if (n >= TRIALS || over) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const codes = await finished;
  const total = await complete();
  const first = samples.find(([, n]) => n > 0) ?? samples[samples.length - 1];
  const lo = samples.find(([, n]) => n >= TRIALS * 0.1) ?? first;
  const hi = samples.find(([, n]) => n >= TRIALS * 0.9) ?? samples[samples.length - 1];
  const rate = hi[0] > lo[0] ? (hi[1] - lo[1]) / ((hi[0] - lo[0]) / 1000) : 0;
  return { startSeconds: (first[0] - began) / 1000, rate, totalSeconds: (performance.now() - began) / 1000, complete: total, codes };
}

async function onSqlite(dir: string, file: string): Promise<Rate> {
  const db = join(dir, 'bench.db');
  const began = performance.now();
  const run = cli(['run', file, '--db', db, '--workers', '2'], dir);
  let reader: Database.Database | null = null;
  return measure(async () => {
    try {
      reader ??= new Database(db, { readonly: true, fileMustExist: true });
      return (reader.prepare("SELECT COUNT(*) AS n FROM trials WHERE state = 'complete'").get() as { n: number }).n;
    } catch {
      return 0; // not created yet
    }
  }, began, run.done.then((code) => [code])).finally(() => reader?.close());
}

async function onPostgres(dir: string, file: string, workers: number): Promise<Rate> {
  const schema = `lrsweep_bench_${process.pid}_${workers}`;
  const url = new URL(PG_BASE);
  url.searchParams.set('schema', schema);
  const client = new pg.Client({ connectionString: PG_BASE });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    const enqueue = cli(['run', file, '--db', url.href, '--enqueue-only'], dir);
    if ((await enqueue.done) !== 0) throw new Error('enqueue failed');
    const began = performance.now();
    const all = Array.from({ length: workers }, () => cli(['worker', file, '--db', url.href, '--workers', '1'], dir));
    return await measure(async () => (await client.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${schema}.trials WHERE state = 'complete'`)).rows[0].n,
      began, Promise.all(all.map((w) => w.done)));
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await client.end();
  }
}

export async function benchDistributed(): Promise<void> {
  console.log(`\n== Many machines: ${TRIALS.toLocaleString('en-US')} trials of the trivial objective (quadratic, 10 steps), one job per trial, all processes on this machine ==`);
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-bench-dist-'));
  try {
    const file = sweepFile(dir);
    const failures: string[] = [];
    const line = (what: string, r: Rate) => {
      console.log(`${what}: ${r.rate.toFixed(0)} trials/s steady (10% -> 90% complete); ${r.startSeconds.toFixed(2)} s to the first trial (process start), ${r.totalSeconds.toFixed(1)} s in all`);
      const why = broken(r);
      if (why) {
        console.log(`  FAILED: ${why}: this rate measures a broken run`);
        failures.push(`${what.trim()}: ${why}`);
      }
    };
    const sqlite = await onSqlite(dir, file);
    line('SQLite, one `lrsweep run --workers 2`     ', sqlite);
    const rates: number[] = [];
    for (const workers of [1, 2, 4]) {
      const r = await onPostgres(dir, file, workers);
      rates.push(r.rate);
      line(`PostgreSQL, ${workers} \`lrsweep worker --workers 1\`${workers === 1 ? ' ' : 's'}`, r);
    }
    const target = failures.length > 0 ? `FAILED: ${failures.length} run(s) broken, no verdict` : verdict(rates[1] >= 500);
    console.log(`2 worker processes on PostgreSQL: ${rates[1].toFixed(0)} trials/s (target >= 500: ${target}); ${(rates[1] / sqlite.rate).toFixed(2)}x the SQLite run`);
    if (failures.length > 0) process.exitCode = 1;
    console.log('(2 cores: 4 worker processes share them with PostgreSQL and each other, so they cannot beat 2 here; on many machines each brings its own)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
