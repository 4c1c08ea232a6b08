// A trial's objective from the points it reports: the objective metric at its last report, or at
// its best (by the sweep's goal).

import type { Goal, MetricPoint } from '../core/trial.js';
import type { Sweep } from './definition.js';

/** Whether objective a beats b (null: nothing yet) under the sweep's goal. */
export function isBetter(a: number, b: number | null, goal: Goal): boolean {
  return b === null || (goal === 'minimize' ? a < b : a > b);
}

/** Follows one trial's reports of the objective metric. */
export class ObjectiveTracker {
  /** null until the metric is reported; NaN or infinite when the last (or a) report was. */
  value: number | null = null;

  constructor(private readonly spec: Sweep['objective']) {}

  add(point: MetricPoint): void {
    const v = point.values[this.spec.metric];
    if (v === undefined) return;
    if (this.spec.summary === 'last' || this.value === null || !Number.isFinite(v)) this.value = v;
    else if (Number.isFinite(this.value) && isBetter(v, this.value, this.spec.goal)) this.value = v;
  }
}
