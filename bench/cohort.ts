// Benchmark: cohorts trained in lockstep (src/train/mlp-cohort.ts) against one trial at a time, on
// one thread (one pool worker) with the tfjs wasm backend, for the built-in 20-64-3 MLP (batch 32).
// Prints trial-steps per second for cohorts of 1, 4, 16 and 64, the speed-up over a cohort of 1 and
// over mlp.ts (the single-trial trainer), what limits the speed-up (per-step time split into a
// fixed part and a per-member part, and the kernels tfjs dispatches per step), and PyTorch's figure
// for the same model on one thread, alone and in lockstep (when /usr/bin/python3 has torch), and
// the rate of a prototype WASM SIMD kernel for this MLP (bench/kernel/mlp-step.ts), checked
// against the tfjs cohort's losses first.
// Rates are per CPU second of the one thread, PyTorch's too (time.process_time).

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadTf } from '../src/train/backend.js';
import { mlp } from '../src/train/mlp.js';
import { datasetFor } from '../src/train/mlp-dataset.js';
import { trainWith } from '../test/helpers/train.js';
import { trainCohort } from '../src/train/mlp-cohort.js';
import { MLP_DEFAULTS, mlpSteps, type BuiltinMlpOptions as MlpConfig } from '../src/train/mlp-options.js';
import { median, verdict } from './measure.js';
import { kernelCohort } from './cohort-kernel.js';

const CONFIG: MlpConfig = { ...MLP_DEFAULTS, samples: 1000, features: 20, classes: 3, hidden: [64], epochs: 10, batch_size: 32, optimizer: 'sgd' };
const COHORTS = [1, 4, 16, 64];
const REPS = 5;

/** Member j's curve: a cosine decay whose peak differs per member, as a sweep's would. */
function curves(k: number, steps: number): Float64Array[] {
  return Array.from({ length: k }, (_, j) => Float64Array.from({ length: steps }, (_, i) => 0.05 * (1 + j / 64) * (0.5 + 0.5 * Math.cos((Math.PI * i) / steps))));
}

/**
 * Median CPU seconds of this process over REPS runs after one warm-up run. CPU time, not wall
 * time: the machine is shared, and a thread that waits for a core is not slower code. tfjs wasm
 * runs on this one thread (setThreadsCount(1)); bench runs node with --single-threaded-gc.
 */
async function seconds(run: () => unknown): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const began = process.cpuUsage();
    await run();
    const used = process.cpuUsage(began);
    times.push((used.user + used.system) / 1e6);
  }
  return median(times);
}

interface TorchFigures { torch: string; alone: number; lockstep: Record<string, number> }

function torchFigures(steps: number, trainRows: number): TorchFigures | string {
  const python = '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return `skipped: \`${python} -c "import torch"\` fails here (install python3-torch)`;
  const script = fileURLToPath(new URL('./cohort_torch.py', import.meta.url));
  const args = { features: CONFIG.features, hidden: CONFIG.hidden[0], classes: CONFIG.classes, batch: CONFIG.batch_size, rows: trainRows, steps, lockstep: [16, 64] };
  const run = spawnSync(python, [script, JSON.stringify(args)], { encoding: 'utf8' });
  if (run.status !== 0) return `failed: ${run.stderr.trim().split('\n').pop()}`;
  return JSON.parse(run.stdout) as TorchFigures;
}

/** Least-squares line through (k, seconds per step): the fixed and the per-member cost of a step. */
function fit(points: { k: number; perStep: number }[]) {
  const n = points.length;
  const mk = points.reduce((s, p) => s + p.k, 0) / n;
  const mt = points.reduce((s, p) => s + p.perStep, 0) / n;
  const slope = points.reduce((s, p) => s + (p.k - mk) * (p.perStep - mt), 0) / points.reduce((s, p) => s + (p.k - mk) ** 2, 0);
  return { fixed: mt - slope * mk, perMember: slope };
}

