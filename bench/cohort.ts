// Benchmark: the built-in MLP's two engines side by side with PyTorch, on one thread, in trial-steps
// per CPU second, for cohorts of K = 1, 16 and 64 members trained in lockstep:
// - wasm: lrsweep's own SIMD kernels (src/train/wasm-mlp/cohort.ts), K = 1 being what a single
//   trial runs;
// - tfjs: tfjs's wasm backend, K = 1 being mlp.ts alone (what a single trial runs on tfjs), K > 1
//   the stacked cohort (mlp-cohort.ts);
// - PyTorch (bench/cohort_torch.py, when /usr/bin/python3 has torch): K = 1 an nn.Sequential
//   with torch.optim.SGD, K > 1 stacked weights and baddbmm.
// All three shuffle once per epoch, mask diverging members, and compute per-epoch validation loss
// and accuracy. Two models: the 20-64-3 MLP with SGD (batch 32, 250 steps) and a larger one,
// 784-256-256-10 on synthetic data (batch 32, 16 steps: tfjs's batched matMul is a scalar loop,
// and a tfjs cohort of 64 of this model takes seconds a step).
// Also what limits the tfjs cohort (a step's fixed and per-member cost). Rates are per CPU second
// of the one thread, PyTorch's too (time.process_time).

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadTf } from '../src/train/backend.js';
import { mlp } from '../src/train/mlp.js';
import { datasetFor } from '../src/train/mlp-dataset.js';
import { trainWith } from '../test/helpers/train.js';
import { trainCohort } from '../src/train/mlp-cohort.js';
import { trainWasmCohort } from '../src/train/wasm-mlp/cohort.js';
import { MLP_DEFAULTS, mlpSteps, type BuiltinMlpOptions as MlpConfig } from '../src/train/mlp-options.js';
import { median, verdict } from './measure.js';

interface Model { name: string; config: MlpConfig }
const SMALL: Model = { name: '20-64-3 MLP, SGD, batch 32, 250 steps', config: { ...MLP_DEFAULTS, samples: 1000, features: 20, classes: 3, hidden: [64], epochs: 10, batch_size: 32, optimizer: 'sgd' } };
const LARGE: Model = { name: '784-256-256-10 MLP, SGD, batch 32, 16 steps (synthetic data)', config: { ...MLP_DEFAULTS, samples: 640, features: 784, classes: 10, hidden: [256, 256], epochs: 1, batch_size: 32, optimizer: 'sgd' } };
const COHORTS = [1, 16, 64];
/** Measured runs after the warm-up, until this many or BUDGET_S of CPU time, whichever comes first. */
const REPS = 5;
const BUDGET_S = 20;

/** Member j's curve: a cosine decay whose peak differs per member, as a sweep's would. */
export function curves(k: number, steps: number): Float64Array[] {
  return Array.from({ length: k }, (_, j) => Float64Array.from({ length: steps }, (_, i) => 0.05 * (1 + j / 64) * (0.5 + 0.5 * Math.cos((Math.PI * i) / steps))));
}

/**
 * Median CPU seconds of this process over up to REPS runs after one warm-up run. CPU time, not
 * wall time: the machine is shared, and a thread that waits for a core is not slower code. tfjs
 * wasm runs on this one thread (setThreadsCount(1)); bench runs node with --single-threaded-gc.
 */
async function seconds(run: () => unknown): Promise<number> {
  await run();
  const times: number[] = [];
  while (times.length < REPS && times.reduce((a, b) => a + b, 0) < BUDGET_S) {
    const began = process.cpuUsage();
    await run();
    const used = process.cpuUsage(began);
    times.push((used.user + used.system) / 1e6);
  }
  return median(times);
}

interface TorchFigures { torch: string; alone: number; lockstep: Record<string, number> }

