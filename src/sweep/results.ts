// What the sweep charts and the HTML report show, gathered from storage once: the best configs,
// their LR curves (exact per-column extremes) and losses, every complete trial's parameters and
// objective, and the trials that failed, diverged or were pruned. Sized for sweeps of thousands of trials:
// only the top configs carry curves and points.

import { lossMetricFor, type StateCounts } from '../core/trial.js';
import { fromReferenceNames } from '../schedule/params.js';
import { resolveSchedule } from '../schedule/schedule.js';
import type { CurvePoint } from '../schedule/extremes.js';
import { TRIAL_ORIGINS, type RankedConfig, type Storage, type SweepRecord, type TrialOrigin, type TrialRecord } from '../storage/types.js';
import { upgradeDefinition, type Config, type Sweep } from './definition.js';
import { lintSweep, type LintSummary } from './lints.js';
import { pickParams } from './space.js';
import { outsideAnchors, rankedConfigs } from './ranking.js';

export interface Series {
  name: string;
  points: CurvePoint[];
}

export interface LossRow {
  series: string;
  epoch: number;
  value: number | null;
}

export type TrialRow = Record<string, number | string | null> & { objective: number; trial: number; origin: string };

export interface SweepResults {
  record: SweepRecord;
  definition: Sweep;
  counts: StateCounts;
  /** The varied parameters. */
  keys: string[];
  top: (RankedConfig & { label: string })[];
  curves: Series[];
  /** The metric the loss chart shows, and its values per epoch for each top config's best trial. */
  lossMetric: string | null;
  losses: LossRow[];
  /** Every complete trial with an objective. */
  trials: TrialRow[];
  /** Of those, the numbers of anchors outside the space (ranking.ts): shown, never ranked (nor the history's best so far). */
  unranked: Set<number>;
  failed: TrialRecord[];
  diverged: TrialRecord[];
  /** How many trials came from each origin (plan, or an adaptive sampler's startup and model). */
  origins: Record<TrialOrigin, number>;
  /** Stopped by a pruner: objective is the last value they reported, error the pruner's reason. */
  pruned: TrialRecord[];
  steps: number;
  /** Schedule lints over the sweep's configs, and how many configs were linted. */
  lints: { summary: LintSummary[]; linted: number };
}

const CURVE_COLUMNS = 720;

/** A short label for a config: its varied parameters. */
function labelOf(params: Record<string, unknown>, keys: string[]): string {
  return keys.length ? keys.map((k) => `${k}=${params[k]}`).join(' ') : 'config';
}

export async function gatherResults(storage: Storage, record: SweepRecord, top: number): Promise<SweepResults> {
  const definition = upgradeDefinition(record.definition);
  const keys = Object.keys(definition.parameters);
  const steps = record.steps;
  // Anchors outside the space (the predict sampler's) are not ranked (ranking.ts).
  const best = (await rankedConfigs(storage, record.id, definition, steps, top)).configs.map((c, i) => ({ ...c, label: `#${i + 1} ${labelOf(c.params, keys)}` }));
  const curves = best.map((c) => ({ name: c.label, points: resolveSchedule(fromReferenceNames(c.params as Config)).extremes(0, steps, CURVE_COLUMNS) }));
  const points = await storage.points(best.map((c) => c.bestTrialId));
  const names = [...new Set([...points.values()].flatMap((ps) => ps.flatMap((p) => Object.keys(p.values))))];
  const lossMetric = lossMetricFor(definition.objective.metric, names);
  const losses = lossMetric === null ? [] : best.flatMap((c) => (points.get(c.bestTrialId) ?? [])
    .filter((p) => p.epoch !== null && p.values[lossMetric] !== undefined)
    .map((p) => ({ series: c.label, epoch: p.epoch as number, value: p.values[lossMetric] })));
  const all = await storage.trials(record.id);
  const outside = outsideAnchors(definition, steps);
  const unranked = new Set(all.filter((t) => t.origin === 'anchor' && outside.has(t.configHash)).map((t) => t.number));
  const trials = all.filter((t) => t.state === 'complete' && t.objective !== null)
    .map((t) => ({ ...pickParams(t.params, keys), objective: t.objective as number, trial: t.number, origin: t.origin }));
  return {
    record, definition, counts: await storage.counts(record.id), keys, top: best, curves, lossMetric, losses, trials, unranked,
    failed: all.filter((t) => t.state === 'failed'), diverged: all.filter((t) => t.state === 'diverged'),
    pruned: all.filter((t) => t.state === 'pruned'), steps,
    origins: Object.fromEntries(TRIAL_ORIGINS.map((o) => [o, all.filter((t) => t.origin === o).length])) as Record<TrialOrigin, number>,
    lints: lintSweep(definition, steps),
  };
}

/** What charts of complete trials leave out: pruned trials have no final objective (their last value is not one); null when there are none. */
export function prunedNote(d: Pick<SweepResults, 'pruned'>): string | null {
  const n = d.pruned.length;
  return n === 0 ? null : `${n} pruned trial${n === 1 ? '' : 's'} left out (stopped early: a last value is not a final objective)`;
}
