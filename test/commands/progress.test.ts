// What `run` and `worker` show while they work (progress in training steps, so a cohort in
// training moves it before any trial ends), and Ctrl-C while the sweep file's data is checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyCounts } from '../../src/core/trial.js';
import { progressText } from '../../src/commands/run.js';
import { workerProgressText } from '../../src/commands/worker.js';
import type { Progress } from '../../src/sweep/run.js';
import { startCli } from '../helpers/cli.js';
import { skipOrFail } from '../helpers/skip.js';

const workspace = () => mkdtempSync(join(tmpdir(), 'lrsweep-progress-'));

test('the progress line counts steps, with the trials complete beside them; trials when steps cannot be counted', () => {
  const p: Progress = {
    counts: { ...emptyCounts(), complete: 1, running: 3, waiting: 4 }, total: 8, doneThisRun: 1, toRunThisRun: 8, elapsedSeconds: 40, bestTrial: 0.25,
    reached: { epochs: [2, 3], steps: null }, steps: { total: 8000, done: 1000 + 2400, doneThisRun: 3400, toRunThisRun: 8000 },
  };
  assert.equal(progressText(p),
    'steps 3,400/8,000 (42%) | trials 1/8 complete | 0 failed | 0 diverged | 3 running (at epochs 2-3), 0 queued | best trial 0.25 | 40s elapsed | ETA 54s');
  assert.equal(progressText({ ...p, steps: null }),
    'trials 1/8 complete | 0 failed | 0 diverged | 3 running (at epochs 2-3), 0 queued | best trial 0.25 | 40s elapsed | ETA 280s');
  // The worker's line shows queued trials too (claimed by some worker, not started).
  const w = { counts: { ...p.counts, waiting: 2, queued: 2 }, reached: p.reached, ranHere: 1, bestTrial: null, stepsInFlight: 2400, stepsPerTrial: 1000 };
  assert.equal(workerProgressText(w), 'steps 3,400/8,000 | 1 complete, 3 running (at epochs 2-3), 2 queued, 2 waiting | 1 ended on this worker');
  assert.equal(workerProgressText({ ...w, stepsInFlight: null }), '1 complete, 3 running (at epochs 2-3), 2 queued, 2 waiting | 1 ended on this worker');
});

test('a cohort in training shows its steps before any of its trials ends (the log line, stderr not a terminal), with an ETA from the step rate', async () => {
  const dir = workspace();
  // A cohort trainer that says its steps per epoch: 40 epochs of 10 steps, one epoch each 0.5 s.
  writeFileSync(join(dir, 'epochs.mjs'), `export default {
  metrics: { val_loss: 'minimize' },
  usesTf: false,
  steps: () => 400,
  stepsPerEpoch: () => 10,
  async train() { throw new Error('trained alone'); },
  async trainCohort(ctx) {
    for (let epoch = 1; epoch <= 40; epoch++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      if (ctx.signal.aborted) throw new Error('stopped');
      ctx.curves.forEach((curve, k) => ctx.report(k, { epoch }, { val_loss: 1 / epoch }));
    }
  },
};
`);
  const file = join(dir, 'cohort.yaml');
  writeFileSync(file, 'name: cohort\nschedule: { first_cycle_steps: 400 }\nparameters: { max_lr: { values: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6] } }\n' +
    'trainer: { kind: module, path: ./epochs.mjs }\nbudget: { cohort_size: 3, workers: 1 }\n');
  const { child, done, out } = startCli(['run', file, '--no-lint'], dir);
  const lines = () => out().stderr.split('\n').filter((l) => l.startsWith('steps '));
  // The first line comes at the start, the next one 10 s later: by then the cohort has reported epochs.
  const end = Date.now() + 120_000;
  while (lines().length < 2) {
    assert.ok(Date.now() < end, `a second progress line: ${out().stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGINT');
  assert.equal(await done, 130, out().stderr);
  const [first, second] = lines();
  assert.match(first, /^steps 0\/2,400 \(0%\) \| trials 0\/6 complete \| /);
  const m = /^steps (\d+)\/2,400 \(\d+%\) \| trials 0\/6 complete \| 0 failed \| 0 diverged \| 3 running \(at epochs? (\d+)(?:-(\d+))?\), 3 queued \| .* \| ETA (\d+)s$/.exec(second);
  assert.ok(m, `the second line: ${second}`);
  const [steps, lo, hi] = [Number(m[1]), Number(m[2]), Number(m[3] ?? m[2])];
  // Each of the 3 members: its epoch x 10 steps (one member may be an epoch ahead of its mates).
  assert.ok(steps > 0 && steps >= 3 * lo * 10 && steps <= 3 * hi * 10, `steps ${steps} for 3 members at epochs ${lo}-${hi}`);
  assert.ok(Number(m[4]) > 0, 'an ETA from the steps so far');
});

test('Ctrl-C while the sweep file\'s CSV is parsed ends the process at once (by the signal: a shell sees 130), and nothing is written', async (t) => {
  if (skipOrFail(t, !existsSync('/proc/self/io') && 'no /proc/PID/io on this system (it tells when the CSV has been read)')) return;
  const dir = workspace();
  // About 30 MB of CSV: read in a moment, then parsed for seconds in one synchronous call.
  const rows = 'f0,f1,f2,f3,f4,f5,f6,f7,f8,f9,y\n' + '0.5,1.25,2.5,3.75,4.5,5.25,6.5,7.75,8.5,9.25,a\n1.5,0.25,2.5,3.75,4.5,5.25,6.5,7.75,8.5,9.25,b\n'.repeat(320_000);
  writeFileSync(join(dir, 'big.csv'), rows);
  const file = join(dir, 'big.yaml');
  writeFileSync(file, 'name: big\nschedule: { first_cycle_steps: 6, max_lr: 0.3, min_lr: 0.01 }\nparameters: { cycle_mult: { values: [1, 2] } }\n' +
    'trainer: { kind: mlp, dataset: { csv: big.csv, label: y }, hidden: [8], epochs: 1, batch_size: 64 }\n');
  const db = join(dir, 'sweep.db');
  const { child, done, out } = startCli(['run', file, '--db', db], dir);
  const ended = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  // Bytes the process has read (its modules too, about 3 MB): past the CSV's size, it has read the
  // CSV and is parsing it.
  const read = () => {
    try {
      return Number(/^rchar: (\d+)$/m.exec(readFileSync(`/proc/${child.pid}/io`, 'utf8'))?.[1] ?? 0);
    } catch {
      return 0;
    }
  };
  const end = Date.now() + 120_000;
  while (read() < rows.length) {
    assert.ok(Date.now() < end && child.exitCode === null, `the CSV is read: ${out().stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  child.kill('SIGINT');
  // A handler would run only once the parse returned, and then exit with 130 itself.
  assert.equal(await ended, 'SIGINT', `ended by the signal, during the parse: ${out().stderr}`);
  assert.equal(await done, -1);
  assert.equal(existsSync(db), false, 'no database');
  assert.equal(out().stdout, '');
});
