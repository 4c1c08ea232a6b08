// Shared by the command trainer's tests: options with defaults, a trial in a fresh folder, the
// Python that has a given module, and what /proc says about a process group.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandTrainerOptions } from '../../../src/train/command/options.js';
import type { CommandTrial } from '../../../src/train/command/trial-dir.js';

export function tempDir(prefix = 'lrsweep-command-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

// The command's folder is a fresh one: in the shared temp folder a stray enum.py or json.py left by
// anything else shadows Python's standard library for `python -c` (its path starts at the cwd).
export function commandOptions(run: string[], more: Partial<CommandTrainerOptions> = {}): CommandTrainerOptions {
  return { kind: 'command', run, steps: 50, metrics: ['val_loss'], goals: {}, cwd: tempDir('lrsweep-cwd-'), env: {}, files: [], kill_grace: 10, cleanup: 'lr', ...more };
}

export const PARAMS = { schedule: 'cawr', first_cycle_steps: 37, cycle_mult: 1.5, max_lr: 0.1, min_lr: 0.001, warmup_steps: 5, gamma: 0.9 };

export function commandTrial(more: Partial<CommandTrial> = {}): CommandTrial {
  return { sweep: 'test', number: 7, attempt: 1, repeat: 0, seed: 1234, steps: 50, params: PARAMS, dir: join(tempDir(), 'test', '7'), slot: 1, ...more };
}

/** The first of Debian's /usr/bin/python3 and the `python3` on PATH that imports every module, or null. */
export function pythonWith(...modules: string[]): string | null {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const probe = spawnSync(python, ['-c', modules.map((m) => `import ${m}`).join('; ') || 'pass'], { stdio: 'ignore', timeout: 60_000 });
    if (probe.status === 0) return python;
  }
  return null;
}

/** Live (non-zombie) processes whose process group is pgid, read straight from /proc. */
export function processesInGroup(pgid: number): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'latin1');
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') found.push(Number(name));
  }
  return found;
}

export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
