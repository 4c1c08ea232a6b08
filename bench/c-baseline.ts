// The C baseline of the curve benchmark: bench/curve-baseline.c compiled with gcc -O2 into a
// temp dir in this run, then run once per case as a child process that times its own loops.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A cawr schedule without options, as the C loop takes it. */
export interface CawrCase {
  first: number;
  mult: number;
  maxLr: number;
  minLr: number;
  warmup: number;
  gamma: number;
}

/** Median milliseconds of each C loop over `steps` values into a buffer already touched. */
export interface CTimes {
  /** double arithmetic, glibc cos, double stores */
  f64: number;
  /** the same arithmetic, float stores */
  f32: number;
  /** float arithmetic throughout, glibc cosf */
  f32cosf: number;
  /** memset of the f64 buffer (8 bytes a step) */
  bytes64: number;
  /** memset of the f32 buffer */
  bytes32: number;
}

export interface CBaseline {
  run(c: CawrCase, steps: number, reps: number): CTimes;
  dispose(): void;
}

/** Compiles the C loop; returns why not when gcc is missing or fails. */
export function compileBaseline(): CBaseline | { skipped: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-cbase-'));
  const binary = join(dir, 'curve-baseline');
  const source = fileURLToPath(new URL('./curve-baseline.c', import.meta.url));
  const gcc = spawnSync('gcc', ['-O2', '-o', binary, source, '-lm'], { encoding: 'utf8' });
  if (gcc.error || gcc.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    const why = (gcc.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' ? 'gcc is not installed' : `gcc failed: ${gcc.stderr?.trim() || gcc.error?.message}`;
    return { skipped: why };
  }
  return {
    run(c, steps, reps) {
      const args = [c.first, c.mult, c.maxLr, c.minLr, c.warmup, c.gamma, steps, reps].map(String);
      const child = spawnSync(binary, args, { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(`C baseline failed (${args.join(' ')}): ${child.stderr}`);
      return JSON.parse(child.stdout) as CTimes;
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
