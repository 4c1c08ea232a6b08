// A trial's objective from its per-epoch metrics: the metric at the last epoch, or its best epoch.

import type { EpochMetrics } from '../train/types.js';
import type { Sweep } from './definition.js';

/** Whether objective a beats b (null: nothing yet) under the sweep's goal. */
export function isBetter(a: number, b: number | null, goal: Sweep['objective']['goal']): boolean {
  return b === null || (goal === 'minimize' ? a < b : a > b);
}

export function objectiveOf(epochs: EpochMetrics[], objective: Sweep['objective']): number | null {
  const series = epochs.map((e) => e[objective.metric]).filter((v): v is number => typeof v === 'number');
  if (series.length === 0) return null;
  let value: number;
  if (objective.summary === 'last') value = series[series.length - 1];
  else value = objective.goal === 'minimize' ? Math.min(...series) : Math.max(...series);
  // A diverged run (NaN or infinite loss) has no objective: it is kept but never ranked.
  return Number.isFinite(value) ? value : null;
}
