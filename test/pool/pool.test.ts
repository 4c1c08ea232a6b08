// The pool on its own: events in order, a worker's error as the unit's rejection, timeouts
// counted from the start, stops that fire the trainer's signal before ending its thread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrialPool } from '../../src/pool/pool.js';
import { UnitStopped, UnitTimeout } from '../../src/pool/executor.js';
import type { UnitEvent, WorkUnit } from '../../src/pool/messages.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/trainers/${name}`, import.meta.url));
/** A file that never appears: gated.ts waits for it forever (until stopped). */
const neverOpened = () => join(mkdtempSync(join(tmpdir(), 'lrsweep-pool-')), 'never-opened');
const params = { schedule: 'cawr' as const, first_cycle_steps: 10, max_lr: 0.01, min_lr: 0.001 };

function unit(over: Partial<WorkUnit> & { dim?: number; steps?: number } = {}): WorkUnit {
  const steps = over.steps ?? 50;
  return {
    sweep: 's', trainer: { builtin: 'quadratic' }, options: { dim: over.dim ?? 4, epochs: 1, steps_per_epoch: steps, noise: 0.1, curvature: 10, condition: 100 },
    members: [{ trialId: 1, number: 1, attempt: 1, repeat: 0, params }], steps, seed: 1, backend: 'wasm', perStep: false, ...over,
  };
}

async function run(pool: TrialPool, u: WorkUnit): Promise<UnitEvent[]> {
  const events: UnitEvent[] = [];
  await pool.start(u, (e) => events.push(e)).done;
  return events;
}

test('a unit reports started, then its points, all before it resolves; an error in the worker rejects that unit only', async () => {
  const pool = new TrialPool({ workers: 2 });
  try {
    const events = await run(pool, unit());
    assert.deepEqual(events.map((e) => e.type), ['started', 'point']);
    const point = (events[1] as Extract<UnitEvent, { type: 'point' }>).point;
    assert.equal(point.epoch, 1);
    assert.equal(point.values.lr, 0.001 + (0.01 - 0.001) * (1 + Math.cos((Math.PI * 9) / 10)) / 2);
    const broken = unit({ trainer: { module: fixture('throws.ts') }, options: { message: 'boom', epochs: 1 }, steps: 10 });
    const seen: UnitEvent[] = [];
    await assert.rejects(pool.start(broken, (e) => seen.push(e)).done, /boom/);
    assert.deepEqual(seen.map((e) => e.type), ['started', 'point'], 'points reported before the error are delivered');
    assert.equal((await run(pool, unit())).length, 2, 'the pool goes on');
  } finally {
    await pool.close();
  }
});

test('trial_timeout counts from the start of the unit, not its time in the queue, and ends a trainer that never yields', async () => {
  const pool = new TrialPool({ workers: 1, trialTimeout: 0.5 });
  try {
    await run(pool, unit()); // warm the worker
    // A unit that never ends (its gate never opens) holds the only worker until its limit: the
    // units queued behind it wait longer than the limit, whatever the machine's speed, and still run.
    const blocking = pool.start(unit({ trainer: { module: fixture('gated.ts') }, options: { gate: neverOpened(), epochs: 1, log: null }, steps: 1 }), () => {});
    const queued = Array.from({ length: 4 }, (_, i) => run(pool, unit({ seed: i })));
    await assert.rejects(blocking.done, (e: Error) => e instanceof UnitTimeout && e.message === 'trial_timeout: the trial ran longer than 0.5 s');
    const results = await Promise.allSettled(queued);
    assert.deepEqual(results.map((r) => r.status), Array(4).fill('fulfilled'), JSON.stringify(results.map((r) => r.status === 'rejected' && String(r.reason))));
    await assert.rejects(pool.start(unit({ trainer: { module: fixture('hangs.ts') }, options: {}, steps: 10 }), () => {}).done,
      (e: Error) => e instanceof UnitTimeout && e.message === 'trial_timeout: the trial ran longer than 0.5 s');
    assert.equal((await run(pool, unit())).length, 2, 'a new worker replaces the one that timed out');
  } finally {
    await pool.close();
  }
});

