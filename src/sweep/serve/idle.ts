// A pass of the serve loop that found no work: each sweep not served is served again once it was
// run again and this machine's files match; a sweep cancelled meanwhile has its session closed;
// every served sweep gets its queue upkeep (upkeep.ts). Says how many trials are left to wait for.

import type { Machine } from './machine.js';
import { cancel, mismatch, reportProgress } from './served-sweep.js';
import { closeSession } from './session.js';
import { keepUp } from './upkeep.js';

/** Trial states a worker still has to bring to an end: what keeps a worker without --wait going. */
const OPEN = ['waiting', 'queued', 'running', 'interrupted'] as const;

/** The idle pass over every sweep; returns how many of their trials are waiting, queued, running or interrupted. */
export async function idlePass(m: Machine): Promise<number> {
  let left = 0;
  for (const s of m.serving) {
    const record = await m.storage.getSweep(s.item.record.name);
    if (!record) continue;
    if (s.state !== 'serving') {
      // Cancelled, or refused: serve it again once it was run again and this machine's files match.
      if (s.untrusted || record.status !== 'active' || (await mismatch(s, record, true)) !== null) continue;
      s.state = 'serving';
      s.refusal = null;
      m.o.onNotice?.(`sweep ${s.item.sweep.name}: serving it again`);
    }
    if (record.status === 'cancelled') {
      cancel(m, s);
      if (s.session) await closeSession(m, s, 'interrupted', false);
      continue;
    }
    await keepUp(m, s);
    left += OPEN.reduce((n, state) => n + s.counts[state], 0);
    reportProgress(m, s);
  }
  return left;
}
