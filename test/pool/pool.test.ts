// The pool on its own: outcomes, a worker's error as the task's rejection, timeouts and stops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrialPool, TrialStopped, TrialTimeout } from '../../src/pool/pool.js';
import type { TrialTask } from '../../src/pool/messages.js';

const quadratic = (dim: number, steps: number, seed = 1): TrialTask => ({
  trialId: seed, seed, backend: 'wasm', steps,
  trainer: { kind: 'quadratic', dim, epochs: 1, steps_per_epoch: steps, noise: 0.1, curvature: 10, condition: 100 },
  schedule: { schedule: 'cawr', firstCycleSteps: 10, maxLr: 0.01, minLr: 0.001 },
});

test('a task comes back with its epochs; an error in the worker rejects that task only', async () => {
  const pool = new TrialPool({ workers: 2 });
  try {
    const ok = await pool.run(quadratic(4, 50));
    assert.equal(ok.epochs.length, 1);
    assert.equal(ok.epochs[0].lr, 0.001 + (0.01 - 0.001) * (1 + Math.cos((Math.PI * 9) / 10)) / 2);
    await assert.rejects(pool.run(quadratic(1e12, 10)), /Invalid typed array length/);
    assert.equal((await pool.run(quadratic(4, 50, 2))).epochs.length, 1, 'the pool goes on');
  } finally {
    await pool.close();
  }
});

test('trial_timeout counts from the start of the trial, not its time in the queue', async () => {
  const pool = new TrialPool({ workers: 1, trialTimeout: 0.5 });
  try {
    await pool.run(quadratic(2000, 100)); // warm the worker
    // 16 trials of some tens of ms on one worker: the last waits far longer than 0.5 s in the queue.
    const results = await Promise.allSettled(Array.from({ length: 16 }, (_, i) => pool.run(quadratic(200, 1000, i))));
    assert.deepEqual(results.map((r) => r.status), Array(16).fill('fulfilled'));
    await assert.rejects(pool.run(quadratic(2000, 100_000)), (e: Error) => e instanceof TrialTimeout && e.message === 'trial_timeout: the trial ran longer than 0.5 s');
    assert.equal((await pool.run(quadratic(4, 10))).epochs.length, 1, 'a new worker replaces the one that timed out');
  } finally {
    await pool.close();
  }
});

test('stopAll rejects the tasks in flight as stopped', async () => {
  const pool = new TrialPool({ workers: 1 });
  try {
    await pool.run(quadratic(4, 10));
    const long = pool.run(quadratic(2000, 100_000));
    setTimeout(() => pool.stopAll(), 100);
    await assert.rejects(long, (e: Error) => e instanceof TrialStopped);
  } finally {
    await pool.close();
  }
});
