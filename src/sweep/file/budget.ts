// A sweep file's `budget`: how many trials at most, how many run at once, each one's time limit,
// and how many train together in one cohort; with the limits those keep.

import { Problems, field, unknownKeys } from '../../core/problems.js';
import { rules } from '../../core/rules.js';
import { DEFAULT_COHORT_SIZE, type Sweep } from '../definition.js';
import type { SweepTrainer } from '../trainer.js';
import { sectionOf } from './section.js';

/** The most pool threads or command slots one run starts. */
export const MAX_WORKERS = 256;
export const MAX_COHORT_SIZE = 256;
/** Seconds: Node's timers hold at most 2^31 - 1 ms. */
export const MAX_TRIAL_TIMEOUT = Math.floor((2 ** 31 - 1) / 1000);
/** LR values a cohort may hold at once (steps x members, 8 bytes each: 160 MB). */
export const MAX_COHORT_VALUES = 20_000_000;

/** Reads `budget`, and checks a cohort's memory and time limit against the trainer's steps. */
export function readBudget(problems: Problems, raw: unknown, trainer: SweepTrainer | null): Sweep['budget'] {
  const rawBudget = sectionOf(problems, raw, 'budget', 'a mapping {max_trials, workers, trial_timeout, cohort_size}');
  unknownKeys(problems, rawBudget, ['max_trials', 'workers', 'trial_timeout', 'cohort_size'], 'budget');
  const budget: Sweep['budget'] = {
    max_trials: field(problems, rawBudget, 'max_trials', 'budget.max_trials', rules.integer(1), null as number | null),
    workers: field(problems, rawBudget, 'workers', 'budget.workers', rules.integer(1, MAX_WORKERS), null as number | null),
    trial_timeout: field(problems, rawBudget, 'trial_timeout', 'budget.trial_timeout',
      (v) => rules.positive(v) ?? ((v as number) <= MAX_TRIAL_TIMEOUT ? null : `must be at most ${MAX_TRIAL_TIMEOUT} seconds (24 days: the longest timer Node keeps)`), null as number | null),
    cohort_size: field(problems, rawBudget, 'cohort_size', 'budget.cohort_size', rules.integer(1, MAX_COHORT_SIZE), null as number | null),
  };
  // A cohort holds every member's curve at once (8 bytes a step each), and its time limit is the trial's times its members.
  const cohort = budget.cohort_size ?? (trainer?.runner.kind === 'pool' && trainer.runner.definition.trainCohort ? DEFAULT_COHORT_SIZE : 1);
  if (trainer && cohort > 1 && trainer.steps * cohort > MAX_COHORT_VALUES) {
    problems.add('budget.cohort_size', `${cohort} members of ${trainer.steps.toLocaleString('en-US')} steps make ${(trainer.steps * cohort).toLocaleString('en-US')} LR values held at once; the limit is ${MAX_COHORT_VALUES.toLocaleString('en-US')} (lower cohort_size)`, undefined, false);
  }
  if (budget.trial_timeout !== null && budget.trial_timeout * cohort > MAX_TRIAL_TIMEOUT) {
    problems.add('budget.trial_timeout', `times ${cohort} cohort members is past the 24-day limit of Node's timers, got ${budget.trial_timeout} (lower it, or cohort_size)`, undefined, false);
  }
  return budget;
}
