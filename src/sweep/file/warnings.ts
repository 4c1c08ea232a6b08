// What the sweep file check notices that is not an error: warnings `run` and `run --dry-run`
// print on stderr before anything trains (never exit 2, never a stop; the schedule lints are
// lints.ts). One rule so far:
// - startup-cohort: a learning sampler (an adaptive one with a `startup_trials` option: tpe)
//   whose startup_trials is not more than the trainer's cohort (cohort_size, a lockstep trainer's
//   members trained at once, training.ts cohortSizeOf). A free slot asks for a whole cohort of
//   configs (source.ts), all drawn before any result, so the first cohort is all startup draws
//   whatever startup_trials is (up to the cohort), and the model is first used once a cohort has
//   finished. The ask is not made to wait for startup_trials results instead: that would train
//   cohorts of fewer members (and leave other slots idle) for the same time each.

import type { LoadedSweep } from '../file.js';
import { methodOf, samplerEntry } from '../samplers/index.js';
import { cohortSizeOf } from '../training.js';

/** The file's warnings, one line each, for stderr. */
export function fileWarnings(loaded: Pick<LoadedSweep, 'sweep' | 'trainer'>): string[] {
  const out: string[] = [];
  const method = methodOf(loaded.sweep.method);
  const entry = samplerEntry(method.kind);
  const cohort = cohortSizeOf(loaded, loaded.sweep);
  if (entry.adaptive && 'startup_trials' in entry.options && cohort > 1 && (method.startup_trials as number) <= cohort) {
    const startup = method.startup_trials as number;
    out.push(`warning [startup-cohort]: method.startup_trials is ${startup}, not more than the trainer's cohort of ${cohort} (budget.cohort_size${loaded.sweep.budget.cohort_size === null ? ', its default' : ''}): ` +
      `each free slot asks ${method.kind} for a whole cohort before any result, so the first ${cohort} configs are all startup draws and startup_trials changes nothing; ` +
      `the model suggests once a cohort has finished (set startup_trials above ${cohort}, or a smaller budget.cohort_size)`);
  }
  return out;
}
