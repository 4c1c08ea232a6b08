// Whether a run (a `lrsweep run`, or one sweep of a `lrsweep worker`) is alive. A run renews its
// heartbeat every HEARTBEAT_MS: that heartbeat is the lease on every trial it holds, and lapses
// after STALE_MS (at once on this host when the run's process is gone). The trials of a dead run
// are stale, and are run again (storage recoverTrials); a run found dead learns it at its next
// heartbeat, and its late writes are dropped.

import { hostname } from 'node:os';
import type { RecoverOptions, Recovered, RunRecord, Storage } from '../storage/types.js';
import type { ProcessRecord } from '../train/command/index.js';

export const HEARTBEAT_MS = 5_000;
/** A run on another host is presumed dead when its heartbeat is older than this (its lease lapsed). */
export const STALE_MS = 60_000;

export interface Liveness {
  /** The runs this process has open (a worker has one per sweep): alive. */
  own?: ReadonlySet<number>;
  /**
   * A store shared by machines (PostgreSQL): two machines may share a host name (containers,
   * cloned VMs), so a pid that is gone here proves nothing until the heartbeat is also late.
   */
  shared?: boolean;
}

/**
 * Whether the run that holds trials is still alive (else its trials are stale and re-run). A run
 * on another host is alive while its heartbeat is younger than STALE_MS (ages are the store's,
 * heartbeatAgeMs, so hosts whose clocks differ agree); a run on this host while its process is.
 * In a shared store two machines may share a host name (containers, cloned VMs), and a pid may be
 * recycled: there a run on this host is dead only once its heartbeat is also two beats late, and
 * always once it is older than STALE_MS. In a local store (SQLite) the pid alone decides, so a
 * run that is merely suspended (Ctrl-Z) keeps its trials.
 */
export function isRunAlive(run: RunRecord, o: Liveness = {}): boolean {
  if (o.own?.has(run.id)) return true;
  if (run.host !== hostname()) return run.heartbeatAgeMs < STALE_MS;
  if (o.shared && run.heartbeatAgeMs > STALE_MS) return false;
  let gone: boolean;
  if (run.pid === process.pid) gone = true; // our pid but not one of our open runs: it ended badly
  else {
    try {
      process.kill(run.pid, 0);
      gone = false;
    } catch (e) {
      // EPERM: the process exists but belongs to another user, so it is alive; ESRCH: gone.
      gone = (e as NodeJS.ErrnoException).code !== 'EPERM';
    }
  }
  return !gone || (o.shared === true && run.heartbeatAgeMs < 2 * HEARTBEAT_MS);
}

/** From SIGTERM to SIGKILL for a group a dead run left, when the sweep's trainer does not say (its kill_grace). */
const LEFTOVER_GRACE_MS = 10_000;

export interface LeftoverOptions {
  onNotice?: (message: string) => void;
  /** From SIGTERM to SIGKILL: the command trainer's kill_grace. */
  graceMs?: number;
}

/** Ends the processes (command trainers) that a dead run left running, before their trials run again. */
async function endLeftovers(processes: unknown[], o: LeftoverOptions = {}): Promise<void> {
  if (processes.length === 0) return;
  // Loaded here: `status` asks isRunAlive, and starts without the command trainer's modules.
  const { endOrphans } = await import('../train/command/index.js');
  const report = await endOrphans(processes as ProcessRecord[], o.graceMs ?? LEFTOVER_GRACE_MS);
  for (const e of report.ended) {
    o.onNotice?.(`ended ${e.processes} process${e.processes === 1 ? '' : 'es'} of process group ${e.record.pgid}, left running by a run that died`);
  }
}

/**
 * Ends the process groups that the sweep's dead runs left running, changing nothing stored: the
 * records stay until recoverTrials takes the trials back. What a worker does as it starts and at
 * its heartbeats, busy or not.
 */
export async function endStaleGroups(storage: Storage, sweepId: number, alive: (run: RunRecord) => boolean, o: LeftoverOptions = {}): Promise<void> {
  await endLeftovers(await storage.staleProcesses(sweepId, alive), o);
}

/**
 * Takes back the sweep's stale trials (storage recoverTrials), having first ended the process
 * groups their dead runs left: recoverTrials clears the records, so they are cleared only once
 * those groups are gone, and a caller stopped while it waits (a second Ctrl-C) leaves them for
 * the next run or worker. Groups of a run found dead between the two steps are ended after.
 */
export async function recoverSweep(storage: Storage, sweepId: number, alive: (run: RunRecord) => boolean, options: RecoverOptions = {},
  o: LeftoverOptions = {}): Promise<Recovered> {
  await endStaleGroups(storage, sweepId, alive, o);
  const recovered = await storage.recoverTrials(sweepId, alive, options);
  await endLeftovers(recovered.processes, o);
  return recovered;
}

/** A command trainer's kill_grace in ms, for the groups a dead run of its sweep left; undefined for other trainers. */
export function leftoverGraceMs(runner: { kind: string; options?: unknown }): number | undefined {
  const grace = runner.kind === 'command' ? (runner.options as { kill_grace?: unknown }).kill_grace : undefined;
  return typeof grace === 'number' ? grace * 1000 : undefined;
}
