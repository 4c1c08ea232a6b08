// The trial queue (pg-boss 10.4) on the real server: enqueue adds one job per unit key among the
// jobs not yet over, whatever their state, and nothing for a cancelled sweep; fetch, retry,
// complete and cancelWaiting move jobs as the workers rely on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPostgres } from '../../src/storage/postgres.js';
import { queueName, PgBossQueue } from '../../src/storage/postgres-queue.js';
import { freshSchema, schemaUrl, sql, withPostgres } from './pg-server.js';

const unit = (key: string, ...trialIds: number[]) => ({ key, trialIds, order: trialIds[0] });

withPostgres(() => {
  test('queue: enqueue is idempotent across job states, skips a cancelled sweep, and cancelWaiting drops only jobs no worker took', async () => {
    const schema = freshSchema();
    const url = schemaUrl(schema);
    const storage = await openPostgres(url, { mode: 'write' });
    const sweep = await storage.createSweep({ name: 'q', definition: {}, file: null, metric: 'val_loss', goal: 'minimize', steps: 10, trainerHash: null });
    const queue = await PgBossQueue.open(url);
    const states = async () => Object.fromEntries((await sql<{ state: string; n: number }>(
      'SELECT state::text, COUNT(*)::int AS n FROM job WHERE name = $1 GROUP BY state', [queueName(sweep.id)], schema)).map((r) => [r.state, r.n]));
    try {
      assert.equal(await queue.enqueue(sweep.id, [unit('c', 3, 4), unit('b', 2), unit('a', 1), unit('a', 1)]), 4, 'trials of the new units, a repeated key once');
      assert.equal(await queue.enqueue(sweep.id, [unit('a', 1), unit('b', 2), unit('c', 3, 4)]), 0);
      const [first, second] = await queue.fetch(sweep.id, 2);
      assert.deepEqual([first.trialIds, second.trialIds], [[1], [2]], 'lowest order first');
      await queue.retry(sweep.id, [first.id]);
      await queue.complete(sweep.id, [second.id]);
      assert.deepEqual(await states(), { created: 1, retry: 1, completed: 1 });
      // A job waiting to be retried (a) or created (c) holds its key; a completed one (b) does not.
      assert.equal(await queue.enqueue(sweep.id, [unit('a', 1), unit('b', 2), unit('c', 3, 4)]), 1);
      assert.deepEqual(await queue.depth(sweep.id), { waiting: 3, active: 0 });
      const [taken] = await queue.fetch(sweep.id, 1);
      await storage.setSweepStatus(sweep.id, 'cancelled');
      await queue.cancelWaiting(sweep.id);
      assert.deepEqual(await queue.depth(sweep.id), { waiting: 0, active: 1 }, 'the taken job stays with its worker');
      assert.equal(await queue.enqueue(sweep.id, [unit('d', 5)]), 0, 'a cancelled sweep gets no new job');
      assert.deepEqual((await queue.taken(sweep.id, 0)).map((j) => j.id), [taken.id]);
      assert.deepEqual(await queue.taken(sweep.id, 60_000), [], 'not taken a minute ago');
      // A batch comes back in order, whatever order the server's UPDATE ... RETURNING gives (for
      // rows written last-first it tends to give them last-first).
      const other = await storage.createSweep({ name: 'q2', definition: {}, file: null, metric: 'val_loss', goal: 'minimize', steps: 10, trainerHash: null });
      const ids = Array.from({ length: 12 }, (_, i) => 12 - i);
      for (const id of ids) await queue.enqueue(other.id, [unit(`k${id}`, id)]);
      const batch = await queue.fetch(other.id, 12);
      assert.deepEqual(batch.map((j) => j.trialIds[0]), [...ids].reverse(), 'a batch in trial order');
    } finally {
      await queue.close();
      await storage.close();
    }
  });

  test('queue: reorder gives jobs no worker took the priority of their trials\' lowest claim rank (cancel and insert, same keys); taken jobs stay', async () => {
    const schema = freshSchema();
    const url = schemaUrl(schema);
    const storage = await openPostgres(url, { mode: 'write' });
    const sweep = await storage.createSweep({ name: 'r', definition: {}, file: null, metric: 'val_loss', goal: 'minimize', steps: 10, trainerHash: null });
    const queue = await PgBossQueue.open(url);
    try {
      await queue.enqueue(sweep.id, [unit('a', 1), unit('b', 2), unit('c', 3), unit('d', 4, 5), unit('e', 6)]);
      const [taken] = await queue.fetch(sweep.id, 1);
      assert.deepEqual(taken.trialIds, [1]);
      // Trial 6 and then the cohort holding 5 go first; 1 is taken (left alone); 2 and 3 keep their ranks.
      const ranks = new Map([[1, -3], [6, -2], [5, -1], [4, 4], [2, 2], [3, 3]]);
      assert.equal(await queue.reorder(sweep.id, ranks), 2);
      assert.equal(await queue.reorder(sweep.id, ranks), 0, 'again: nothing to move');
      assert.equal(await queue.enqueue(sweep.id, [unit('d', 4, 5), unit('e', 6)]), 0, 'the keys are held by the new jobs');
      assert.deepEqual((await queue.fetch(sweep.id, 10)).map((j) => j.trialIds), [[6], [4, 5], [2], [3]]);
      assert.deepEqual((await queue.taken(sweep.id, 0)).map((j) => j.id).includes(taken.id), true);
    } finally {
      await queue.close();
      await storage.close();
    }
  });
});
