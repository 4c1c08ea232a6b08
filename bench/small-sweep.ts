// Benchmark: where a small sweep's whole-process time goes, and how it compares with a plain
// PyTorch loop: 16 configs of the 20-64-3 MLP (momentum SGD, batch 64, 520 steps a trial), one
// worker, `lrsweep run` start to exit, beside bench/grid_torch.py training the same 16 curves
// (exported lr.npy, data, initial weights and batch order) in one process.
// The phases come from bench/small-sweep-phases.mjs (runSweep as the CLI runs it, with marks);
// the pool thread's own start-up (boot, imports, first unit's data and kernels) and the training
// alone are timed apart, in a worker thread as the pool runs them.
// Wall times, median of RUNS: this is about latency, on a machine that may be shared.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { median } from './measure.js';
import { exportSweep, runLrsweep, runTorch } from './grid.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CLI = join(ROOT, 'dist/src/cli.js');
const RUNS = 5;
const SWEEP = `name: small
schedule: { kind: cawr, first_cycle_steps: 130, max_lr: 0.1, min_lr: 0.001 }
parameters:
  cycle_mult: { values: [1, 1.5, 2, 3] }
  gamma: { values: [0.5, 0.7, 0.9, 1.0] }
method: grid
trainer:
  samples: 2080
  features: 20
  classes: 3
  hidden: [64]
  epochs: 20
  batch_size: 64
  optimizer: momentum
`;

/** Wall ms of a process, start to exit. */
function wall(args: string[], cwd?: string): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', cwd });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/**
 * In a fresh worker thread, as a pool thread: ms to boot, to import the pool's thread module,
 * then the first unit's synthetic data, the mlp kernels, and the training of the 16 curves.
 */
function poolThread(): Promise<Record<string, number>> {
  const dist = join(ROOT, 'dist/src/');
  const code = `
const { parentPort } = require('node:worker_threads');
(async () => {
  const D = ${JSON.stringify(dist)};
  const t = { booted: performance.now() };
  await import(D + 'pool/thread.js'); t.imported = performance.now();
  const { resolveSchedule } = await import(D + 'schedule/schedule.js');
  const { fromReferenceNames } = await import(D + 'schedule/params.js');
  const { MLP_DEFAULTS, mlpSteps } = await import(D + 'train/mlp-options.js');
  const { datasetFor } = await import(D + 'train/mlp-dataset.js');
  const { trainWasmCohort } = await import(D + 'train/wasm-mlp/cohort.js');
  const { mlpKernels } = await import(D + 'wasm/module.js');
  const c = { ...MLP_DEFAULTS, samples: 2080, features: 20, classes: 3, hidden: [64], epochs: 20, batch_size: 64, optimizer: 'momentum' };
  const steps = mlpSteps(c);
  const curves = [1, 1.5, 2, 3].flatMap((m) => [0.5, 0.7, 0.9, 1].map((g) => resolveSchedule(fromReferenceNames({ schedule: 'cawr', first_cycle_steps: 130, max_lr: 0.1, min_lr: 0.001, cycle_mult: m, gamma: g })).into(new Float64Array(steps))));
  t.curves = performance.now();
  const data = datasetFor(c); t.data = performance.now();
  mlpKernels(); t.kernels = performance.now();
  trainWasmCohort(c, data, 1, curves); t.trained = performance.now();
  parentPort.postMessage(t);
})();`;
  return new Promise((resolve) => {
    const spawned = performance.now();
    const w = new Worker(code, { eval: true });
    w.on('message', (t: Record<string, number>) => {
      void w.terminate();
      resolve({ boot: t.booted - spawned, imports: t.imported - t.booted, curves: t.curves - t.imported, data: t.data - t.curves, kernels: t.kernels - t.data, training: t.trained - t.kernels });
    });
  });
}

/** Ms a fresh worker thread takes to load tfjs on its wasm backend: what a pool thread on engine tfjs pays before its first step. */
function tfjsLoad(): Promise<number> {
  const code = `
const { parentPort } = require('node:worker_threads');
(async () => {
  const t0 = performance.now();
  const { loadTf } = await import(${JSON.stringify(join(ROOT, 'dist/src/train/backend.js'))});
  await loadTf('wasm');
  parentPort.postMessage(performance.now() - t0);
})();`;
  return new Promise((resolve) => {
    const w = new Worker(code, { eval: true });
    w.on('message', (ms: number) => {
      void w.terminate();
      resolve(ms);
    });
  });
}

