// A sweep of 10^6 trials, on each backend: registering it (`lrsweep run`'s work up to its first
// trial, in a process of its own: checking the file, registering, and on PostgreSQL the enqueue
// into pg-boss; wall time and the process's peak RSS, the kernel's high-water mark), then the run
// loop's rate over 10^4 trivial trials on the registered sweep (a resume: the time to its first
// trial is printed too), and again once 90% of its trials are finished (marked complete by one
// bench-only UPDATE; on PostgreSQL a second one completes their queue jobs, as their workers would
// have). The two rates should be close (target: the 90% rate at least 0.7x the fresh one): a claim
// must not cost more as trials finish. Registration's time and memory have targets at 10^6 trials
// (REGISTRATION_TARGETS, set from what this bench measured, with headroom). Runs only when named:
// `npm run bench scale` (tens of minutes at 10^6). LRSWEEP_BENCH_SCALE_TRIALS sets the sweep's size
// (default 10^6); PostgreSQL runs when a server answers at LRSWEEP_BENCH_PG, else LRSWEEP_TEST_PG,
// else the test server's default URL.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
// The compiled product, as users run it (pool workers would otherwise run tsx's loader too).
import { runSweep, type Progress } from '../dist/src/sweep/run.js';
import { verdict } from './measure.js';

const TRIALS = Number(process.env.LRSWEEP_BENCH_SCALE_TRIALS ?? 1_000_000);
const MEASURED = Math.min(10_000, Math.floor(TRIALS / 20));
const FINISHED = Math.floor(TRIALS * 0.9);
const PG_BASE = process.env.LRSWEEP_BENCH_PG || process.env.LRSWEEP_TEST_PG || 'postgres://postgres@127.0.0.1:5432/test';
const TARGET = 0.7;
const MILLION = 1_000_000;
/**
 * Registering 10^6 trials (the whole `run` up to the first trial) on a shared 2-core machine:
 * seconds and peak RSS (MB), about 1.5x what this bench measured at load 5 to 9 (SQLite 240 s and
 * 647 MB; PostgreSQL 432 s and 1,336 MB, most of its memory the enqueue's read of every waiting
 * trial). Verdicts are printed only for a sweep of 10^6 trials.
 */
const REGISTRATION_TARGETS: Record<'SQLite' | 'PostgreSQL', { seconds: number; peakMb: number }> = {
  SQLite: { seconds: 360, peakMb: 1_000 },
  PostgreSQL: { seconds: 650, peakMb: 2_000 },
};

/** Registers the sweep in a process of its own (nothing else in its memory) and stops before the first trial. */
const REGISTER = `
import { runSweep } from ${JSON.stringify(new URL('../dist/src/sweep/run.js', import.meta.url).href)};
const [file, db] = process.argv.slice(1);
const stop = new AbortController();
// PostgreSQL: register and enqueue, run nothing; SQLite: register, and stop before the first trial.
const r = await runSweep({ file, db, workers: 2, lint: false, enqueueOnly: db.startsWith('postgres'), signal: stop.signal, onProgress: () => stop.abort() });
process.stdout.write(JSON.stringify({ added: r.added, enqueued: r.enqueued, peakMb: process.resourceUsage().maxRSS / 1024 }));
`;

function register(file: string, db: string): { added: number; enqueued: number | null; peakMb: number; seconds: number } {
  const began = performance.now();
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', REGISTER, file, db], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return { ...JSON.parse(out), seconds: (performance.now() - began) / 1000 };
}

function sweepFile(dir: string): string {
  const file = join(dir, 'scale.yaml');
  // A seed per config: each config's own stream, the cohort claim's worst case (every seed differs).
  writeFileSync(file, `name: scale
schedule: { first_cycle_steps: 10, max_lr: 0.1, min_lr: 0.001 }
parameters:
  cycle_mult: { min: 1, max: 2, distribution: uniform }
  gamma: { min: 0.5, max: 1, distribution: uniform }
method: random
trials: ${TRIALS}
seeding: { mode: per_config }
trainer: { kind: quadratic, dim: 8, epochs: 1, steps_per_epoch: 10 }
budget: { cohort_size: 1 }
lint: { ignore: [ends-mid-cycle] }
`);
  return file;
}

interface Rate {
  /** From the command's start to its first recorded batch: opening, registering (nothing new), recovering, enqueueing. */
  startSeconds: number;
  perSecond: number;
}

/** Runs the sweep through runSweep until MEASURED trials of this run ended; the rate from its first recorded trials on. */
async function timedRun(file: string, db: string): Promise<Rate> {
  const stop = new AbortController();
  const began = performance.now();
  let first: { at: number; done: number } | null = null;
  let last: { at: number; done: number } | null = null;
  const report = await runSweep({
    file, db, workers: 2, signal: stop.signal, lint: false,
    onProgress: (p: Progress) => {
      if (p.doneThisRun === 0) return;
      const at = performance.now();
      first ??= { at, done: p.doneThisRun };
      last = { at, done: p.doneThisRun };
      if (p.doneThisRun >= MEASURED && !stop.signal.aborted) stop.abort();
    },
  });
  if (!first || !last) throw new Error(`no trial ended (${JSON.stringify(report.counts)})`);
  const [a, b] = [first as { at: number; done: number }, last as { at: number; done: number }];
  if (b.done < MEASURED) throw new Error(`only ${b.done} of ${MEASURED} trials ended (${JSON.stringify(report.counts)})`);
  return { startSeconds: (a.at - began) / 1000, perSecond: (b.done - a.done) / ((b.at - a.at) / 1000) };
}

