// successive_halving: asynchronous successive halving, stop-only (Optuna's SuccessiveHalvingPruner
// with min_early_stopping_rate 0 and bootstrap_count 0; Ray Tune's ASHA). Rungs at min_resource
// x reduction^k steps below max_resource. A trial's value at rung k is its first reading at or
// after the rung's step and before the next rung's (max_resource for the last): a trial read only
// at the end of a long cycle brings that reading to its own rung, not its final loss to the first
// one (with a reading at every point, as at: steps, this is Optuna's first step at or after the
// rung). When that reading is fresh, the trial is judged there against every
// trial (any state) that has a value at rung k: it goes on while it is within the best
// floor(n / reduction) of the n values (at least the best one), as Optuna's promotion rule.
// min_resource unset: max_resource / reduction^3 (at least 1); max_resource unset: the trainer's steps.

import { rules } from '../../core/rules.js';
import { shown, type PrunerEntry, type StepValue, type TrialView } from './pruner.js';

/** The rung steps of these options for a trainer of `steps` steps. */
export function rungSteps(o: Readonly<Record<string, number | null>>, steps: number): number[] {
  const reduction = o.reduction!;
  const max = o.max_resource ?? steps;
  const min = o.min_resource ?? Math.max(1, Math.floor(max / reduction ** 3));
  const out: number[] = [];
  for (let r = min; r < max; r *= reduction) out.push(r);
  return out;
}

/** Index of a trial's value at a rung: its first reading in [step, next) (-1: none). */
function rungIndex(readings: readonly StepValue[], step: number, next: number): number {
  const i = readings.findIndex((r) => r.step >= step);
  return i >= 0 && readings[i].step < next ? i : -1;
}

export const successiveHalving: PrunerEntry = {
  name: 'successive_halving',
  title: "successive_halving (asynchronous, stop-only: Optuna's SuccessiveHalvingPruner, Ray Tune's ASHA)",
  options: {
    reduction: { default: 4, rule: rules.integer(2), help: 'the reduction factor: a rung keeps the best 1/reduction' },
    min_resource: { default: null, rule: rules.integer(1), help: 'the first rung, in steps  [default: max_resource / reduction^3]' },
    max_resource: { default: null, rule: rules.integer(1), help: 'no rung at or after this step  [default: the trainer\'s steps]' },
  },
  judge({ trial, fresh, others, steps, sign }, o) {
    const rs = trial.readings;
    const reduction = o.reduction!;
    const rungs = rungSteps(o, steps);
    const max = o.max_resource ?? steps;
    for (let k = 0; k < rungs.length; k++) {
      const rung = rungs[k];
      const next = rungs[k + 1] ?? max;
      const i = rungIndex(rs, rung, next);
      if (i < 0) continue;
      if (i < rs.length - fresh) continue; // judged there before
      const value = rs[i].value;
      const competing = [value, ...others.map((t: TrialView) => {
        const j = rungIndex(t.readings, rung, next);
        return j < 0 ? null : t.readings[j].value;
      }).filter((v): v is number => v !== null)].sort((a, b) => a - b);
      const keep = Math.max(1, Math.floor(competing.length / reduction));
      if (value > competing[keep - 1]) {
        return `successive_halving: ${shown(sign * value)} at step ${rs[i].step} (rung ${rung}) is not among the best ${keep} of ${competing.length} trials there`;
      }
    }
    return null;
  },
};
