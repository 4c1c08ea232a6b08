// Process groups on Linux, read from /proc. Each command runs as the leader of its own group
// (spawned detached: setsid), so one signal to -pgid reaches everything it started, unless a
// process leaves the group on purpose (setsid, a daemon's double fork): those are out of reach.
//
// "Alive" means a process that is not a zombie. Zombies are dead and cannot be killed again; a
// container whose PID 1 does not reap orphans keeps them for ever, and kill(-pgid, 0) still
// counts them, so liveness is read from /proc, not from kill.

import { readFileSync, readdirSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
  /** Field 22: clock ticks after boot when the process started; with the pid, it names one process. */
  startTime: number;
}

/** /proc/<pid>/stat, or null when there is no such process (or no /proc). */
export function procStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may hold spaces or parentheses itself.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pid, state: rest[0], ppid: Number(rest[1]), pgrp: Number(rest[2]), startTime: Number(rest[19]) };
}

/** The live (non-zombie) processes whose process group is `pgid`. */
export function liveMembers(pgid: number): ProcStat[] {
  // Fast path: no process at all in the group (the usual case after a command exits).
  try {
    process.kill(-pgid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return [];
  }
  let pids: string[];
  try {
    pids = readdirSync('/proc');
  } catch {
    // No /proc (not Linux): kill found someone in the group; zombies cannot be told apart here.
    return [{ pid: pgid, state: '?', ppid: 0, pgrp: pgid, startTime: 0 }];
  }
  const out: ProcStat[] = [];
  for (const name of pids) {
    if (name.charCodeAt(0) > 57) continue; // not a pid
    const s = procStat(Number(name));
    if (s && s.pgrp === pgid && s.state !== 'Z' && s.state !== 'X') out.push(s);
  }
  return out;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How often a group is checked while it is being ended. */
const POLL_MS = 10;
/** After SIGKILL a process ends within a scheduler tick unless it is stuck in the kernel; give up waiting after this. */
const AFTER_KILL_MS = 5000;

export interface Ended {
  /** The last signal that had to be sent: SIGTERM when that sufficed, SIGKILL when something outlived kill_grace. */
  signal: 'SIGTERM' | 'SIGKILL';
  /** Live processes found in the group when it was signalled. */
  processes: number;
  /** Processes still alive after SIGKILL and the wait (stuck in the kernel): 0 almost always. */
  survivors: number;
}

/**
 * Ends every process of the group: SIGTERM, then SIGKILL to whatever is alive after `graceMs`.
 * Resolves when no live process is left (or AFTER_KILL_MS after SIGKILL), with what it took;
 * null when the group had no live process to begin with.
 */
export async function endGroup(pgid: number, graceMs: number): Promise<Ended | null> {
  const before = liveMembers(pgid).length;
  if (before === 0) return null;
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
    if (liveMembers(pgid).length === 0) return { signal: 'SIGTERM', processes: before, survivors: 0 };
  }
  if (liveMembers(pgid).length === 0) return { signal: 'SIGTERM', processes: before, survivors: 0 };
  signalGroup(pgid, 'SIGKILL');
  const killDeadline = Date.now() + AFTER_KILL_MS;
  let left = liveMembers(pgid).length;
  while (left > 0 && Date.now() < killDeadline) {
    await sleep(POLL_MS);
    left = liveMembers(pgid).length;
  }
  return { signal: 'SIGKILL', processes: before, survivors: left };
}
