// One attempt of one command trial: prepare the trial's folder, run the command in its own
// process group, read its metrics lines, and end it and everything it started.
//
// The contract with the runner (the sweep engine):
// - runCommandTrial resolves once the command has run, whatever the command did. It rejects
//   only for errors before the spawn that every trial would hit (a curve the engine refuses, an
//   unwritable folder, a `${VAR}` not set: call checkCommandHost before the first trial), and
//   when a hook throws or rejects: then the command is ended first, as on an abort.
// - hooks.onSpawn gets the process group's record synchronously after the spawn; store it
//   before anything else, so a runner killed with kill -9 leaves a record for endOrphans.
// - It resolves only when the command has exited and no live process of its group is left:
//   a timeout or an abort sends SIGTERM to the group, then SIGKILL after kill_grace; processes
//   the command left behind when it exited get the same.
// - Whether the trial is complete is decided from the result by commandOutcome (outcome.ts).

import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import type { CommandTrainerOptions } from './options.js';
import { LineSplitter, Tail, parseMetricsLine, type MetricsPoint } from './output.js';
import { endGroup, type Ended } from './process-group.js';
import { processRecord, type ProcessRecord } from './orphans.js';
import { expandEnv, fillPlaceholders } from './template.js';
import { hasMomentum, prepareTrialDir, trialFiles, type CommandTrial, type TrialFiles } from './trial-dir.js';

export interface RunHooks {
  /** Aborting ends the command (SIGTERM, then SIGKILL after kill_grace); the result says stopped: 'abort'. */
  signal?: AbortSignal;
  /** Ends the command after this long, the same way; the result says stopped: 'timeout'. */
  timeoutMs?: number;
  /** The group's record, right after the spawn; a returned promise is awaited before the attempt resolves. */
  onSpawn?(record: ProcessRecord): void | Promise<void>;
  /** Each metrics line, as it arrives; a returned promise is awaited before the attempt resolves. */
  onPoint?(point: MetricsPoint): void | Promise<void>;
}

export interface CommandResult extends TrialFiles {
  /** The command as run, placeholders filled in. */
  argv: string[];
  /** null when the command was killed by a signal, never started, or was not started because of an abort. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Why lrsweep ended it, if it did. */
  stopped: 'timeout' | 'abort' | null;
  timeoutMs: number | null;
  /** How lrsweep ended the group (after a stop, or processes left behind at exit); null if it had nothing to end. */
  ended: Ended | null;
  /** Live processes the command left in its group when it exited (they were ended). */
  leftBehind: number;
  /** Why the command could not be started (`spawn python4 ENOENT`), else null. */
  spawnError: string | null;
  /** The last lines of stderr (at most 20 lines, 4 KB); written at the end of the log when the command did not exit 0. */
  stderrTail: string[];
  /** Every metrics line, in order (the sweep merges lines of one epoch into one point). */
  points: MetricsPoint[];
  /** Metric names reported at least once (a NaN counts: it was reported). */
  reported: string[];
  pgid: number | null;
  /** From spawn to the end of the group. */
  durationMs: number;
}

/** What is kept of stderr for a failure: the last lines, at most this many and this many bytes. */
const TAIL_LINES = 20;
const TAIL_BYTES = 4096;

/** After the group is gone, how long to wait for its output pipes to close (a process that left the group may hold them). */
const PIPE_WAIT_MS = 1000;

/** The variables every trial's command gets, besides the trainer's `env`. */
export function lrsweepEnv(trial: CommandTrial, files: TrialFiles): Record<string, string> {
  return {
    LRSWEEP_LR_FILE: files.lrFile,
    // Only where the schedule cycles the momentum (one_cycle): its momentum.npy beside lr.npy.
    ...(hasMomentum(trial) ? { LRSWEEP_MOMENTUM_FILE: files.momentumFile } : {}),
    LRSWEEP_TRIAL_FILE: files.trialFile,
    LRSWEEP_TRIAL_DIR: files.dir,
    LRSWEEP_SEED: String(trial.seed),
    LRSWEEP_ATTEMPT: String(trial.attempt),
    LRSWEEP_WORKER_SLOT: String(trial.slot),
  };
}

