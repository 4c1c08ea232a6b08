// Loading tfjs on a backend, once per thread. 'wasm' (default) ships its .wasm inside
// @tensorflow/tfjs-backend-wasm; 'cpu' is plain JS; 'tensorflow' needs @tensorflow/tfjs-node,
// which is not a dependency (it downloads libtensorflow at install time), so it is imported
// only when asked for.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { UsageError } from '../core/errors.js';
import type { Tf } from './contract.js';
import { registerWasmTrainingKernels } from './wasm-training-kernels.js';

export type Backend = 'wasm' | 'cpu' | 'tensorflow';
export const BACKENDS: readonly Backend[] = ['wasm', 'cpu', 'tensorflow'];

const TFJS_NODE = '@tensorflow/tfjs-node';
let loading: Promise<Tf> | null = null;
let loadedBackend: Backend | null = null;

/** Throws a UsageError naming the install command when --backend tensorflow cannot work here. */
export function checkBackend(backend: Backend): void {
  if (backend !== 'tensorflow') return;
  try {
    createRequire(import.meta.url).resolve(TFJS_NODE);
  } catch {
    throw new UsageError(`--backend tensorflow needs ${TFJS_NODE}, which is not installed: run \`npm install ${TFJS_NODE}\` (it downloads libtensorflow), or use --backend wasm`);
  }
}

export function loadTf(backend: Backend): Promise<Tf> {
  if (loading) {
    if (loadedBackend !== backend) throw new Error(`tfjs is already set up on backend ${loadedBackend} in this thread, not ${backend}`);
    return loading;
  }
  loadedBackend = backend;
  loading = (async () => {
    // Silence tfjs's one-time hint that tfjs-node would be faster: we know, and it is not installable everywhere.
    const warn = console.warn;
    console.warn = () => {};
    try {
      const tf = await import('@tensorflow/tfjs');
      if (backend === 'tensorflow') {
        checkBackend(backend);
        await import(TFJS_NODE);
      } else if (backend === 'wasm') {
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        const root = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json'));
        wasm.setWasmPaths(`${join(root, 'dist')}/`);
        // One thread per worker: the pool already uses every core, and one thread keeps results deterministic.
        wasm.setThreadsCount(1);
      }
      if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} failed to initialise`);
      await tf.ready();
      // tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter and a wrong MaxPoolGrad: every trainer
      // on wasm gets correct ones (wasm-training-kernels.ts).
      if (backend === 'wasm') registerWasmTrainingKernels(tf);
      // The cpu backend prints an "install the node backend" banner on its first tensor, after
      // this function has returned: mark it as used so every worker stays quiet.
      const cpu = tf.backend() as unknown as { firstUse?: boolean };
      if (backend === 'cpu' && cpu.firstUse) cpu.firstUse = false;
      return tf;
    } finally {
      console.warn = warn;
    }
  })();
  return loading;
}
