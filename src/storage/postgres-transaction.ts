// One transaction on a connection of a pool: the storage's (postgres.ts) and its queue's
// (postgres-queue.ts). Retries and error wording stay with each caller.

import type { Pool, PoolClient } from 'pg';

/**
 * fn in one transaction on a connection of `pool`: committed when fn returns, rolled back when it
 * throws (the error is rethrown). A connection that `lost` says is gone, or whose ROLLBACK fails,
 * is destroyed instead of going back to the pool.
 */
export async function inTransaction<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>, lost: (e: unknown) => boolean = () => false): Promise<T> {
  const c = await pool.connect();
  let broken = false;
  try {
    await c.query('BEGIN');
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (e) {
    broken = lost(e);
    if (!broken) await c.query('ROLLBACK').catch(() => { broken = true; });
    throw e;
  } finally {
    c.release(broken);
  }
}