export async function runCommandTrial(options: CommandTrainerOptions, trial: CommandTrial, hooks: RunHooks = {}): Promise<CommandResult> {
  const env = {
    ...process.env,
    // Python block-buffers a piped stdout: without this, metrics would arrive only at exit.
    PYTHONUNBUFFERED: '1',
    ...expandEnv(options.env, process.env),
  };
  const files = trialFiles(trial);
  // A stop while lr.npy is written (10^9 steps take tens of seconds) ends the write at once.
  const prepared = await prepareTrialDir(trial, hooks.signal);
  Object.assign(env, lrsweepEnv(trial, files));
  const argv = options.run.map((arg) => fillPlaceholders(arg, {
    lr_file: files.lrFile, trial_file: files.trialFile, trial_dir: files.dir, seed: String(trial.seed), steps: String(trial.steps),
  }, trial.params));

  const result: CommandResult = {
    ...files, argv, exitCode: null, signal: null, stopped: null, timeoutMs: hooks.timeoutMs ?? null, ended: null, leftBehind: 0,
    spawnError: null, stderrTail: [], points: [], reported: [], pgid: null, durationMs: 0,
  };
  const log = new LogFile(files.logPath);
  try {
    log.note(`trial ${trial.number} of ${trial.sweep}, attempt ${trial.attempt}, at ${new Date().toISOString()} in ${options.cwd}: ${JSON.stringify(argv)}`);
    if (!prepared || hooks.signal?.aborted) {
      result.stopped = 'abort';
      // This attempt's lr.npy (gigabytes for a long curve) is of no use to an attempt that never ran.
      if (prepared) {
        rmSync(files.lrFile, { force: true });
        rmSync(files.momentumFile, { force: true });
      }
      log.note('not started: the run was stopping');
      return result;
    }
    try {
      await runProcess(options, argv, env, hooks, result, log);
    } catch (e) {
      log.note(`ended because the runner failed: ${(e as Error).message}`);
      throw e;
    }
    log.note(describeEnd(result));
    // The one-line reason names this log: its last lines then say why, even when stdout chatter
    // came between the stderr lines.
    if (!succeeded(result) && result.stderrTail.length > 0) {
      log.note(`the last ${result.stderrTail.length} line(s) of stderr:`);
      for (const line of result.stderrTail) log.write(`#   ${line}\n`);
    }
    return result;
  } finally {
    log.close();
  }
}

/**
 * The attempt's log, written synchronously so lines keep their order. A failed write (a full
 * disk) stops the logging, not the trial.
 */
class LogFile {
  private fd: number | null;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  write(data: string | Buffer): void {
    if (this.fd === null) return;
    try {
      if (typeof data === 'string') writeSync(this.fd, data);
      else writeSync(this.fd, data);
    } catch {
      this.close();
    }
  }

  note(text: string): void {
    this.write(`# lrsweep: ${text}\n`);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

async function runProcess(options: CommandTrainerOptions, argv: string[], env: NodeJS.ProcessEnv, hooks: RunHooks,
  result: CommandResult, log: LogFile): Promise<void> {
  const began = performance.now();
  const graceMs = options.kill_grace * 1000;
  const reported = new Set<string>();
  const tail = new Tail(TAIL_BYTES);

  const child = spawn(argv[0], argv.slice(1), { cwd: options.cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      result.exitCode = code;
      result.signal = signal;
      resolve();
    });
    child.once('error', (e) => {
      // Emitted instead of 'exit' when the spawn fails; after 'exit' only for a failed kill, which endGroup does not use.
      if (child.pid === undefined) {
        result.spawnError = e.message;
        resolve();
      }
    });
  });
  const pgid = child.pid ?? null;
  result.pgid = pgid;

