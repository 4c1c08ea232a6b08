// Loading the compiled schedule kernels (build/release.wasm, made by `npm run build:wasm`).
// Compiled synchronously once per thread: Node allows synchronous compilation of any size,
// and a synchronous load keeps curve() and the scheduler synchronous.

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The module's exports (assembly/index.ts). Integers cross as f64 (exact below 2^53). */
export interface KernelExports {
  memory: WebAssembly.Memory;
  configure(first: number, mult: number, maxLr: number, minLr: number, warmup: number, gamma: number,
    warmupFirstOnly: number, peakMode: number, maxCycles: number, minAtZero: number): void;
  seek(t: number): number;
  fill(out: number, n: number, wide: number): number;
  reserve(bytes: number): number;
  currentCycle(): number;
  currentPosition(): number;
}

// From src/wasm (run through tsx) or dist/src/wasm (compiled), build/ is two or three levels up.
const CANDIDATES = ['../../build/release.wasm', '../../../build/release.wasm'];

export function wasmPath(): string {
  for (const rel of CANDIDATES) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error('build/release.wasm is missing: run `npm run build:wasm` (npm ci does it for you)');
}

let cached: KernelExports | null = null;

export function kernels(): KernelExports {
  if (cached) return cached;
  const module = new WebAssembly.Module(readFileSync(wasmPath()));
  const instance = new WebAssembly.Instance(module, {
    env: {
      abort(_msg: number, _file: number, line: number, column: number) {
        throw new Error(`schedule kernel aborted at ${line}:${column}`);
      },
    },
  });
  cached = instance.exports as unknown as KernelExports;
  return cached;
}
