// The sweep file's `trainer` section for `kind: command`: parse -> normalize -> rules, every
// problem reported at its key path. Two forms, as everywhere in lrsweep:
//
// - CommandTrainerConfig: what the sweep definition stores. Defaults filled in, `steps` always
//   a number (epochs x steps_per_epoch multiplied out; steps_per_epoch kept beside it when given,
//   to place epoch-only metrics lines at steps), paths as written, relative to the sweep
//   file's directory (so moving a project does not change the sweep's identity), `env` values
//   with their `${VAR}` references unexpanded (so no secret is ever stored).
// - CommandTrainerOptions: what the runner uses: the same with absolute paths.
//
// Host checks (is run[0] on PATH, is every `${VAR}` set) belong to the machine that runs the
// trials, not to parsing: see checkCommandHost.

import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, relative, resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { Problems, field, isRecord, unknownKeys } from '../../core/problems.js';
import { rules } from '../../core/rules.js';
import type { Goal } from '../../core/trial.js';
import { defaultFiles } from './files.js';
import { METRIC_NAME } from './output.js';
import { envReferences, expandEnv, placeholderProblem, placeholdersIn } from './template.js';

/**
 * What happens in a trial's directory when the trial completes. Failed and interrupted trials
 * keep everything (a retry may resume from a checkpoint; a person may want to look).
 * - lr: delete lr.npy (8 bytes a step, and `lrsweep curve` regenerates it exactly);
 * - outputs: keep only the logs and trial.json (for scripts that write large checkpoints);
 * - none: keep everything.
 */
export type Cleanup = 'lr' | 'outputs' | 'none';
export const CLEANUPS: readonly Cleanup[] = ['lr', 'outputs', 'none'];

export interface CommandTrainerConfig {
  kind: 'command';
  /** The command and its arguments, with placeholders; never run through a shell. */
  run: string[];
  /** Length of each trial's LR curve. */
  steps: number;
  /**
   * Given with epochs: the steps in one epoch, so a metrics line with only an epoch is placed at a
   * step (epoch e at e x steps_per_epoch - 1), as pruners need. Absent when the file gave steps (and
   * in definitions stored before it was kept: register.ts reads those as they were).
   */
  steps_per_epoch?: number;
  /** The metric names the command prints. */
  metrics: string[];
  /** Which way is better, per metric; a metric not listed has its known goal (loss: minimize, acc: maximize) or none, and then the objective must state it. */
  goals: Record<string, Goal>;
  /** The command's working directory, relative to the sweep file's directory. */
  cwd: string;
  /** Added to the command's environment; `${VAR}` is read from lrsweep's environment at run time. */
  env: Record<string, string>;
  /** What the command depends on (hashed for provenance), relative to the sweep file's directory. */
  files: string[];
  /** Seconds between SIGTERM and SIGKILL when a trial is stopped. */
  kill_grace: number;
  cleanup: Cleanup;
}

export interface CommandTrainerOptions extends Omit<CommandTrainerConfig, 'cwd' | 'files'> {
  /** Absolute. */
  cwd: string;
  /** Absolute. */
  files: string[];
}

export const COMMAND_DEFAULTS = { cwd: '.', kill_grace: 10, cleanup: 'lr' as Cleanup } as const;

const KEYS = ['kind', 'run', 'steps', 'epochs', 'steps_per_epoch', 'metrics', 'goals', 'cwd', 'env', 'files', 'kill_grace', 'cleanup'];
/** `epoch` and `step` index a metrics line; they are not metrics. */
const RESERVED_METRICS = ['epoch', 'step'];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface ParseContext {
  /** Directory of the sweep file: `cwd` and `files` are relative to it. */
  baseDir: string;
  /** The schedule's parameters by reference name, for `{param.NAME}`. */
  params: readonly string[];
}

