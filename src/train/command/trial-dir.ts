// Where a command trial's files live, and what is deleted when.
//
//   <root>/<sweep>/sweep.json        which sweep owns this folder (see prepareSweepDir)
//   <root>/<sweep>/<trial>/          one per trial; the same folder for every attempt, so a
//                                    script can resume from checkpoints it wrote there
//       lr.npy                       float64, one LR per step (NumPy 1.0 format), rewritten each attempt
//       momentum.npy                 float64, the momentum (or Adam beta1) per step, where the schedule
//                                    cycles it (one_cycle); likewise rewritten, and deleted with lr.npy
//       trial.json                   sweep, trial, attempt, repeat, seed, steps, params (reference names)
//       attempt-<n>.log              everything the command printed that is not a metrics line
//       ...                          whatever the command writes
//
// <root> defaults to ./lrsweep-trials (the runner's working directory). lrsweep deletes only what
// it wrote and can regenerate: on completion, lr.npy and momentum.npy (cleanup: lr, the default), or everything
// but the logs and trial.json (cleanup: outputs). Failed and interrupted trials keep everything,
// for the retry and for a person. Nothing else is ever deleted: a folder holds the user's
// results, and `rm -r lrsweep-trials/<sweep>` is the way to drop them.

import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { encoder } from '../../io/curve-formats.js';
import { fileSink, writeFileAtomic } from '../../io/output.js';
import { fromReferenceNames, type ScheduleInput } from '../../schedule/params.js';
import { curveChunks } from '../../schedule/curve.js';
import { resolveSchedule } from '../../schedule/schedule.js';
import type { Cleanup } from './options.js';

export const DEFAULT_TRIAL_ROOT = 'lrsweep-trials';

/** Where trial folders go: --trials-dir when given, else $LRSWEEP_TRIALS_DIR, else ./lrsweep-trials (absolute). */
export function trialRoot(given?: string): string {
  return resolve(given ?? (process.env.LRSWEEP_TRIALS_DIR || DEFAULT_TRIAL_ROOT));
}

/**
 * The key a sweep's folder records in its sweep.json: `<store>#<created at>`. A name is unique in
 * a store, and a sweep deleted and created again under its name has a new creation time, so the
 * key tells a folder's sweep from any other of the same name.
 */
export function sweepDirKey(where: string, createdAt: string): string {
  return `${where}#${createdAt}`;
}

/** Whether a folder's key is this sweep's, or one of the same store's that was deleted (`delete --trial-folder` may take it). */
export function ownsSweepDir(key: string | null, where: string, createdAt: string): boolean {
  return key !== null && (key.endsWith(`#${createdAt}`) || key.startsWith(`${where}#`));
}
export const LR_FILE = 'lr.npy';
export const MOMENTUM_FILE = 'momentum.npy';
export const TRIAL_FILE = 'trial.json';
const SWEEP_FILE = 'sweep.json';

/** One attempt of one trial, as the runner knows it. */
export interface CommandTrial {
  sweep: string;
  /** The trial's number within lrsweep (the id `lrsweep show` takes). */
  number: number;
  /** 1 for the first run of this trial, 2 for its first retry, ... */
  attempt: number;
  repeat: number;
  seed: number;
  steps: number;
  /** The schedule's full parameters by reference name, with `schedule` (its kind): as stored in trials.params; for a given curve, what it is (the range test: range_test). */
  params: Record<string, unknown>;
  /** The trial's folder: trialDir(root, sweep, number). */
  dir: string;
  /** 0 .. workers-1: which of the runner's concurrent slots runs it (map it to a GPU). */
  slot: number;
  /** The LR of every step given as values (the LR range test), instead of computed from params. */
  curve?: Float64Array;
}

export interface TrialFiles {
  dir: string;
  lrFile: string;
  /** Where momentum.npy goes; written only for a schedule that cycles the momentum (hasMomentum). */
  momentumFile: string;
  trialFile: string;
  logPath: string;
}

export function trialDir(root: string, sweep: string, number: number): string {
  return resolve(root, sweep, String(number));
}

export function trialFiles(trial: Pick<CommandTrial, 'dir' | 'attempt'>): TrialFiles {
  const dir = resolve(trial.dir);
  return { dir, lrFile: join(dir, LR_FILE), momentumFile: join(dir, MOMENTUM_FILE), trialFile: join(dir, TRIAL_FILE), logPath: join(dir, `attempt-${trial.attempt}.log`) };
}

/**
 * Claims <root>/<sweep>/ for one sweep, named by `key`: anything that tells this sweep from an
 * earlier one of the same name (another database, or one deleted and created again), e.g. the
 * database path and the sweep's creation time. A folder claimed under another key is refused,
 * so a script never resumes from a checkpoint that another sweep's trial left behind.
 */