/** PyTorch's rates for a model: alone, and in lockstep for each K > 1; or why not. */
export function torchFigures(c: MlpConfig, trainRows: number, validationRows: number, ks: number[]): TorchFigures | string {
  const python = '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return `skipped: \`${python} -c "import torch"\` fails here (install python3-torch)`;
  const script = fileURLToPath(new URL('./cohort_torch.py', import.meta.url));
  const args = {
    features: c.features, hidden: c.hidden, classes: c.classes, batch: c.batch_size, rows: trainRows, val_rows: validationRows, epochs: c.epochs,
    momentum: c.optimizer === 'momentum' ? c.momentum : 0, ks, reps: REPS,
  };
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

const fmt = (v: number) => v.toFixed(0).padStart(7);

async function benchModel(model: Model): Promise<{ wasm: Record<number, number>; tfjs: Record<number, number>; torch: TorchFigures | string }> {
  const tf = await loadTf('wasm');
  const c = model.config;
  const data = datasetFor(c);
  const steps = mlpSteps(c);
  const wasm: Record<number, number> = {};
  const tfjs: Record<number, number> = {};
  // V8 runs WASM on its baseline compiler first and tiers hot functions up while they run: one
  // untimed cohort of 64 first, so no K's figure includes the tier-up (bench/wasm-mlp-rate.ts does the same).
  trainWasmCohort(c, data, 1, curves(64, steps));
  for (const k of COHORTS) {
    const lrs = curves(k, steps);
    wasm[k] = (k * steps) / (await seconds(() => trainWasmCohort(c, data, 1, lrs)));
    tfjs[k] = (k * steps) / (await seconds(() => (k === 1 ? trainWith(mlp, { ...c, engine: 'tfjs' }, lrs[0], { seed: 1 }) : trainCohort(tf, c, data, 1, lrs))));
  }
  const torch = torchFigures(c, data.trainY.length, data.valY.length, COHORTS.filter((k) => k > 1));
  const torchAt = (k: number) => (typeof torch === 'string' ? NaN : k === 1 ? torch.alone : torch.lockstep[String(k)]);
  console.log(`${model.name}:`);
  console.log(`   K |    wasm |    tfjs | PyTorch | wasm/tfjs | wasm/PyTorch`);
  for (const k of COHORTS) {
    console.log(`  ${String(k).padStart(2)} | ${fmt(wasm[k])} | ${fmt(tfjs[k])} | ${fmt(torchAt(k))} | ${(wasm[k] / tfjs[k]).toFixed(2).padStart(8)}x | ${(wasm[k] / torchAt(k)).toFixed(2).padStart(11)}x`);
  }
  if (typeof torch === 'string') console.log(`  PyTorch: ${torch}`);
  else console.log(`  (PyTorch ${torch.torch}; K = 1 is a single trial: mlp.ts alone on tfjs, nn.Sequential + optim.SGD on PyTorch, a cohort of one on wasm)`);
  return { wasm, tfjs, torch };
}

export async function benchCohort(): Promise<void> {
  const small = await benchModel(SMALL);
  if (typeof small.torch !== 'string') {
    const ratio = small.wasm[16] / small.torch.lockstep['16'];
    console.log(`wasm cohort of 16 / PyTorch 16 in lockstep, 20-64-3: ${ratio.toFixed(2)}x (target >= 1.5x: ${verdict(ratio >= 1.5)})`);
  }
  // What limits the tfjs cohort: a step costs fixed + perMember * K; the fixed part is tfjs
  // dispatch (JS per op, kernel launch, the per-step read-back), the per-member part the
  // arithmetic of tfjs wasm's batched kernels (a plain scalar loop, not XNNPACK).
  const steps = mlpSteps(SMALL.config);
  const { fixed, perMember } = fit(COHORTS.filter((k) => k > 1).map((k) => ({ k, perStep: k / small.tfjs[k] })));
  console.log(`  a tfjs cohort step = ${(fixed * 1e6).toFixed(0)} us fixed + ${(perMember * 1e6).toFixed(1)} us per member (K = 16 and 64; ${steps} steps);`
    + ` the wasm engine's K = 16 step takes ${((16 / small.wasm[16]) * 1e6).toFixed(0)} us`);
  await benchModel(LARGE);
}