/** Reads `trainer` (kind command), reporting each problem under `path` (e.g. `trainer.run[2]`). */
export function parseCommandTrainer(raw: Record<string, unknown>, path: string, problems: Problems, context: ParseContext): CommandTrainerConfig {
  const at = (key: string) => `${path}.${key}`;
  unknownKeys(problems, raw, KEYS, path);

  const run = parseRun(raw.run, at('run'), problems, context.params);
  const steps = parseSteps(raw, path, problems);
  const perEpoch = raw.steps !== undefined || typeof raw.steps_per_epoch !== 'number' ? {} : { steps_per_epoch: raw.steps_per_epoch };
  const metrics = parseMetrics(raw.metrics, at('metrics'), problems);
  const goals = parseGoals(raw.goals, at('goals'), problems, metrics);
  const cwd = field(problems, raw, 'cwd', at('cwd'), rules.string, COMMAND_DEFAULTS.cwd as string);
  const cwdAbs = resolve(context.baseDir, cwd);
  const cwdOk = raw.cwd === undefined || typeof raw.cwd !== 'string' || raw.cwd === '' || isDirectory(cwdAbs);
  if (!cwdOk) problems.add(at('cwd'), `must be an existing directory (relative to the sweep file's directory ${context.baseDir})`, cwd);
  const env = parseEnv(raw.env, at('env'), problems);
  const kill_grace = field(problems, raw, 'kill_grace', at('kill_grace'), rules.nonNegative, COMMAND_DEFAULTS.kill_grace as number);
  const cleanup = field(problems, raw, 'cleanup', at('cleanup'), rules.oneOf(CLEANUPS), COMMAND_DEFAULTS.cleanup);

  let files: string[] = [];
  if (raw.files !== undefined) files = parseFiles(raw.files, at('files'), problems, context.baseDir);
  else if (run.length > 0 && cwdOk) files = defaultFiles(run, cwdAbs).map((f) => relative(context.baseDir, f));

  return { kind: 'command', run, steps, ...perEpoch, metrics, goals, cwd, env, files, kill_grace, cleanup };
}

/** The same options with `cwd` and `files` made absolute against the sweep file's directory. */
export function resolveCommandTrainer(config: CommandTrainerConfig, baseDir: string): CommandTrainerOptions {
  return { ...config, cwd: resolve(baseDir, config.cwd), files: config.files.map((f) => resolve(baseDir, f)) };
}

/**
 * Checks what only the machine that runs the trials can check, before any trial starts: run[0]
 * can be executed (on PATH, or a path relative to cwd), and every `${VAR}` in `env` is set.
 * Throws UsageError listing each problem.
 */
export function checkCommandHost(options: CommandTrainerOptions, from: NodeJS.ProcessEnv = process.env, path = 'trainer'): void {
  const found: string[] = [];
  const program = options.run[0];
  if (program !== undefined && !program.includes('{') && findProgram(program, options.cwd, options.env.PATH ?? from.PATH ?? '') === null) {
    found.push(program.includes('/')
      ? `${path}.run[0]: ${JSON.stringify(program)} is not an executable file (relative to cwd ${options.cwd})`
      : `${path}.run[0]: ${JSON.stringify(program)} is not on PATH`);
  }
  for (const [key, value] of Object.entries(options.env)) {
    try {
      expandEnv({ [key]: value }, from, `${path}.env`);
    } catch (e) {
      found.push((e as Error).message);
    }
  }
  if (found.length > 0) throw new UsageError(found.join('\n'));
}

