// A quick rate check of the wasm MLP engine (src/train/wasm-mlp/), not part of `npm run bench`:
//   node --single-threaded-gc --import tsx bench/wasm-mlp-rate.ts [--large]
// Trial-steps per CPU second for cohorts of 1, 16 and 64 on bench/cohort.ts's 20-64-3 MLP (SGD,
// batch 32, 250 steps), beside the reference figures for this machine's one thread
// (PyTorch 16 in lockstep: 40,916; the prototype kernel: 73,002). --large adds a
// 784-256-256-10 MLP on synthetic data (K = 1 and 16).

import { datasetFor } from '../src/train/mlp-dataset.js';
import { MLP_DEFAULTS, mlpSteps, type BuiltinMlpOptions as MlpConfig } from '../src/train/mlp-options.js';
import { trainWasmCohort } from '../src/train/wasm-mlp/cohort.js';
import { median } from './measure.js';

const PYTORCH_LOCKSTEP_16 = 40_916;
const PROTOTYPE_16 = 73_002;
const REPS = 5;

const SMALL: MlpConfig = { ...MLP_DEFAULTS, samples: 1000, features: 20, classes: 3, hidden: [64], epochs: 10, batch_size: 32, optimizer: 'sgd' };
const LARGE: MlpConfig = { ...MLP_DEFAULTS, samples: 640, features: 784, classes: 10, hidden: [256, 256], epochs: 1, batch_size: 32, optimizer: 'sgd' };

/** Member j's curve: a cosine decay whose peak differs per member (bench/cohort.ts's). */
function curves(k: number, steps: number): Float64Array[] {
  return Array.from({ length: k }, (_, j) => Float64Array.from({ length: steps }, (_, i) => 0.05 * (1 + j / 64) * (0.5 + 0.5 * Math.cos((Math.PI * i) / steps))));
}

function rate(c: MlpConfig, k: number): number {
  const data = datasetFor(c);
  const steps = mlpSteps(c);
  const lrs = curves(k, steps);
  const run = () => trainWasmCohort(c, data, 1, lrs);
  run();
  const times: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const began = process.cpuUsage();
    run();
    const used = process.cpuUsage(began);
    times.push((used.user + used.system) / 1e6);
  }
  return (k * steps) / median(times);
}

// V8 compiles hot WASM functions again, optimized, while they run: one large run first, so no
// figure below includes code that has not tiered up.
rate(SMALL, 64);
console.log('wasm MLP engine, 20-64-3 (SGD, batch 32, 250 steps, per-epoch validation on), trial-steps per CPU second:');
for (const k of [1, 16, 64]) {
  const r = rate(SMALL, k);
  const vs = k === 16 ? `  = ${(r / PYTORCH_LOCKSTEP_16).toFixed(2)}x PyTorch's lockstep of 16 (target 1.5x), ${(r / PROTOTYPE_16).toFixed(2)}x the prototype` : '';
  console.log(`  K = ${String(k).padStart(2)}: ${r.toFixed(0).padStart(7)}${vs}`);
}
if (process.argv.includes('--large')) {
  console.log('784-256-256-10 (SGD, batch 32, synthetic):');
  for (const k of [1, 16]) console.log(`  K = ${String(k).padStart(2)}: ${rate(LARGE, k).toFixed(0).padStart(7)}`);
}
