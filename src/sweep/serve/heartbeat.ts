// The serving machine's heartbeat: every HEARTBEAT_MS it renews the lease of every session (a
// lapsed one stops its session: other workers took its trials), then reads each sweep: one
// cancelled, or whose stored definition no longer matches this machine's file, stops being
// served. (Trainer files are hashed when a run opens, not at every beat: a trainer may write
// caches into its own directories.) A database that stops answering for LOST_DB_MS aborts the
// sessions, which ends the loop with the storage error.

import { StorageError } from '../../storage/types.js';
import { HEARTBEAT_MS, STALE_MS } from '../liveness.js';
import type { Machine } from './machine.js';
import { cancel, mismatch, refuse } from './served-sweep.js';
import { endLeftovers } from './upkeep.js';

/** How long a worker whose database stopped answering retries before it gives up. */
export const LOST_DB_MS = 30_000;

export class Heartbeat {
  private timer: NodeJS.Timeout | null = null;
  /** When the database last answered a heartbeat. */
  private lastAnswer = Date.now();

  constructor(private readonly m: Machine) {}

  start(): void {
    this.timer = setInterval(() => {
      this.m.beating ??= this.beat().finally(() => (this.m.beating = null)); // one beat at a time, however slow the database
    }, HEARTBEAT_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** A storage failure in a heartbeat: once the database has not answered for LOST_DB_MS, the worker gives up. */
  private unanswered(e: unknown): void {
    if (!(e instanceof StorageError) || Date.now() - this.lastAnswer < LOST_DB_MS) return;
    for (const s of this.m.serving) s.session?.dispatcher.abort(e);
  }

  // Every lease first, each on its own; then whether a sweep was cancelled or its stored definition changed.
  private async beat(): Promise<void> {
    const { m } = this;
    for (const s of m.serving) {
      const session = s.session;
      if (!session) continue;
      try {
        const held = await m.storage.heartbeat(session.runId);
        this.lastAnswer = Date.now();
        if (!held && !session.closing && s.session === session) {
          session.lapsed = true;
          session.dispatcher.stop('interrupted: this worker was presumed dead (its lease lapsed)');
          m.o.onNotice?.(`sweep ${s.item.sweep.name}: this worker's lease lapsed (no heartbeat for ${STALE_MS / 1000} s): other workers took its trials; it takes new ones`);
        }
      } catch (e) {
        this.unanswered(e);
      }
    }
    for (const s of m.serving) {
      const session = s.session;
      if (!session || session.closing) continue;
      try {
        const record = await m.storage.getSweep(s.item.record.name);
        this.lastAnswer = Date.now();
        if (s.session !== session) continue;
        if (record?.status === 'cancelled') cancel(m, s);
        const why = await mismatch(s, record, false);
        if (why) refuse(m, s, why);
      } catch (e) {
        this.unanswered(e);
      }
    }
    for (const s of m.serving) if (s.state === 'serving') endLeftovers(m, s);
  }
}
