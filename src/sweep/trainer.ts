// The sweep file's `trainer` section: which trainer, its options checked by the trainer itself,
// its step count and metrics. Built-in trainers take their options beside `kind`; a module
// trainer takes `path` (relative to the sweep file) and `options`. Loading a module here runs
// its top level in this process, once, before any trial.

import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { isRecord, unknownKeys, type Problems } from '../core/problems.js';
import type { Goal } from '../core/trial.js';
import { PARAMETERS } from '../schedule/params.js';
import { CYCLES } from './definition.js';
import { parseCommandTrainer, resolveCommandTrainer, type CommandTrainerOptions } from '../train/command/index.js';
import { declaredMetrics, OptionsError, type TrainerDefinition } from '../train/contract.js';
import { BUILTIN_TRAINERS, loadTrainer, type TrainerRef } from '../train/registry.js';

export const TRAINER_KINDS = [...Object.keys(BUILTIN_TRAINERS), 'module', 'command'];

/** Most steps one command trial may take: its lr.npy is written to disk, 8 bytes a step. */
export const MAX_COMMAND_STEPS = 1_000_000_000;

/**
 * Most steps one in-process trial may take: its LR curve is held in memory (8 bytes a step,
 * once in the worker and once per cohort member).
 */
export const MAX_TRIAL_STEPS = 10_000_000;

/** How a sweep's trials run: in pool threads (built-in and module trainers), or as commands. */
export type TrainerRunner =
  | { kind: 'pool'; ref: TrainerRef; definition: TrainerDefinition<any>; options: unknown }
  | { kind: 'command'; options: CommandTrainerOptions };

export interface SweepTrainer {
  /** The normalized section, as stored with the sweep. */
  section: { kind: string } & Record<string, unknown>;
  runner: TrainerRunner;
  steps: number;
  /** The steps in one epoch, when the trainer says (its stepsPerEpoch, a command's steps_per_epoch): progress counts epochs in steps. */
  stepsPerEpoch: number | null;
  metrics: Record<string, Goal | null>;
  /** Files whose content the trainer depends on (absolute), hashed into the sweep's trainer hash. */
  files: string[];
}

function readCommand(section: Record<string, unknown>, baseDir: string, problems: Problems): SweepTrainer | null {
  const before = problems.entries.length;
  const params = [...new Set([...Object.values(PARAMETERS).flatMap((t) => t.map((d) => d.ref)), CYCLES])];
  const config = parseCommandTrainer(section, 'trainer', problems, { baseDir, params });
  if (problems.entries.length > before) return null;
  if (config.steps > MAX_COMMAND_STEPS) {
    problems.add('trainer.steps', `a trial would take ${config.steps.toLocaleString('en-US')} steps; the limit is ${MAX_COMMAND_STEPS.toLocaleString('en-US')} steps per command trial (its lr.npy takes 8 bytes a step)`, undefined, false);
    return null;
  }
  const options = resolveCommandTrainer(config, baseDir);
  const metrics = Object.fromEntries(config.metrics.map((m) => [m, config.goals[m] ?? null]));
  // steps_per_epoch is multiplied out into steps in what is stored; progress still wants it.
  const stepsPerEpoch = typeof section.steps_per_epoch === 'number' ? section.steps_per_epoch : null;
  return { section: config as unknown as SweepTrainer['section'], runner: { kind: 'command', options }, steps: config.steps, stepsPerEpoch, metrics, files: options.files };
}

/** The metrics a section's trainer declares, when its kind alone says (built-in trainers), even if its options are bad. */
export function metricsOfKind(raw: unknown): Record<string, Goal | null> | null {
  const kind = isRecord(raw) ? raw.kind ?? 'mlp' : raw === undefined ? 'mlp' : null;
  const d = typeof kind === 'string' ? BUILTIN_TRAINERS[kind] : undefined;
  return d ? declaredMetrics(d) : null;
}

