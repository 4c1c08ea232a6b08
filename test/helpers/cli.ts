// Runs the CLI from source in a child process, as a user would run it.
import { spawnSync } from 'node:child_process';
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