async function scaleOn(label: 'SQLite' | 'PostgreSQL', file: string, db: string, finish: () => Promise<void>): Promise<void> {
  const n = (x: number) => x.toLocaleString('en-US');
  const registered = register(file, db);
  const added = registered.added;
  // Sampled configs whose 32-bit stream seeds collide are one config: at 10^6 about a hundred.
  if (added < TRIALS * 0.999) throw new Error(`registered ${added} of ${TRIALS} trials`);
  const duplicates = TRIALS - added > 0 ? ` (${n(TRIALS - added)} sampled duplicates dropped)` : '';
  console.log(`${label}: registered ${n(added)} trials${duplicates}${db.startsWith('postgres') ? ` and enqueued ${n(registered.enqueued ?? 0)}` : ''} in ${registered.seconds.toFixed(1)} s ` +
    `(${n(Math.round(added / registered.seconds))} trials/s, the file's check included), peak RSS ${registered.peakMb.toFixed(0)} MB`);
  const target = REGISTRATION_TARGETS[label];
  if (TRIALS === MILLION) {
    console.log(`${label}: registration target at 10^6 trials: <= ${target.seconds} s (${verdict(registered.seconds <= target.seconds)}), ` +
      `peak RSS <= ${target.peakMb} MB (${verdict(registered.peakMb <= target.peakMb)})`);
  } else {
    console.log(`${label}: (registration targets are set at 10^6 trials: ${target.seconds} s, ${target.peakMb} MB)`);
  }
  const fresh = await timedRun(file, db);
  await finish();
  const late = await timedRun(file, db);
  const ratio = late.perSecond / fresh.perSecond;
  console.log(`${label}: ${n(MEASURED)} trials at 0% finished: ${fresh.perSecond.toFixed(0)} trials/s (${fresh.startSeconds.toFixed(1)} s to the first); ` +
    `at 90% finished: ${late.perSecond.toFixed(0)} trials/s (${late.startSeconds.toFixed(1)} s to the first)`);
  console.log(`${label}: 90% finished / fresh = ${ratio.toFixed(2)}x (target >= ${TARGET}x: ${verdict(ratio >= TARGET)})`);
}

async function onSqlite(dir: string, file: string): Promise<void> {
  const db = join(dir, 'scale.db');
  await scaleOn('SQLite', file, db, async () => {
    const d = new Database(db);
    d.prepare("UPDATE trials SET state = 'complete', objective = 1, finished_at = '2026-01-01T00:00:00.000Z' WHERE number <= ? AND state = 'waiting'").run(FINISHED);
    d.close();
  });
}

async function onPostgres(file: string): Promise<void> {
  const schema = `lrsweep_bench_scale_${process.pid}`;
  const url = new URL(PG_BASE);
  url.searchParams.set('schema', schema);
  const client = new pg.Client({ connectionString: PG_BASE, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (e) {
    console.log(`PostgreSQL: skipped, no server answers at ${PG_BASE} (${(e as Error).message}); set LRSWEEP_BENCH_PG`);
    return;
  }
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await scaleOn('PostgreSQL', file, url.href, async () => {
      await client.query(`UPDATE ${schema}.trials SET state = 'complete', objective = 1, finished_at = now() WHERE number <= $1 AND state = 'waiting'`, [FINISHED]);
      // Their jobs are over, as a worker completing them would leave them (one job per trial here).
      await client.query(`UPDATE ${schema}.job j SET state = 'completed', completed_on = now() FROM ${schema}.trials t
        WHERE j.name LIKE 'sweep-%' AND j.state < 'active' AND t.id = (j.data->'trials'->>0)::bigint AND t.state = 'complete'`);
      // One bulk UPDATE leaves 90% of both tables dead at once, which a sweep finishing its trials
      // over hours never has (autovacuum keeps up): vacuum both, not only trials (the job table's
      // dead rows alone took the rate at 90% to 0.63x of the fresh rate at 10^5).
      await client.query(`VACUUM ANALYZE ${schema}.trials`);
      await client.query(`VACUUM ANALYZE ${schema}.job`);
    });
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await client.end();
  }
}

export async function benchScale(): Promise<void> {
  console.log(`\n== Scale: a sweep of ${TRIALS.toLocaleString('en-US')} trials (quadratic, 10 steps, a seed per config, 2 workers): registration, and the rate over ${MEASURED.toLocaleString('en-US')} trials fresh and at 90% finished ==`);
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-bench-scale-'));
  try {
    const file = sweepFile(dir);
    await onSqlite(dir, file);
    await onPostgres(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
