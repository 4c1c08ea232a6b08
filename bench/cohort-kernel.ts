// The prototype kernel of bench/kernel/mlp-step.ts, compiled with asc and run as a cohort trainer
// would run it: per step one batch gathered into WASM memory, then one call per member. Checked
// first against the tfjs cohort trainer (same initial weights, batches and LR curve: per-epoch
// training loss), so the rate it reports is the rate of a kernel that trains the same model.

import asc from 'assemblyscript/asc';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dataset } from '../src/train/data/dataset.js';
import type { MlpOptions as MlpConfig } from '../src/train/mlp-options.js';
import { mulberry32, permutation } from '../src/core/random.js';

type Tf = typeof import('@tensorflow/tfjs');
type Step = (x: number, y: number, B: number, F: number, H: number, C: number, w1: number, b1: number, w2t: number, b2: number, h: number, dh: number, dl: number, lr: number) => number;

/** The compiled step, its memory, and where the module's static data (Mathf's tables) ends. */
interface Kernel { step: Step; memory: WebAssembly.Memory; base: number }

let compiled: Promise<Kernel> | null = null;

/** Compiles the kernel once; every run reuses the instance (and lays out its memory anew). */
function compile() {
  compiled ??= compileOnce();
  return compiled;
}

async function compileOnce(): Promise<Kernel> {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-kernel-'));
  try {
    const out = join(dir, 'mlp-step.wasm');
    const source = fileURLToPath(new URL('./kernel/mlp-step.ts', import.meta.url));
    const { error, stderr } = await asc.main([source, '--outFile', out, '-O3', '--enable', 'simd', '--runtime', 'stub', '--noAssert']);
    if (error) throw new Error(`asc failed on ${source}: ${stderr.toString()}`);
    const { instance } = await WebAssembly.instantiate(readFileSync(out), { env: { abort: () => { throw new Error('abort in mlp-step'); } } });
    const memory = instance.exports.memory as WebAssembly.Memory;
    return { step: instance.exports.step as Step, memory, base: memory.buffer.byteLength };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface KernelRun {
  /** Mean training loss of each epoch, per member. */
  trainLoss: number[][];
  /** CPU seconds of the whole run. */
  seconds: number;
}

/** Trains K members (one LR curve each) of c's one-hidden-layer MLP with the prototype kernel. */
export async function kernelCohort(tf: Tf, c: MlpConfig, data: Dataset, seed: number, curves: Float64Array[]): Promise<KernelRun> {
  if (data.task !== 'classification') throw new Error('the prototype kernel trains classes (softmax cross-entropy)');
  const { step, memory, base } = await compile();
  const [F, H, C, B, K] = [data.features, c.hidden[0], data.classes, c.batch_size, curves.length];
  if (c.hidden.length !== 1 || H % 16 !== 0 || c.activation !== 'relu' || c.optimizer !== 'sgd') throw new Error('the prototype kernel runs one ReLU hidden layer of a multiple of 16 units, with SGD');
  // Byte layout: batch x and y, scratch, then each member's weights (the initial ones mlp.ts uses).
  const floats = { x: B * F, y: B * C, h: B * H, dh: B * H, dl: B * C + 4 };
  let at = base;
  const place = (n: number) => { const p = at; at += Math.ceil(n / 4) * 16; return p; };
  const [x, y, h, dh, dl] = [place(floats.x), place(floats.y), place(floats.h), place(floats.dh), place(floats.dl)];
  const members = Array.from({ length: K }, () => { const w1 = place(F * H), b1 = place(H), w2t = place(C * H), b2 = place(C); return { w1, b1, w2t, b2 }; });
  const pages = Math.ceil(at / 65536) - memory.buffer.byteLength / 65536;
  if (pages > 0) memory.grow(pages);
  const heap = new Float32Array(memory.buffer);
  const w1Init = tf.tidy(() => tf.initializers.glorotUniform({ seed }).apply([F, H], 'float32').dataSync());
  const w2Init = tf.tidy(() => tf.initializers.glorotUniform({ seed: seed + 1 }).apply([H, C], 'float32').transpose().dataSync());
  for (const m of members) {
    heap.set(w1Init, m.w1 / 4);
    heap.fill(0, m.b1 / 4, m.b1 / 4 + H);
    heap.set(w2Init, m.w2t / 4);
    heap.fill(0, m.b2 / 4, m.b2 / 4 + C);
  }
  const targets = new Float32Array(data.trainY.length * C);
  data.trainY.forEach((label, i) => (targets[i * C + label] = 1));
  const rows = data.trainY.length;
  const random = mulberry32(seed ^ 0x51ed);
  const trainLoss = curves.map(() => [] as number[]);
  let s = 0;
  const began = process.cpuUsage();
  for (let epoch = 0; epoch < c.epochs; epoch++) {
    const order = permutation(rows, random);
    const sums = new Float64Array(K);
    let batches = 0;
    for (let from = 0; from < rows; from += B) {
      const n = Math.min(B, rows - from);
      for (let r = 0; r < n; r++) {
        const row = order[from + r];
        heap.set(data.trainX.subarray(row * F, (row + 1) * F), x / 4 + r * F);
        heap.set(targets.subarray(row * C, (row + 1) * C), y / 4 + r * C);
      }
      members.forEach((m, j) => (sums[j] += step(x, y, n, F, H, C, m.w1, m.b1, m.w2t, m.b2, h, dh, dl, curves[j][s])));
      batches++;
      s++;
    }
    sums.forEach((sum, j) => trainLoss[j].push(sum / batches));
  }
  const used = process.cpuUsage(began);
  return { trainLoss, seconds: (used.user + used.system) / 1e6 };
}