export function prepareSweepDir(root: string, sweep: string, key: string): string {
  const dir = resolve(root, sweep);
  const marker = join(dir, SWEEP_FILE);
  let existing: { key?: unknown } | null = null;
  try {
    existing = JSON.parse(readFileSync(marker, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`${marker}: cannot read it (${(e as Error).message}); remove ${dir} or choose another trial folder`);
  }
  if (existing && existing.key !== key) {
    throw new UsageError(`${dir} holds the trials of another sweep named ${sweep} (${String(existing.key)}), not of this one (${key}); ` +
      'its scripts could resume from those checkpoints: remove the folder, or choose another trial folder');
  }
  if (!existing) {
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(marker, `${JSON.stringify({ sweep, key }, null, 2)}\n`);
  }
  return dir;
}

/**
 * Who owns <root>/<sweep>/: null when there is no such folder, else its path and the key its
 * sweep.json names (prepareSweepDir), or null for a key when it has no readable sweep.json.
 */
export function sweepDirOwner(root: string, sweep: string): { dir: string; key: string | null } | null {
  const dir = resolve(root, sweep);
  if (!existsSync(dir)) return null;
  try {
    const key = (JSON.parse(readFileSync(join(dir, SWEEP_FILE), 'utf8')) as { key?: unknown }).key;
    return { dir, key: typeof key === 'string' ? key : null };
  } catch {
    return { dir, key: null };
  }
}

/** The library's camelCase input for a trial's reference-name params. */
export function scheduleInput(params: Record<string, unknown>): ScheduleInput {
  return fromReferenceNames(params as Parameters<typeof fromReferenceNames>[0]);
}

/**
 * Writes lr.npy: exactly `lrsweep curve`'s float64 values for the trial's params, streamed from
 * the engine in chunks (bounded memory at any length), to a temporary name renamed into place,
 * so a command never sees a partial file. `signal` is checked between chunks (10^9 steps take
 * tens of seconds and 8 GB): once it aborts, the partial file is removed and false returned.
 */
export async function writeLrFile(path: string, params: Record<string, unknown>, steps: number, given?: Float64Array, signal?: AbortSignal): Promise<boolean> {
  const chunks = given ? [given] : curveChunks(scheduleInput(params), { steps }); // validates before anything is written
  return writeNpy(path, chunks, steps, signal);
}

/** Whether a trial's schedule cycles the momentum too (one_cycle with cycle_momentum); never for a given curve. */
export function hasMomentum(trial: Pick<CommandTrial, 'params' | 'curve'>): boolean {
  return trial.curve === undefined && resolveSchedule(scheduleInput(trial.params)).hasMomentum;
}

/** Writes momentum.npy as writeLrFile writes lr.npy: the momentum `lrsweep curve --momentum` gives. */
export async function writeMomentumFile(path: string, params: Record<string, unknown>, steps: number, signal?: AbortSignal): Promise<boolean> {
  return writeNpy(path, resolveSchedule(scheduleInput(params)).momentumChunks({ steps }), steps, signal);
}

async function writeNpy(path: string, chunks: Iterable<Float64Array | Float32Array>, steps: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return false;
  const npy = encoder('npy', 'f64', steps);
  const sink = fileSink(path);
  try {
    await sink.write(npy.header());
    let first = 0;
    for (const chunk of chunks) {
      // The writes wait for the stream to drain, so signal handlers run between chunks.
      if (signal?.aborted) {
        sink.abort();
        return false;
      }
      await sink.write(npy.chunk(chunk, first, first === 0));
      first += chunk.length;
    }
    await sink.commit();
    return true;
  } catch (e) {
    sink.abort();
    throw e;
  }
}

/** What trial.json holds; the same facts as the LRSWEEP_* variables, plus the parameters. */
export function trialJson(trial: CommandTrial, files: TrialFiles): Record<string, unknown> {
  return {
    sweep: trial.sweep, trial: trial.number, attempt: trial.attempt, repeat: trial.repeat, seed: trial.seed,
    steps: trial.steps, params: trial.params, worker_slot: trial.slot,
    lr_file: files.lrFile, momentum_file: hasMomentum(trial) ? files.momentumFile : null, trial_dir: files.dir, log_file: files.logPath,
  };
}

/**
 * Makes the trial's folder (kept across attempts) and writes lr.npy (and momentum.npy where the
 * schedule cycles it) and trial.json for this attempt; null when `signal` aborted first (then
 * nothing of this attempt's lr.npy or momentum.npy is left).
 */
export async function prepareTrialDir(trial: CommandTrial, signal?: AbortSignal): Promise<TrialFiles | null> {
  const files = trialFiles(trial);
  mkdirSync(files.dir, { recursive: true });
  if (!(await writeLrFile(files.lrFile, trial.params, trial.steps, trial.curve, signal))) return null;
  if (hasMomentum(trial) && !(await writeMomentumFile(files.momentumFile, trial.params, trial.steps, signal))) {
    rmSync(files.lrFile, { force: true });
    return null;
  }
  writeFileAtomic(files.trialFile, `${JSON.stringify(trialJson(trial, files), null, 2)}\n`);
  return files;
}

const KEPT_BY_OUTPUTS = /^(attempt-\d+\.log|trial\.json)$/;

/** Applies the cleanup policy to a trial that completed (only then: see the top of this file). */
export function cleanTrialDir(dir: string, policy: Cleanup): void {
  if (policy === 'none') return;
  if (policy === 'lr') {
    rmSync(join(dir, LR_FILE), { force: true });
    rmSync(join(dir, MOMENTUM_FILE), { force: true });
    return;
  }
  for (const name of readdirSync(dir)) {
    if (!KEPT_BY_OUTPUTS.test(name)) rmSync(join(dir, name), { recursive: true, force: true });
  }
}
