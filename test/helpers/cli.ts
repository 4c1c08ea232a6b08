// Runs the CLI from source in a child process, as a user would run it.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
/** tsx's loader by absolute URL, so the CLI runs from any working directory. */
export const TSX = import.meta.resolve('tsx');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { cwd?: string; input?: string; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, ['--import', TSX, CLI, ...args], {
    cwd: options.cwd, input: options.input, encoding: 'utf8', env: { ...process.env, LRSWEEP_DEBUG: '', ...options.env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the CLI in the background (to stop or kill it mid-run); `done` resolves with its exit code, -1 when a signal ended it. */
export function startCli(args: string[], cwd: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', TSX, CLI, ...args], { cwd, env: { ...process.env, LRSWEEP_DEBUG: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<number | null>((resolve) => child.on('close', (code, signal) => resolve(signal ? -1 : code)));
  return { child, done, out: () => ({ stdout, stderr }) };
}
