// What the sweep file check notices that is not an error: warnings `run` and `run --dry-run`
// print on stderr before anything trains (never exit 2, never a stop; the schedule lints are
// lints.ts). As lints do, each names its rule (warning-rules.ts), which the file's
// `lint: { ignore: [...] }` silences, and --no-lint silences them all. One rule so far:
// - startup-cohort: a learning sampler (an adaptive one with a `startup_trials` option: tpe)
//   whose startup_trials is not more than the trainer's cohort (cohort_size, a lockstep trainer's
//   members trained at once, training.ts cohortSizeOf). A free slot asks for a whole cohort of
//   configs (source.ts), and a run starts with every slot free, so its first ask draws a cohort
//   per slot (--workers x cohort; on PostgreSQL each worker asks too) before any result: all
//   startup draws whatever startup_trials is (up to the cohort), and the model is first used once
//   a cohort has finished. The ask is not made to wait for startup_trials results instead: that
//   would train cohorts of fewer members (and leave other slots idle) for the same time each.
//   Moot, so not said, when the sweep creates no more configs than one cohort (all are created at
//   once anyway: there is nothing for the model to learn from).

import type { LoadedSweep } from '../file.js';
import { configsLeft } from '../ask.js';
import { methodOf, samplerEntry } from '../samplers/index.js';
import { cohortSizeOf } from '../training.js';
import type { FileWarningRule } from './warning-rules.js';

/** The file's warnings, one line each, for stderr (those its lint.ignore names left out). */
export function fileWarnings(loaded: Pick<LoadedSweep, 'sweep' | 'trainer'>): string[] {
  const out: string[] = [];
  const { sweep } = loaded;
  const method = methodOf(sweep.method);
  const entry = samplerEntry(method.kind);
  const cohort = cohortSizeOf(loaded, sweep);
  const ignored = (rule: FileWarningRule) => sweep.lint.ignore.includes(rule);
  if (entry.adaptive && 'startup_trials' in entry.options && cohort > 1 && (method.startup_trials as number) <= cohort
    && configsLeft(sweep, 0, 0) > cohort && !ignored('startup-cohort')) {
    const startup = method.startup_trials as number;
    out.push(`warning [startup-cohort]: method.startup_trials is ${startup}, not more than the trainer's cohort of ${cohort} (budget.cohort_size${sweep.budget.cohort_size === null ? ', its default' : ''}): ` +
      `each free worker slot asks ${method.kind} for a whole cohort before any result, and a run starts with every slot free, so at least the first ${cohort} configs ` +
      `(${cohort} per worker slot) are startup draws and startup_trials changes nothing; ` +
      `the model suggests once a cohort has finished (set startup_trials above ${cohort}, or a smaller budget.cohort_size; silence with lint: { ignore: [startup-cohort] })`);
  }
  return out;
}