export async function benchCohort(): Promise<void> {
  const tf = await loadTf('wasm');
  const data = datasetFor(CONFIG);
  const steps = mlpSteps(CONFIG);
  const [alone] = curves(1, steps);
  const aloneRate = steps / (await seconds(() => trainWith(mlp, CONFIG, alone, { seed: 1 })));
  console.log(`mlp.ts, one trial at a time: ${aloneRate.toFixed(0)} steps/s`);

  const rows: { k: number; rate: number; perStep: number }[] = [];
  for (const k of COHORTS) {
    const lrs = curves(k, steps);
    const s = await seconds(() => trainCohort(tf, CONFIG, data, 1, lrs));
    rows.push({ k, rate: (k * steps) / s, perStep: s / steps });
  }
  const base = rows[0].rate;
  for (const r of rows) {
    console.log(`cohort of ${String(r.k).padStart(2)}: ${r.rate.toFixed(0).padStart(6)} trial-steps/s = ${(r.rate / base).toFixed(2)}x a cohort of 1, ${(r.rate / aloneRate).toFixed(2)}x mlp.ts  (${(r.perStep * 1e3).toFixed(3)} ms a step)`);
  }
  const at16 = rows.find((r) => r.k === 16)!.rate / base;
  console.log(`speed-up at K = 16 over a cohort of 1: ${at16.toFixed(2)}x (target >= 3x: ${verdict(at16 >= 3)})`);
  console.log(`a lone trial through the cohort path (trained with a twin, see mlp-cohort.ts) runs ${(base / aloneRate).toFixed(2)}x mlp.ts's speed`);

  // What limits it: a step costs fixed + perMember * K. The fixed part is tfjs dispatch (JS per
  // op, kernel launch, the per-step read-back), the same for any K; the per-member part is the
  // arithmetic of tfjs wasm's batched kernels.
  const { fixed, perMember } = fit(rows);
  const profile = await tf.profile(() => {
    trainCohort(tf, { ...CONFIG, epochs: 1 }, data, 1, curves(16, steps / CONFIG.epochs));
  });
  const kernelsPerStep = profile.kernels.length / (steps / CONFIG.epochs);
  const kernelMs = await Promise.all(profile.kernels.map(async (k) => ({ name: k.name, ms: (await k.kernelTimeMs) as number })));
  const matMulShare = kernelMs.filter((k) => k.name === 'BatchMatMul').reduce((s, k) => s + k.ms, 0) / kernelMs.reduce((s, k) => s + k.ms, 0);
  const h = CONFIG.hidden[0];
  const flops = 2 * CONFIG.batch_size * (CONFIG.features * h + h * CONFIG.classes) * 3 - 2 * CONFIG.batch_size * CONFIG.features * h; // forward, dW, dX but the input's
  console.log(`a step = ${(fixed * 1e6).toFixed(0)} us fixed + ${(perMember * 1e6).toFixed(1)} us per member (least squares over K = ${COHORTS.join(', ')});`
    + ` ${kernelsPerStep.toFixed(0)} kernels a step, ${((fixed * 1e6) / kernelsPerStep).toFixed(1)} us of fixed cost per kernel`);
  console.log(`per member ${(flops / 1e3).toFixed(0)} kFLOP a step = ${(flops / perMember / 1e9).toFixed(2)} GFLOP/s; at K = 16, BatchMatMul takes ${(100 * matMulShare).toFixed(0)}% of kernel time`
    + ` (tfjs wasm runs every batched or transposed matMul in a plain scalar loop, not XNNPACK)`);
  console.log(`at K = 16 the fixed part is ${((100 * fixed) / (fixed + 16 * perMember)).toFixed(0)}% of a step; the ceiling as K grows is ${(1 / perMember).toFixed(0)} trial-steps/s`);

  // A custom kernel: the prototype trains the same members (checked against the tfjs cohort's
  // per-epoch losses), then is timed like the cohorts above.
  const check = curves(2, steps);
  const tfjsLoss = trainCohort(tf, CONFIG, data, 1, check).map((m) => m.epochs.map((e) => e.train_loss));
  const kernelLoss = (await kernelCohort(tf, CONFIG, data, 1, check)).trainLoss;
  const worst = Math.max(...tfjsLoss.flatMap((member, j) => member.map((v, e) => Math.abs(v - kernelLoss[j][e]) / v)));
  const kernelRate = (k: number) => async () => {
    const lrs = curves(k, steps);
    await kernelCohort(tf, CONFIG, data, 1, lrs);
    const runs: number[] = [];
    for (let i = 0; i < REPS; i++) runs.push((await kernelCohort(tf, CONFIG, data, 1, lrs)).seconds);
    return (k * steps) / median(runs);
  };
  const kernel16 = await kernelRate(16)();
  const kernel1 = await kernelRate(1)();
  console.log(`prototype WASM SIMD kernel (bench/kernel/mlp-step.ts; per-epoch train loss within ${worst.toExponential(1)} relative of the tfjs cohort's):`
    + ` ${kernel1.toFixed(0)} steps/s alone, ${kernel16.toFixed(0)} trial-steps/s for 16 members = ${((flops * kernel16) / 1e9).toFixed(1)} GFLOP/s,`
    + ` ${(kernel16 / rows.find((r) => r.k === 16)!.rate).toFixed(1)}x the tfjs cohort of 16`);

  const torch = torchFigures(steps, data.trainY.length);
  if (typeof torch === 'string') {
    console.log(`PyTorch: ${torch}`);
    return;
  }
  const ours16 = rows.find((r) => r.k === 16)!.rate;
  console.log(`PyTorch ${torch.torch}, 1 thread: alone ${torch.alone.toFixed(0)} steps/s; 16 in lockstep (baddbmm) ${torch.lockstep['16'].toFixed(0)}, 64 ${torch.lockstep['64'].toFixed(0)} trial-steps/s`);
  console.log(`tfjs cohort of 16 / PyTorch 16 in lockstep: ${(ours16 / torch.lockstep['16']).toFixed(2)}x; tfjs mlp.ts / PyTorch alone: ${(aloneRate / torch.alone).toFixed(2)}x`);
  console.log(`prototype kernel, 16 members / PyTorch 16 in lockstep: ${(kernel16 / torch.lockstep['16']).toFixed(2)}x (a custom kernel ${kernel16 > torch.lockstep['16'] ? 'would pass' : 'would not pass'} PyTorch's lockstep figure)`);
}
