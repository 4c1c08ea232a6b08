// Whether a run (a `lrsweep run`, or one sweep of a `lrsweep worker`) is alive. A run renews its
// heartbeat every HEARTBEAT_MS: that heartbeat is the lease on every trial it holds. A run on this
// host is alive while its process is; a run on another host while its heartbeat is younger than
// STALE_MS. The trials of a dead run are stale, and are run again (storage recoverTrials).

import { hostname } from 'node:os';
import type { RunRecord } from '../storage/types.js';
import { endOrphans, type ProcessRecord } from '../train/command/index.js';

export const HEARTBEAT_MS = 5_000;
/** A run on another host is presumed dead when its heartbeat is older than this (its lease lapsed). */
export const STALE_MS = 60_000;

/**
 * Whether the run that holds trials is still alive (else its trials are stale and re-run). `own`:
 * the runs this process has open (a worker has one per sweep), which are alive.
 */
export function isRunAlive(run: RunRecord, own: ReadonlySet<number> = new Set()): boolean {
  if (own.has(run.id)) return true;
  if (run.host === hostname()) {
    // Our own pid but not one of our open runs: a recycled pid, or a run of this process that ended badly.
    if (run.pid === process.pid) return false;
    try {
      process.kill(run.pid, 0);
      return true;
    } catch (e) {
      // EPERM: the process exists but belongs to another user, so it is alive; ESRCH: gone.
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  return Date.now() - Date.parse(run.heartbeatAt) < STALE_MS;
}

/** Ends the processes (command trainers) that a dead run left running, before their trials run again. */
export async function endLeftovers(processes: unknown[], onNotice?: (message: string) => void): Promise<void> {
  if (processes.length === 0) return;
  const report = await endOrphans(processes as ProcessRecord[], 10_000);
  for (const e of report.ended) {
    onNotice?.(`ended ${e.processes} process${e.processes === 1 ? '' : 'es'} of process group ${e.record.pgid}, left running by a run that died`);
  }
}
