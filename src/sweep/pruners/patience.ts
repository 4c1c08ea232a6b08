// patience: around any pruner (Optuna's PatientPruner). A trial the wrapped pruner would stop goes
// on while it improved, by more than min_delta, within its last patience + 1 readings over its
// best before them; with patience + 1 readings or fewer it always goes on.

import type { Decision, JudgeInput, StepValue } from './pruner.js';

export function withPatience(decide: (input: JudgeInput) => Decision, patience: number, minDelta: number): (input: JudgeInput) => Decision {
  return (input) => {
    const reason = decide(input);
    if (reason === null) return null;
    const rs = input.trial.readings;
    if (rs.length <= patience + 1) return null;
    const best = (xs: readonly StepValue[]) => Math.min(...xs.map((r) => r.value));
    const before = best(rs.slice(0, rs.length - patience - 1));
    const recent = best(rs.slice(rs.length - patience - 1));
    if (before - minDelta < recent) return `${reason}, and it did not improve over its last ${patience + 1} readings`;
    return null;
  };
}
