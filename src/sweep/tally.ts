// How the trials one command (`run`, `worker`) started ended, and the verdict its exit code
// follows: none complete, diverged or pruned and at least one failed is a failed command (exit 1), whose
// first failure is told on stderr's last line. A run in which anything completed exits 0.
// Light on purpose: the commands import it at start-up.

/** How the trials a command started ended (the dispatchers of one command share one). */
export interface RunTally {
  complete: number;
  diverged: number;
  pruned: number;
  failed: number;
  /** `trial N: its error`, of the lowest-numbered trial recorded failed (not the first to fail: with several workers that is a race). */
  firstFailure: string | null;
  firstFailed: number;
}

export const newTally = (): RunTally => ({ complete: 0, diverged: 0, pruned: 0, failed: 0, firstFailure: null, firstFailed: Infinity });

/** Counts a failed trial; the lowest-numbered one is the one told. */
export function tallyFailure(t: RunTally, number: number, error: string): void {
  t.failed++;
  if (number < t.firstFailed) {
    t.firstFailed = number;
    t.firstFailure = `trial ${number}: ${error}`;
  }
}

/** A command that ran but did not do its work (every trial it ended failed, or it refused the sweep): exit code 1. */
export class RunFailed extends Error {
  override name = 'RunFailed';
}

/** Why the command failed, when every trial it ended failed (null: something completed, diverged or was pruned, or nothing ended). */
export function failureOf(t: RunTally): string | null {
  if (t.failed === 0 || t.complete + t.diverged + t.pruned > 0) return null;
  return `${t.failed === 1 ? 'the one trial' : `all ${t.failed} trials`} this run ended failed; the first: ${t.firstFailure}`;
}