  // Stopping: one endGroup per attempt, whoever asks first (timeout, abort, a failing hook, or leftovers at exit).
  let ending: Promise<Ended | null> | null = null;
  const endAll = () => (ending ??= pgid === null ? Promise.resolve(null) : endGroup(pgid, graceMs));
  const stop = (why: 'timeout' | 'abort') => {
    if (result.stopped || pgid === null) return;
    result.stopped = why;
    void endAll();
  };
  // A hook that throws (the runner could not store a record) ends the command, and the attempt rejects with its error.
  let hookError: { error: unknown } | null = null;
  const pending: Promise<unknown>[] = [];
  const callHook = (call: () => void | Promise<void>) => {
    const failed = (error: unknown) => {
      hookError ??= { error };
      stop('abort');
    };
    try {
      const done = call();
      if (done instanceof Promise) pending.push(done.catch(failed));
    } catch (error) {
      failed(error);
    }
  };
  if (pgid !== null && hooks.onSpawn) callHook(() => hooks.onSpawn!(processRecord(pgid)));

  const stdout = new LineSplitter((line, complete) => {
    const point = complete ? parseMetricsLine(line) : null;
    if (point) {
      result.points.push(point);
      for (const name of Object.keys(point.values)) reported.add(name);
      if (hooks.onPoint) callHook(() => hooks.onPoint!(point));
    } else {
      log.write(complete ? `${line}\n` : line);
    }
  });
  const closed = Promise.all([child.stdout, child.stderr].map((s) => new Promise<void>((resolve) => s.once('close', resolve))));
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => {
    log.write(chunk);
    tail.push(chunk);
  });

  const onAbort = () => stop('abort');
  hooks.signal?.addEventListener('abort', onAbort, { once: true });
  // Node's timers hold at most 2^31 - 1 ms (a longer delay fires at once); sweep files stay below it.
  const timer = hooks.timeoutMs !== undefined ? setTimeout(() => stop('timeout'), Math.min(hooks.timeoutMs, 2 ** 31 - 1)) : null;

  try {
    await exited;
    if (timer) clearTimeout(timer);
    hooks.signal?.removeEventListener('abort', onAbort);
    if (pgid !== null) {
      const wasStopped = ending !== null;
      result.ended = await endAll();
      if (!wasStopped && result.ended) result.leftBehind = result.ended.processes;
      await drain(closed, child, log);
    }
    stdout.end();
    await Promise.all(pending);
  } finally {
    if (timer) clearTimeout(timer);
    hooks.signal?.removeEventListener('abort', onAbort);
  }
  result.stderrTail = tail.lines(TAIL_LINES);
  result.reported = [...reported];
  result.durationMs = performance.now() - began;
  if (hookError) throw (hookError as { error: unknown }).error;
}

/** Waits for the output pipes to close: they do when every holder has exited, but one that escaped the group could hold them for ever. */
async function drain(closed: Promise<unknown>, child: ChildProcessByStdio<null, Readable, Readable>, log: LogFile): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = await Promise.race([
    closed.then(() => false),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), PIPE_WAIT_MS))),
  ]);
  clearTimeout(timer);
  if (gaveUp) {
    child.stdout.destroy();
    child.stderr.destroy();
    log.write('\n');
    log.note('stopped reading: a process outside the group still holds the output pipes');
  }
}

/** Whether the command ran to exit code 0 on its own (whether it reported its objective is commandOutcome's to say). */
function succeeded(r: CommandResult): boolean {
  return r.spawnError === null && r.stopped === null && r.signal === null && r.exitCode === 0;
}

function describeEnd(r: CommandResult): string {
  const how = r.spawnError ? `could not start: ${r.spawnError}`
    : r.signal ? `ended by ${r.signal}` : `exit code ${r.exitCode}`;
  const stop = r.stopped === 'timeout' ? `; timed out after ${(r.timeoutMs ?? 0) / 1000} s` : r.stopped === 'abort' ? '; stopped by the runner' : '';
  const ended = r.leftBehind > 0 ? `; ended ${r.leftBehind} process(es) it left behind with ${r.ended!.signal}`
    : r.ended ? `; its group ended with ${r.ended.signal}` : '';
  return `${how}${stop}${ended}, after ${(r.durationMs / 1000).toFixed(3)} s; ${r.points.length} metrics line(s)`;
}
