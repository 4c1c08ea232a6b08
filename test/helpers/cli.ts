// Runs the CLI from source in a child process, as a user would run it. A child that has not ended
// within its guard (CHILD_GUARD_MS unless told) is killed, and the test fails with what it printed:
// a hang fails the test instead of stopping the suite.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
/** tsx's loader by absolute URL, so the CLI runs from any working directory. */
export const TSX = import.meta.resolve('tsx');
/** How long a CLI child may run before it counts as hung: generous, for a loaded 2-core machine. */
export const CHILD_GUARD_MS = 240_000;

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function hung(args: string[], ms: number, stdout: string, stderr: string): Error {
  return new Error(`lrsweep ${args.join(' ').slice(0, 300)} did not end within ${ms / 1000} s (killed as hung)\nstdout:\n${stdout.slice(-4000)}\nstderr:\n${stderr.slice(-4000)}`);
}

export function runCli(args: string[], options: { cwd?: string; input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): CliResult {
  const timeout = options.timeoutMs ?? CHILD_GUARD_MS;
  const r = spawnSync(process.execPath, ['--import', TSX, CLI, ...args], {
    cwd: options.cwd, input: options.input, encoding: 'utf8', env: { ...process.env, LRSWEEP_DEBUG: '', ...options.env },
    timeout, killSignal: 'SIGKILL', maxBuffer: 256 * 2 ** 20,
  });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT') throw hung(args, timeout, r.stdout ?? '', r.stderr ?? '');
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Starts the CLI in the background (to stop or kill it mid-run); `done` resolves with its exit
 * code, -1 when a signal ended it, and rejects (after killing it) when it outlives its guard.
 */
export function startCli(args: string[], cwd: string, env: Record<string, string> = {}, options: { timeoutMs?: number } = {}) {
  const child = spawn(process.execPath, ['--import', TSX, CLI, ...args], { cwd, env: { ...process.env, LRSWEEP_DEBUG: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timeout = options.timeoutMs ?? CHILD_GUARD_MS;
  let killed = false;
  const guard = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, timeout);
  guard.unref();
  const done = new Promise<number | null>((resolve, reject) => child.on('close', (code, signal) => {
    clearTimeout(guard);
    if (killed) reject(hung(args, timeout, stdout, stderr));
    else resolve(signal ? -1 : code);
  }));
  done.catch(() => {}); // a hang is reported to whoever awaits `done`, never as an unhandled rejection
  return { child, done, out: () => ({ stdout, stderr }) };
}
