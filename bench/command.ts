// Benchmark: the command trainer's own cost per trial, beyond the command's run time. The
// command prints one metrics line and exits (sh, not Python, whose start-up jitter is larger than
// the target). Baseline: spawning the same command bare with child_process and reading its
// output, the cost no runner can avoid. The difference is lrsweep's: lr.npy and trial.json, the
// log, the process group record, metrics parsing, and the check that the group is gone.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The compiled product, as users run it.
import { runCommandTrial } from '../dist/src/train/command/run.js';
import { prepareTrialDir, trialDir } from '../dist/src/train/command/trial-dir.js';
import { median, verdict } from './measure.js';

const COMMAND = ['sh', '-c', 'echo \'{"epoch":1,"val_loss":0.5}\''];
const STEPS = 1200;
const TRIALS = 200;
const PARAMS = { schedule: 'cawr', first_cycle_steps: 100, cycle_mult: 1.5, max_lr: 0.1, min_lr: 0.001, warmup_steps: 10, gamma: 0.9 };

function bare(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(COMMAND[0], COMMAND.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 && out.includes('val_loss') ? resolve() : reject(new Error(`bare command failed: ${code}`))));
  });
}

export async function benchCommand(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'lrsweep-bench-command-'));
  const options = { kind: 'command' as const, run: COMMAND, steps: STEPS, metrics: ['val_loss'], goals: {}, cwd: root, env: {}, files: [], kill_grace: 10, cleanup: 'lr' as const };
  let n = 0;
  const trial = () => ({ sweep: 'bench', number: ++n, attempt: 1, repeat: 0, seed: n, steps: STEPS, params: PARAMS, dir: trialDir(root, 'bench', n), slot: 0 });
  const wrapped = async () => {
    const r = await runCommandTrial(options, trial());
    if (r.exitCode !== 0 || r.points.length !== 1) throw new Error(`command trial failed: ${JSON.stringify(r)}`);
  };
  const time = async (fn: () => Promise<unknown>, out: number[], count: number) => {
    for (let i = 0; i < count; i++) {
      const t = process.hrtime.bigint();
      await fn();
      out.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  };
  const warm: number[] = [];
  await time(bare, warm, 10);
  await time(wrapped, warm, 10);

  // Bare and lrsweep alternate trial by trial, so drift on a shared machine hits both alike; the
  // overhead is the median of the paired differences.
  const bareMs: number[] = [];
  const lrsweepMs: number[] = [];
  const prepareMs: number[] = [];
  for (let i = 0; i < TRIALS; i++) {
    await time(bare, bareMs, 1);
    await time(wrapped, lrsweepMs, 1);
    await time(() => prepareTrialDir(trial()), prepareMs, 1);
  }
  rmSync(root, { recursive: true, force: true });

  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const overhead = median(lrsweepMs.map((ms, i) => ms - bareMs[i]));
  console.log(`\n== Command trainer overhead: ${TRIALS} trials in sequence of \`sh -c 'echo {"epoch":1,"val_loss":0.5}'\`, ${STEPS}-step curves ==`);
  console.log(`bare spawn (child_process, read stdout):  median ${median(bareMs).toFixed(2)} ms, mean ${mean(bareMs).toFixed(2)} ms per command`);
  console.log(`runCommandTrial:                          median ${median(lrsweepMs).toFixed(2)} ms, mean ${mean(lrsweepMs).toFixed(2)} ms per trial`);
  console.log(`  of which lr.npy + trial.json:           median ${median(prepareMs).toFixed(2)} ms`);
  console.log(`overhead per trial: ${overhead.toFixed(2)} ms (median of paired differences; target < 30 ms: ${verdict(overhead < 30)})`);
}
