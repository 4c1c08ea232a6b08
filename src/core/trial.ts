// The vocabulary of trials and their metrics, shared by trainers, executors, storage and views.

/**
 * A trial's life: waiting -> queued (claimed by a run, not yet started by a worker) -> running ->
 * one of the final states. complete: the objective was reported and is a number. diverged: a
 * training loss (or the objective) turned NaN or infinite; never ranked, never re-run. pruned: a
 * pruner stopped it early (its points so far are kept, its objective is the objective metric's
 * last reported value); never ranked as complete, never re-run. failed: the
 * trainer threw, timed out, exited non-zero, or never reported the objective; re-run on resume.
 * interrupted: stopped by Ctrl-C, cancel, or a lost worker; re-run on resume.
 */
export const TRIAL_STATES = ['waiting', 'queued', 'running', 'complete', 'diverged', 'pruned', 'failed', 'interrupted'] as const;
export type TrialState = (typeof TRIAL_STATES)[number];
/** States a trial never leaves (resume skips them). */
export const FINAL_STATES: readonly TrialState[] = ['complete', 'diverged', 'pruned'];
export type StateCounts = Record<TrialState, number>;

export function emptyCounts(): StateCounts {
  return Object.fromEntries(TRIAL_STATES.map((s) => [s, 0])) as StateCounts;
}

export function totalOf(counts: StateCounts): number {
  let n = 0;
  for (const s of TRIAL_STATES) n += counts[s];
  return n;
}

export type Goal = 'minimize' | 'maximize';
export const GOALS: readonly Goal[] = ['minimize', 'maximize'];

/**
 * One reported point: the metrics of one epoch, or of one step (trainers that report per step,
 * such as the LR range test). Values may be NaN or infinite: that is how divergence shows.
 */
export interface MetricPoint {
  epoch: number | null;
  step: number | null;
  values: Record<string, number>;
}

/** The metric that says a run diverged when it turns NaN or infinite, whatever the objective is. */
export const TRAINING_LOSS = 'train_loss';

/** Which metric of a point a loss chart shows for an objective: the objective when it is a loss, else the validation loss. */
export function lossMetricFor(objective: string, available: readonly string[]): string | null {
  if (/loss/.test(objective)) return objective;
  return ['val_loss', TRAINING_LOSS].find((m) => available.includes(m)) ?? available.find((m) => /loss/.test(m)) ?? null;
}