const med = (rows: Record<string, number>[], key: string) => median(rows.map((r) => r[key]));

export async function benchSmallSweep(): Promise<void> {
  console.log(`\n== A small sweep, whole process: 16 configs of the 20-64-3 MLP (momentum SGD, batch 64, 520 steps a trial), 1 worker, engine wasm; median of ${RUNS} runs ==`);
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-small-'));
  try {
    const file = join(dir, 'small.yaml');
    writeFileSync(file, SWEEP);
    const phases: Record<string, number>[] = [];
    const whole: number[] = [];
    const bare: number[] = [];
    const version: number[] = [];
    const thread: Record<string, number>[] = [];
    const tfjs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      bare.push(wall(['-e', '0']));
      version.push(wall(['--single-threaded-gc', CLI, '--version']));
      whole.push(wall(['--single-threaded-gc', CLI, 'run', file, '--db', join(dir, `whole-${i}.db`), '--workers', '1']));
      const t = process.hrtime.bigint();
      const r = spawnSync(process.execPath, ['--single-threaded-gc', fileURLToPath(new URL('./small-sweep-phases.mjs', import.meta.url)), file, join(dir, `phases-${i}.db`), '1'], { encoding: 'utf8' });
      const exited = Number(process.hrtime.bigint() - t) / 1e6;
      if (r.status !== 0) throw new Error(`small-sweep-phases.mjs exited ${r.status}: ${r.stderr}`);
      phases.push({ ...(JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, number>), exited });
      thread.push(await poolThread());
      tfjs.push(await tfjsLoad());
    }
    const p = (k: string) => med(phases, k);
    const rows: [string, number][] = [
      ['process start (node -e 0)', median(bare)],
      ['node to the run module (node boot, then imports: dist/src/sweep/run.js)', p('imported')],
      ['sweep file checked', p('checked') - p('imported')],
      ['store opened, sweep and trials registered', p('registered') - p('checked')],
      ['first unit started in the pool', p('firstStarted') - p('registered')],
      ['until the first trial is recorded (a cohort of 16 ends together)', p('firstRecorded') - p('firstStarted')],
      ['until every trial is recorded', p('allRecorded') - p('firstRecorded')],
      ['run finished (run ended, pool and store closed)', p('returned') - p('allRecorded')],
      ['process exit', p('exited') - p('returned')],
    ];
    console.log(`lrsweep run, whole process: ${median(whole).toFixed(0)} ms (lrsweep --version: ${median(version).toFixed(0)} ms; node -e 0: ${median(bare).toFixed(0)} ms)`);
    console.log('where it goes (medians of the phase marks, ms):');
    for (const [name, ms] of rows) console.log(`  ${ms.toFixed(0).padStart(5)}  ${name}`);
    const th = (k: string) => med(thread, k);
    console.log(`a pool thread, timed apart: boot ${th('boot').toFixed(0)} ms, imports ${th('imports').toFixed(0)} ms;`
      + ` first unit: curves ${th('curves').toFixed(0)} ms, data ${th('data').toFixed(0)} ms, kernels ${th('kernels').toFixed(0)} ms, training ${th('training').toFixed(0)} ms`);
    console.log(`(a pool thread on engine tfjs would first load tfjs and its wasm backend: ${median(tfjs).toFixed(0)} ms; the wasm engine never does)`);
    console.log(`training is ${((100 * th('training')) / median(whole)).toFixed(0)}% of the whole process`);
    const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch, numpy'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) return;
    const exported = join(dir, 'export');
    mkdirSync(exported);
    await exportSweep(file, exported);
    const torch: number[] = [];
    const ours: number[] = [];
    for (let i = 0; i < 3; i++) {
      torch.push((await runTorch(exported, 1)).seconds);
      ours.push(runLrsweep(file, dir, 'wasm', 1).seconds);
    }
    console.log(`the same 16 trials in a plain PyTorch loop (bench/grid_torch.py, one process, one thread): ${median(torch).toFixed(2)} s; lrsweep run: ${median(ours).toFixed(2)} s = ${(median(torch) / median(ours)).toFixed(2)}x PyTorch's speed`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
