// Reading a sweep file: parse (YAML or JSON) -> normalize (defaults, types) -> rules, reporting
// every problem at once with its key path. Nothing touches the database before this passes.
// Each section has its reader in file/ (space: schedule and parameters; sampling: method, trials,
// seed, repeats, seeding; objective; budget; constraints and lint); the rules on the sweep as a
// whole are in file/rules.ts. checkSweep runs them in the file's order, which is the order of
// the problems reported (tests assert it).

import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { UsageError, cut, show } from '../core/errors.js';
import { Problems, field, isRecord, unknownKeys } from '../core/problems.js';
import { TRAINER_LEGACY, trainerLegacyPath, type Sweep } from './definition.js';
import { canonicalMethod, samplerEntry } from './samplers/index.js';
import { readTrainer, type SweepTrainer } from './trainer.js';
import { readBudget } from './file/budget.js';
import { readConstraints, readLint } from './file/constraints.js';
import { readObjective } from './file/objective.js';
import { checkRules, type CheckProgress } from './file/rules.js';
import { readMethod, readRunKeys } from './file/sampling.js';
import { readParameters, readSchedule } from './file/space.js';
import { readPruner } from './pruners/spec.js';
import { canPlacePoints } from './points-steps.js';

export { MAX_COHORT_SIZE, MAX_COHORT_VALUES, MAX_TRIAL_TIMEOUT, MAX_WORKERS } from './file/budget.js';
export type { CheckProgress } from './file/rules.js';

const TOP_KEYS = ['name', 'schedule', 'parameters', 'method', 'trials', 'seed', 'repeats', 'seeding', 'objective', 'trainer', 'budget', 'constraints', 'lint', 'pruner'];
/** YAML aliases may expand a small file into a huge one (an alias bomb): refuse past this many. */
const MAX_ALIAS_COUNT = 100;

/** A sweep file that breaks rules. Exit code 2; the message lists every problem, one per line. */
export class SweepFileError extends UsageError {
  override name = 'SweepFileError';
  constructor(readonly file: string, readonly problems: readonly string[]) {
    super(`${file}: ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

/** A checked sweep, with what the run needs beyond its definition. */
export interface LoadedSweep {
  sweep: Sweep;
  trainer: SweepTrainer;
  /** Top-level keys the file sets (the rest took defaults), and trainer.<key> for its trainer's TRAINER_LEGACY keys. */
  written: Set<string>;
  file: string;
}

/** Parses a sweep file's text; throws SweepFileError for bad syntax. */
export function parseSweepText(text: string, file: string): unknown {
  const json = extname(file).toLowerCase() === '.json';
  try {
    if (json) return JSON.parse(text);
    const doc = parseDocument(text, { uniqueKeys: true });
    if (doc.errors.length > 0) throw doc.errors[0];
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    throw new SweepFileError(file, [`not valid ${json ? 'JSON' : 'YAML'}: ${cut((e as Error).message.split('\n')[0], 200)}`]);
  }
}

/** Reads and checks a sweep file; throws SweepFileError (exit 2) listing every problem. */
export async function loadSweepFile(path: string, onProgress?: CheckProgress): Promise<LoadedSweep> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a sweep file' : `cannot read it (${code ?? (e as Error).message})`;
    throw new UsageError(`sweep file ${show(path)}: ${why}`);
  }
  return checkSweep(parseSweepText(text, path), path, onProgress);
}

/** Checks a parsed sweep file; `file` names it in messages, and relative paths in it start from its directory. */
export async function checkSweep(raw: unknown, file = 'sweep', onProgress?: CheckProgress): Promise<LoadedSweep> {
  const problems = new Problems();
  if (!isRecord(raw)) throw new SweepFileError(file, ['the file must hold a mapping of keys (name, schedule, parameters, ...)']);
  unknownKeys(problems, raw, TOP_KEYS, '');

  // normalize: each section read in turn, its problems collected, a broken value read as its default
  const name = readName(problems, raw);
  const space = readSchedule(problems, raw.schedule, raw.parameters);
  const method = readMethod(problems, raw.method);
  const sampler = samplerEntry(method.kind);
  const parameters = readParameters(problems, raw.parameters, space, sampler);
  const runKeys = readRunKeys(problems, raw, sampler);
  const trainer = await readTrainer(raw.trainer, dirname(resolve(file)), problems);
  const objective = readObjective(problems, raw.objective, raw.trainer, trainer);
  const curves = sampler.curveMetric?.(method);
  if (curves && trainer?.metrics && !(curves.metric in trainer.metrics)) {
    problems.add(curves.path, `must be one of ${Object.keys(trainer.metrics).join(', ')} (the metrics of trainer ${trainer.section.kind}; method ${sampler.name} fits the training loss's curve)`, curves.metric);
  }
  const budget = readBudget(problems, raw.budget, trainer);
  const constraints = readConstraints(problems, raw.constraints);
  const lint = readLint(problems, raw.lint);
  const pruner = readPruner(problems, raw.pruner, trainer?.steps ?? null, 'pruner', { goal: objective.goal, metric: objective.metric, metrics: trainer?.metrics ?? null });
  const placed = pruner !== null && trainer !== null ? canPlacePoints({ trainer }) : true;
  if (placed !== true) problems.add('pruner', `needs a trainer whose points carry their training step: ${placed}`, undefined, false);
  if (!problems.empty || trainer === null) throw new SweepFileError(file, problems.list);

  // rules: on the sweep as a whole, once every section is sound
  const sweep: Sweep = {
    name, schedule: space.schedule, parameters, method: canonicalMethod(method), ...runKeys, objective, trainer: trainer.section, budget, constraints, lint,
    ...(pruner === null ? {} : { pruner }),
  };
  await checkRules(sweep, method, trainer.steps, problems, onProgress);
  if (!problems.empty) throw new SweepFileError(file, problems.list);
  return { sweep, trainer, written: writtenKeys(raw, sweep.trainer.kind), file };
}

/** The keys `written` lists: the top-level ones, and the trainer's that a stored sweep may predate. */
function writtenKeys(raw: Record<string, unknown>, kind: string): Set<string> {
  const written = new Set(Object.keys(raw));
  const section = isRecord(raw.trainer) ? raw.trainer : {};
  for (const key of Object.keys(TRAINER_LEGACY[kind] ?? {})) if (section[key] !== undefined) written.add(trainerLegacyPath(key));
  return written;
}

/** Reads `name` (required): a name of letters, digits, dots, dashes or underscores. */
function readName(problems: Problems, raw: Record<string, unknown>): string {
  const name = field(problems, raw, 'name', 'name', (v) =>
    typeof v === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(v) ? null : 'must be a name of at most 100 letters, digits, dots, dashes or underscores', '');
  if (raw.name === undefined) problems.add('name', 'is required', undefined, false);
  return name;
}