/** The executable that `program` names: a path (relative to cwd) if it has a slash, else the first match on PATH. */
export function findProgram(program: string, cwd: string, pathVar: string): string | null {
  const executable = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (program.includes('/')) {
    const p = resolve(cwd, program);
    return executable(p) ? p : null;
  }
  for (const dir of pathVar.split(delimiter)) {
    if (dir === '') continue;
    const p = join(isAbsolute(dir) ? dir : resolve(cwd, dir), program);
    if (executable(p)) return p;
  }
  return null;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function parseRun(value: unknown, path: string, problems: Problems, params: readonly string[]): string[] {
  if (value === undefined) {
    problems.add(path, 'is required: the command and its arguments as a list, e.g. [python3, train.py, --lr-file, "{lr_file}"]', undefined, false);
    return [];
  }
  if (!Array.isArray(value) || value.length === 0) {
    problems.add(path, 'must be a non-empty list: the command and its arguments, e.g. [python3, train.py]', value);
    return [];
  }
  const run: string[] = [];
  value.forEach((arg, i) => {
    const at = `${path}[${i}]`;
    if (typeof arg === 'number' && Number.isFinite(arg)) {
      run.push(String(arg));
      return;
    }
    if (typeof arg !== 'string') {
      problems.add(at, 'must be a string or a number', arg);
      return;
    }
    if (i === 0 && arg === '') {
      problems.add(at, 'must name the program to run', arg);
      return;
    }
    for (const name of placeholdersIn(arg)) {
      const broken = placeholderProblem(name, params);
      if (broken) problems.add(at, broken, arg);
    }
    run.push(arg);
  });
  return run;
}

function parseSteps(raw: Record<string, unknown>, path: string, problems: Problems): number {
  const at = (key: string) => `${path}.${key}`;
  const steps = field(problems, raw, 'steps', at('steps'), rules.integer(1), 0);
  const epochs = field(problems, raw, 'epochs', at('epochs'), rules.integer(1), 0);
  const perEpoch = field(problems, raw, 'steps_per_epoch', at('steps_per_epoch'), rules.integer(1), 0);
  const given = (k: string) => raw[k] !== undefined;
  if (given('steps') && (given('epochs') || given('steps_per_epoch'))) {
    problems.add(path, 'give steps, or epochs and steps_per_epoch, not both', undefined, false);
    return steps;
  }
  if (given('steps')) return steps;
  if (!given('epochs') && !given('steps_per_epoch')) {
    problems.add(at('steps'), 'is required: the length of each trial\'s LR curve (or give epochs and steps_per_epoch)', undefined, false);
    return 0;
  }
  if (!given('epochs')) problems.add(at('epochs'), 'is required with steps_per_epoch (steps = epochs x steps_per_epoch)', undefined, false);
  if (!given('steps_per_epoch')) problems.add(at('steps_per_epoch'), 'is required with epochs (steps = epochs x steps_per_epoch)', undefined, false);
  return epochs * perEpoch;
}

function parseMetrics(value: unknown, path: string, problems: Problems): string[] {
  if (value === undefined) {
    problems.add(path, 'is required: the metric names your command prints, e.g. [val_loss, val_acc]', undefined, false);
    return [];
  }
  if (!Array.isArray(value) || value.length === 0) {
    problems.add(path, 'must be a non-empty list of metric names, e.g. [val_loss, val_acc]', value);
    return [];
  }
  const metrics: string[] = [];
  value.forEach((name, i) => {
    const at = `${path}[${i}]`;
    if (typeof name !== 'string' || !METRIC_NAME.test(name)) problems.add(at, 'must be a metric name (a letter or _, then letters, digits, _ . -)', name);
    else if (RESERVED_METRICS.includes(name)) problems.add(at, 'is not a metric: epoch and step index the metrics lines', name);
    else if (metrics.includes(name)) problems.add(at, 'is listed twice', name);
    else metrics.push(name);
  });
  return metrics;
}

function parseGoals(value: unknown, path: string, problems: Problems, metrics: readonly string[]): Record<string, Goal> {
  if (value === undefined) return {};
  if (!isRecord(value)) {
    problems.add(path, 'must be a mapping of metric: minimize or maximize, e.g. { val_acc: maximize }', value);
    return {};
  }
  const goals: Record<string, Goal> = {};
  for (const [metric, goal] of Object.entries(value)) {
    const at = `${path}.${metric}`;
    if (!metrics.includes(metric)) problems.add(at, `names no metric in metrics (${metrics.join(', ')})`, undefined, false);
    else if (goal !== 'minimize' && goal !== 'maximize') problems.add(at, 'must be minimize or maximize', goal);
    else goals[metric] = goal;
  }
  return goals;
}

function parseEnv(value: unknown, path: string, problems: Problems): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value)) {
    problems.add(path, 'must be a mapping of NAME: value, e.g. { OMP_NUM_THREADS: 1, HF_TOKEN: "${HF_TOKEN}" }', value);
    return {};
  }
  const env: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    const at = `${path}.${key}`;
    if (!ENV_NAME.test(key)) {
      problems.add(at, 'is not a usable variable name (a letter or _, then letters, digits or _)', undefined, false);
      continue;
    }
    if (key.startsWith('LRSWEEP_')) {
      problems.add(at, 'LRSWEEP_* variables are set by lrsweep for each trial', undefined, false);
      continue;
    }
    if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v)) && typeof v !== 'boolean') {
      problems.add(at, 'must be a string, a number or true/false', v);
      continue;
    }
    const text = String(v);
    const { malformed } = envReferences(text);
    if (malformed.length > 0) problems.add(at, `${malformed[0]} must name a variable: \${NAME}`, text);
    else env[key] = text;
  }
  return env;
}

function parseFiles(value: unknown, path: string, problems: Problems, baseDir: string): string[] {
  if (!Array.isArray(value)) {
    problems.add(path, 'must be a list of files or directories the command depends on, e.g. [train.py, data/]', value);
    return [];
  }
  const files: string[] = [];
  value.forEach((f, i) => {
    const at = `${path}[${i}]`;
    if (typeof f !== 'string' || f === '') problems.add(at, 'must be a path (relative to the sweep file\'s directory)', f);
    else if (!existsSync(resolve(baseDir, f))) problems.add(at, `must exist (relative to the sweep file's directory ${baseDir})`, f);
    else files.push(f);
  });
  return files;
}
