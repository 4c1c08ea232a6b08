// Never an orphan. A runner killed with kill -9 cannot signal its commands, which then run on
// (or hold a GPU) with nobody reading their output. So each command's process group is recorded
// when it starts (the runner stores the record before it waits on the command), and the next run
// of the sweep ends every recorded group that is still alive on this machine.
//
// A record names one group for certain: host and boot id (the same machine, not rebooted since),
// the group id, and the start time of its leader (/proc/<pid>/stat field 22). A pid that was
// reused by an unrelated process has another start time and is left alone. When the leader is
// gone but members remain, the group id cannot have been reused (Linux keeps a pid allocated
// while any process has it as its group id), so those members are ours.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { endGroup, liveMembers, procStat } from './process-group.js';

export interface ProcessRecord {
  host: string;
  /** /proc/sys/kernel/random/boot_id: start times count from boot, so they only compare within one boot. */
  bootId: string;
  pgid: number;
  /** The leader's start time in clock ticks after boot; null where /proc is missing (not Linux). */
  startTime: number | null;
}

let cachedBootId: string | undefined;
function bootId(): string {
  if (cachedBootId === undefined) {
    try {
      cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      cachedBootId = '';
    }
  }
  return cachedBootId;
}

/**
 * The record of a group whose leader is `pid`. Call it synchronously right after spawn(): the
 * leader cannot have been reaped yet (that happens on a later turn of the event loop), so its
 * /proc entry is there even if it has already exited.
 */
export function processRecord(pid: number): ProcessRecord {
  return { host: hostname(), bootId: bootId(), pgid: pid, startTime: procStat(pid)?.startTime ?? null };
}

export interface OrphanReport {
  /** Groups that had live processes and were ended. */
  ended: { record: ProcessRecord; processes: number; signal: 'SIGTERM' | 'SIGKILL'; survivors: number }[];
  /** Records that could not be checked here, with why (another host, another boot, no /proc). */
  skipped: { record: ProcessRecord; reason: string }[];
}

/**
 * Ends every recorded group on this machine that is still alive: SIGTERM, then SIGKILL after
 * `graceMs`. Groups already gone are neither ended nor skipped. Resolves when all are gone.
 */
export async function endOrphans(records: readonly ProcessRecord[], graceMs: number): Promise<OrphanReport> {
  const report: OrphanReport = { ended: [], skipped: [] };
  const here = hostname();
  const ours: ProcessRecord[] = [];
  for (const record of records) {
    if (record.host !== here) report.skipped.push({ record, reason: `started on host ${record.host}, this is ${here}` });
    else if (record.bootId !== bootId()) report.skipped.push({ record, reason: 'started before this machine last booted: gone with the reboot' });
    else if (record.startTime === null) report.skipped.push({ record, reason: 'no start time recorded (no /proc): cannot tell it from a reused pid' });
    else if (isOurs(record)) ours.push(record);
  }
  await Promise.all(ours.map(async (record) => {
    const ended = await endGroup(record.pgid, graceMs);
    if (ended) report.ended.push({ record, ...ended });
  }));
  return report;
}

/** Whether live processes of the recorded group are running now. */
function isOurs(record: ProcessRecord): boolean {
  const leader = procStat(record.pgid);
  if (leader) {
    // The pid is taken: by our leader (alive or a zombie whose group lives on), or by another process.
    return leader.startTime === record.startTime && liveMembers(record.pgid).length > 0;
  }
  // Leader gone; members that outlived it still carry the group id, which cannot have been reused.
  return liveMembers(record.pgid).some((p) => p.startTime >= record.startTime!);
}
