// Loading the compiled schedule kernels (build/release.wasm, made by `npm run build:wasm`).
// Compiled synchronously once per thread: Node allows synchronous compilation of any size,
// and a synchronous load keeps curve() and the scheduler synchronous.
//
// The exports' types are not written here: asc generates them from assembly/index.ts
// (asconfig "bindings": "raw" writes build/release.d.ts). Its instantiate() is async, so we
// instantiate ourselves and call the raw exports, which take the same arguments (a boolean
// becomes 0/1 at the boundary). Two differences to know: raw bool globals read back as 0/1,
// and reserve returns a signed i32 (the buffer's address is fixed and small, never negative).

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
// Through the package's imports map (package.json "#kernels"), so the compiled .d.ts resolves it too.
import type { instantiate } from '#kernels';

/** The module's exports, as the generated bindings declare them. */
export type KernelExports = Awaited<ReturnType<typeof instantiate>>;

// From src/wasm (run through tsx) or dist/src/wasm (compiled), build/ is two or three levels up.
const CANDIDATES = ['../../build/release.wasm', '../../../build/release.wasm'];

function wasmPath(): string {
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