test('stopAll fires the trainer\'s signal; a trainer that stops on it ends the unit as stopped', async () => {
  const pool = new TrialPool({ workers: 1 });
  try {
    // A trainer that never ends on its own (its gate never opens), stopped once it is training (its log line).
    const log = join(mkdtempSync(join(tmpdir(), 'lrsweep-pool-')), 'trainings.log');
    writeFileSync(log, '');
    const gated = unit({ trainer: { module: fixture('gated.ts') }, options: { gate: neverOpened(), epochs: 50, log }, steps: 50 });
    const points: UnitEvent[] = [];
    const running = pool.start(gated, (e) => points.push(e));
    while (readFileSync(log, 'utf8') === '') await new Promise((r) => setTimeout(r, 10));
    pool.stopAll();
    await assert.rejects(running.done, (e: Error) => e instanceof UnitStopped && e.message === 'interrupted: the run was stopped');
    assert.deepEqual(points.map((p) => p.type), ['started'], 'it stopped inside its first epoch');
  } finally {
    await pool.close();
  }
});

test('a synchronous built-in trainer sees the stop at its next step (a shared flag), and a unit still queued returns at once when a worker takes it', async () => {
  const pool = new TrialPool({ workers: 1 });
  try {
    // A quadratic of 10^6 steps in one epoch: no event loop turn until it ends, unless it reads the flag.
    const long = () => unit({ dim: 200, steps: 1_000_000 });
    const seen: UnitEvent[] = [];
    const first = pool.start(long(), (e) => seen.push(e));
    const queued = pool.start(long(), () => {});
    while (!seen.some((e) => e.type === 'started')) await new Promise((r) => setTimeout(r, 10));
    const stopped = await new Promise<string>((resolve) => {
      pool.stopAll();
      // Both settle: the running one because its trainer returned, the queued one because it saw the flag first.
      void Promise.allSettled([first.done, queued.done]).then((r) => resolve(r.map((x) => (x.status === 'rejected' ? (x.reason as Error).name : 'resolved')).join()));
    });
    assert.equal(stopped, 'UnitStopped,UnitStopped');
    assert.equal(seen.filter((e) => e.type === 'point').length, 0, 'no epoch was reported: it stopped inside its only epoch');
    assert.equal((await run(pool, unit())).length, 2, 'the same worker goes on (it was not ended)');
  } finally {
    await pool.close();
  }
});

test('a cohort unit trains several curves in one worker call when the trainer can', async () => {
  const pool = new TrialPool({ workers: 1 });
  try {
    const members = [0.01, 0.02, 0.03].map((max_lr, i) => ({ trialId: i + 1, number: i + 1, attempt: 1, repeat: 0, params: { ...params, max_lr } }));
    await assert.rejects(pool.start(unit({ members }), () => {}).done, /this trainer cannot train cohorts/);
  } finally {
    await pool.close();
  }
});

test('a stop that comes before the unit\'s start is seen never ends the worker thread, and a reply racing it never crashes the pool', async () => {
  // Piscina ends the thread of a task aborted after dispatch, and its reply can then reach a pool
  // that no longer knows the task: an 'error' event, which crashed the run without a listener.
  // A stop therefore only raises the unit's flag until the grace period ends.
  const pool = new TrialPool({ workers: 1 });
  const threadOf = async () => {
    const events = await run(pool, unit({ trainer: { module: fixture('thread-id.ts') }, options: {}, steps: 1 }));
    return (events.find((e) => e.type === 'point') as Extract<UnitEvent, { type: 'point' }>).point.values.val_loss;
  };
  try {
    const thread = await threadOf();
    for (let round = 0; round < 20; round++) {
      const units = Array.from({ length: 3 }, (_, i) => pool.start(unit({ steps: 2, seed: round * 3 + i }), () => {}));
      // Block this thread while the worker runs the first unit, so its events wait unread when the stop comes.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5 + (round % 4) * 5);
      for (const u of units) u.stop('interrupted: the run was stopped');
      const outcomes = await Promise.allSettled(units.map((u) => u.done));
      for (const o of outcomes) if (o.status === 'rejected') assert.ok(o.reason instanceof UnitStopped, String(o.reason));
    }
    assert.equal(await threadOf(), thread, 'the same worker thread goes on');
  } finally {
    await pool.close();
  }
});