/** Reads the trainer section; reports problems under `trainer` and returns null when there are any. */
export async function readTrainer(raw: unknown, baseDir: string, problems: Problems): Promise<SweepTrainer | null> {
  const before = problems.entries.length;
  if (raw !== undefined && !isRecord(raw)) {
    problems.add('trainer', 'must be a mapping with a kind', raw);
    return null;
  }
  const section = (raw ?? {}) as Record<string, unknown>;
  const kind = section.kind ?? 'mlp';
  if (typeof kind !== 'string' || !TRAINER_KINDS.includes(kind)) {
    problems.add('trainer.kind', `must be one of ${TRAINER_KINDS.join(', ')}`, kind);
    return null;
  }
  if (kind === 'command') return readCommand(section, baseDir, problems);
  let ref: TrainerRef;
  let rawOptions: unknown;
  let optionsPath: string;
  const files: string[] = [];
  if (kind === 'module') {
    unknownKeys(problems, section, ['kind', 'path', 'options'], 'trainer');
    if (typeof section.path !== 'string' || section.path === '') {
      problems.add('trainer.path', 'must be the path of a module that default-exports defineTrainer({...}), relative to the sweep file', section.path);
      return null;
    }
    const path = isAbsolute(section.path) ? section.path : resolve(baseDir, section.path);
    if (!existsSync(path) || !statSync(path).isFile()) {
      problems.add('trainer.path', `no such file: ${path}`, section.path);
      return null;
    }
    ref = { module: path };
    files.push(path);
    rawOptions = section.options ?? {};
    optionsPath = 'trainer.options';
  } else {
    ref = { builtin: kind };
    const { kind: _kind, ...rest } = section;
    rawOptions = rest;
    optionsPath = 'trainer';
  }
  let definition: TrainerDefinition<any>;
  try {
    definition = await loadTrainer(ref);
  } catch (e) {
    problems.add('trainer.path', (e as Error).message.split('\n')[0], undefined, false);
    return null;
  }
  let options: unknown = rawOptions;
  if (definition.parse) {
    try {
      options = definition.parse(rawOptions, { baseDir });
    } catch (e) {
      if (e instanceof OptionsError || (e as { name?: string }).name === 'OptionsError') problems.addAll(optionsPath, (e as OptionsError).problems);
      else problems.add(optionsPath, (e as Error).message.split('\n')[0], undefined, false);
      return null;
    }
  }
  if (problems.entries.length > before) return null;
  let steps: number;
  try {
    steps = definition.steps(options);
  } catch (e) {
    problems.add(optionsPath, `the trainer's steps() failed: ${(e as Error).message.split('\n')[0]}`, undefined, false);
    return null;
  }
  const stepsKey = isRecord(options) && 'epochs' in options ? `${optionsPath}.epochs` : optionsPath;
  if (!(Number.isInteger(steps) && steps >= 1)) {
    problems.add(stepsKey, `the trainer's steps() must give an integer >= 1 (the length of the LR curve), got ${steps}`, undefined, false);
    return null;
  }
  if (steps > MAX_TRIAL_STEPS) {
    problems.add(stepsKey, `a trial would take ${steps.toLocaleString('en-US')} steps; the limit is ${MAX_TRIAL_STEPS.toLocaleString('en-US')} steps per trial (its LR curve is held in memory)`, undefined, false);
    return null;
  }
  let stepsPerEpoch: number | null = null;
  if (definition.stepsPerEpoch) {
    try {
      stepsPerEpoch = definition.stepsPerEpoch(options);
    } catch (e) {
      problems.add(optionsPath, `the trainer's stepsPerEpoch() failed: ${(e as Error).message.split('\n')[0]}`, undefined, false);
      return null;
    }
    if (!(Number.isInteger(stepsPerEpoch) && stepsPerEpoch >= 1)) {
      problems.add(stepsKey, `the trainer's stepsPerEpoch() must give an integer >= 1 (the steps in one epoch), got ${stepsPerEpoch}`, undefined, false);
      return null;
    }
  }
  // What the sweep stores (its identity): the trainer may keep paths as written there (contract.ts).
  const stored = definition.stored ? definition.stored(options) : options;
  files.push(...(definition.files?.(options) ?? []));
  const normalized = kind === 'module'
    ? { kind, path: section.path as string, options: stored }
    : { kind, ...(stored as Record<string, unknown>) };
  return { section: normalized, runner: { kind: 'pool', ref, definition, options }, steps, stepsPerEpoch, metrics: declaredMetrics(definition), files };
}
