// median: Optuna's MedianPruner (PercentilePruner at 50, with n_min_trials). At each fresh reading
// at or after warmup_steps, once startup_trials trials are complete: stop when the trial's best
// reading so far is worse than the median of the complete trials' readings at that step (each
// one's latest reading at or before it), provided at least min_trials of them have one there.
// Pruned, running and failed trials are not compared against, as in Optuna.

import { rules } from '../../core/rules.js';
import { percentile, readingAt, shown, type PrunerEntry } from './pruner.js';

export const median: PrunerEntry = {
  name: 'median',
  title: "median (Optuna's MedianPruner)",
  options: {
    startup_trials: { default: 5, rule: rules.integer(0), help: 'complete trials before any is stopped' },
    warmup_steps: { default: 0, rule: rules.integer(0), help: 'no trial is stopped at a reading before this step' },
    min_trials: { default: 1, rule: rules.integer(1), help: 'complete trials with a reading at the step, at least, to compare with' },
  },
  judge({ trial, fresh, others, sign }, o) {
    const complete = others.filter((t) => t.state === 'complete');
    if (complete.length === 0 || complete.length < o.startup_trials!) return null;
    const rs = trial.readings;
    let best = Infinity;
    for (let i = 0; i < rs.length; i++) {
      best = Math.min(best, rs[i].value);
      if (i < rs.length - fresh || rs[i].step < o.warmup_steps!) continue;
      const step = rs[i].step;
      const there = complete.map((t) => readingAt(t, step)).filter((v): v is number => v !== null);
      if (there.length === 0 || there.length < o.min_trials!) continue;
      const mid = percentile(there, 50);
      if (best > mid) return `median: its best reading by step ${step}, ${shown(sign * best)}, is worse than the median ${shown(sign * mid)} of ${there.length} complete trials there`;
    }
    return null;
  },
};
