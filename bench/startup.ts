// Benchmark: how long a command takes as a whole process, start to exit, against bare `node -e 0`
// (issue 15: "commands that start at once"). Target: --version, curve without --plot, status,
// best and trials each within 4x of `node -e 0`. For scale, a bare yargs CLI (yargs imported,
// one command, --version) is printed too: the floor any yargs CLI pays.
// The compiled CLI is run the way its shebang runs it (`node --single-threaded-gc dist/src/cli.js`),
// on a database a tiny quadratic sweep writes first. Each run of a command follows a run of
// `node -e 0`, and its ratio is taken to that one, so load that drifts on a shared machine hits
// both alike; each figure is the median of its runs (times) or of its paired ratios.

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, verdict } from './measure.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CLI = join(ROOT, 'dist/src/cli.js');
const SWEEP = join(ROOT, 'test/fixtures/sweeps/tiny-quadratic.yaml');
const ROUNDS = 9;
const WARMUP = 2;
const TARGET = 4;

interface Case {
  name: string;
  args: string[];
  /** Held to the target (the others are printed for scale). */
  target: boolean;
}

const lrsweep = (...args: string[]) => ['--single-threaded-gc', CLI, ...args];

const BARE: Case = { name: 'node -e 0', args: ['-e', '0'], target: false };

const CASES: Case[] = [
  { name: 'bare yargs CLI --version', args: ['--input-type=module', '-e', "import yargs from 'yargs'; import { hideBin } from 'yargs/helpers'; yargs(hideBin(process.argv)).command('x', 'x').version('1.0.0').parse();", '--', '--version'], target: false },
  { name: 'lrsweep --version', args: lrsweep('--version'), target: true },
  { name: 'lrsweep curve (summary, 10^4 steps)', args: lrsweep('curve', '--steps', '10000', '--first-cycle-steps', '1000'), target: true },
  { name: 'lrsweep status', args: lrsweep('status'), target: true },
  { name: 'lrsweep best NAME', args: lrsweep('best', 'tiny-quadratic'), target: true },
  { name: 'lrsweep trials NAME', args: lrsweep('trials', 'tiny-quadratic'), target: true },
  { name: 'lrsweep --help', args: lrsweep('--help'), target: false },
];

function runOnce(c: Case, cwd: string): number {
  // yargs resolves from the working directory for the bare CLI: run that one from the checkout.
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, c.args, { cwd: c.name.startsWith('bare') ? ROOT : cwd, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}: ${r.stderr}`);
  return ms;
}

export function benchStartup(): void {
  console.log(`\n== Start-up: whole process, median of ${ROUNDS} runs, each against a node -e 0 run just before it (target: within ${TARGET}x) ==`);
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-bench-startup-'));
  try {
    copyFileSync(SWEEP, join(dir, 'sweep.yaml'));
    const made = spawnSync(process.execPath, lrsweep('run', 'sweep.yaml'), { cwd: dir, encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`the sweep for status/best/trials failed: ${made.stderr}`);
    const bare: number[] = [];
    const times = new Map(CASES.map((c) => [c, [] as number[]]));
    const ratios = new Map(CASES.map((c) => [c, [] as number[]]));
    for (let round = 0; round < WARMUP + ROUNDS; round++) {
      for (const c of CASES) {
        const base = runOnce(BARE, dir);
        const ms = runOnce(c, dir);
        if (round < WARMUP) continue;
        bare.push(base);
        times.get(c)!.push(ms);
        ratios.get(c)!.push(ms / base);
      }
    }
    console.log(`${BARE.name.padEnd(38)} ${median(bare).toFixed(0).padStart(5)} ms`);
    let all = true;
    for (const c of CASES) {
      const ms = median(times.get(c)!);
      const ratio = median(ratios.get(c)!);
      if (c.target) all &&= ratio <= TARGET;
      const mark = c.target ? `  ${verdict(ratio <= TARGET)}` : '';
      console.log(`${c.name.padEnd(38)} ${ms.toFixed(0).padStart(5)} ms  ${ratio.toFixed(2).padStart(5)}x${mark}`);
    }
    console.log(`start-up: every command within ${TARGET}x of node -e 0: ${verdict(all)}`);
    // Other work on the machine slows a whole lrsweep process more than a bare node's: say so.
    const load = loadavg()[0];
    if (load > availableParallelism()) console.log(`(the machine was busy: load average ${load.toFixed(1)} on ${availableParallelism()} cores; ratios read high, run again when it is idle)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
