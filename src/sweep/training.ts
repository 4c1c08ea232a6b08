// What a machine needs to train a sweep's trials: the executor for its trainer (the thread pool,
// or child processes for a command trainer), how claimed trials become a unit of work, and what
// each trial records about where it ran. Built from this machine's own sweep file: nothing that
// is executed ever comes from the database.

import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { lrsweepVersion } from '../core/version.js';
import { CommandExecutor } from '../pool/command-executor.js';
import type { Executor } from '../pool/executor.js';
import type { WorkUnit } from '../pool/messages.js';
import { TrialPool } from '../pool/pool.js';
import type { Json, SweepRecord, TrialRecord } from '../storage/types.js';
import type { Backend } from '../train/backend.js';
import { hashFiles, prepareSweepDir, sweepDirKey, trialRoot } from '../train/command/index.js';
import { DEFAULT_COHORT_SIZE, TRAINER_LEGACY, type Config, type Sweep } from './definition.js';
import type { LoadedSweep } from './file.js';

export interface Training {
  executor: Executor;
  unitFor(trials: TrialRecord[]): WorkUnit;
  /** Trials per unit: a cohort trains in lockstep when the trainer can (1: one trial per unit). */
  cohortSize: number;
  provenance: Json;
}

/** A content hash of the trainer's files (module and command trainers), so a changed trainer is noticed. */
export async function trainerHash(loaded: LoadedSweep): Promise<string | null> {
  if (loaded.trainer.files.length === 0) return null;
  return hashFiles(loaded.trainer.files, dirname(resolve(loaded.file)));
}

/** Trials per unit for this sweep and trainer. */
export function cohortSizeOf(loaded: Pick<LoadedSweep, 'trainer'>, sweep: Sweep): number {
  const runner = loaded.trainer.runner;
  return runner.kind === 'pool' && runner.definition.trainCohort ? (sweep.budget.cohort_size ?? DEFAULT_COHORT_SIZE) : 1;
}

/**
 * The options the workers train with: the file's, except the trainer keys a stored sweep predates
 * (definition.ts TRAINER_LEGACY), which take the registered definition's value: an mlp sweep
 * stored before `engine` keeps training with tfjs while its file is silent on the key.
 */
function withLegacyKeys(options: unknown, sweep: Sweep): unknown {
  const keys = Object.keys(TRAINER_LEGACY[sweep.trainer.kind] ?? {});
  if (keys.length === 0 || typeof options !== 'object' || options === null) return options;
  return { ...options, ...Object.fromEntries(keys.map((k) => [k, sweep.trainer[k]])) };
}

/** The built-in mlp's engine (wasm or tfjs) as a trainer section says; null for other trainers. */
export function engineOf(trainer: Sweep['trainer']): string | null {
  return trainer.kind === 'mlp' && typeof trainer.engine === 'string' ? trainer.engine : null;
}

/**
 * Why --backend cannot apply to this trainer (a sweep's, legacy values included), or null: it picks tfjs's backend, and the mlp's wasm
 * engine does not run on tfjs. Only an explicit non-default --backend is refused (it asked for
 * something this sweep would not do); the default wasm backend is what every run passes.
 */
export function backendProblem(trainer: Sweep['trainer'], backend: Backend | undefined): string | null {
  if (backend === undefined || backend === 'wasm' || engineOf(trainer) !== 'wasm') return null;
  return `--backend ${backend}: picks tfjs's backend, but this sweep trains with trainer.engine wasm, which does not run on tfjs: ` +
    `set trainer.engine: tfjs to train on tfjs's ${backend} backend, or leave out --backend`;
}

export interface TrainingOptions {
  workers: number;
  backend: Backend;
  hash: string | null;
  /** Command trainers: where trial directories go (default $LRSWEEP_TRIALS_DIR, else ./lrsweep-trials). */
  trialsDir?: string;
  /** Names the store in the trial directory's marker, so two stores never share one directory. */
  where: string;
}

export function trainingFor(loaded: LoadedSweep, sweep: Sweep, record: SweepRecord, o: TrainingOptions): Training {
  const runner = loaded.trainer.runner;
  const cohortSize = cohortSizeOf(loaded, sweep);
  let executor: Executor;
  if (runner.kind === 'command') {
    const root = trialRoot(o.trialsDir);
    prepareSweepDir(root, sweep.name, sweepDirKey(o.where, record.createdAt));
    executor = new CommandExecutor({ options: runner.options, slots: o.workers, root, trialTimeout: sweep.budget.trial_timeout, objective: sweep.objective.metric });
  } else executor = new TrialPool({ workers: o.workers, trialTimeout: sweep.budget.trial_timeout });
  const options = runner.kind === 'pool' ? withLegacyKeys(runner.options, sweep) : null;
  const ref = runner.kind === 'pool' ? runner.ref : { builtin: 'command' };
  const engine = engineOf(sweep.trainer);
  // The tfjs backend where tfjs trains: not for the mlp's wasm engine, which has none.
  const backend = runner.kind === 'pool' && engine !== 'wasm' ? { backend: o.backend } : {};
  const provenance = {
    lrsweep: lrsweepVersion(), node: process.version, ...(engine ? { engine } : {}), ...backend, host: hostname(), trainer_hash: o.hash,
  };
  const steps = loaded.trainer.steps;
  return {
    executor, cohortSize, provenance,
    unitFor: (trials) => ({
      sweep: sweep.name, trainer: ref, options, steps, seed: trials[0].seed, backend: o.backend, perStep: false,
      lockstep: cohortSize > 1,
      members: trials.map((t) => ({ trialId: t.id, number: t.number, attempt: t.attempts, repeat: t.repeat, params: t.params as Config })),
    }),
  };
}
