// Loading the compiled kernels: the schedule kernels (build/release.wasm) and the MLP training
// kernels (build/mlp.wasm), both made by `npm run build:wasm`. Each is compiled synchronously
// once per thread: Node allows synchronous compilation of any size, and a synchronous load keeps
// curve(), the scheduler and the trainers synchronous.
//
// The exports' types are not written here: asc generates them from assembly/index.ts and
// assembly/mlp/index.ts (asconfig "bindings": "raw" writes build/release.d.ts, build/mlp.d.ts).
// Their instantiate() is async, so we instantiate ourselves and call the raw exports, which take
// the same arguments (a boolean becomes 0/1 at the boundary). Two differences to know: raw bool
// globals read back as 0/1, and functions returning usize return a signed i32 (the addresses
// used are below 2 GiB, never negative).

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
// Through the package's imports map (package.json "#kernels", "#mlp-kernels"), so the compiled .d.ts resolves them too.
import type { instantiate } from '#kernels';
import type { instantiate as instantiateMlp } from '#mlp-kernels';

/** The schedule module's exports, as the generated bindings declare them. */
export type KernelExports = Awaited<ReturnType<typeof instantiate>>;
/** The MLP training module's exports (assembly/mlp/index.ts). */
export type MlpKernelExports = Awaited<ReturnType<typeof instantiateMlp>>;

/** build/FILE, from src/wasm (run through tsx) or dist/src/wasm (compiled): two or three levels up. */
function wasmPath(file: string): string {
  for (const up of ['../../', '../../../']) {
    const path = fileURLToPath(new URL(`${up}build/${file}`, import.meta.url));
    if (existsSync(path)) return path;
  }
  throw new Error(`build/${file} is missing: run \`npm run build:wasm\` (npm ci does it for you)`);
}

function instantiateSync(file: string, what: string): WebAssembly.Exports {
  const module = new WebAssembly.Module(readFileSync(wasmPath(file)));
  const instance = new WebAssembly.Instance(module, {
    env: {
      abort(_msg: number, _file: number, line: number, column: number) {
        throw new Error(`${what} kernel aborted at ${line}:${column}`);
      },
    },
  });
  return instance.exports;
}

let cached: KernelExports | null = null;
let cachedMlp: MlpKernelExports | null = null;

export function kernels(): KernelExports {
  cached ??= instantiateSync('release.wasm', 'schedule') as unknown as KernelExports;
  return cached;
}

/** The MLP training kernels: one instance per thread, its memory reused by every task the thread trains. */
export function mlpKernels(): MlpKernelExports {
  cachedMlp ??= instantiateSync('mlp.wasm', 'mlp') as unknown as MlpKernelExports;
  return cachedMlp;
}
