// What the sweep charts and the HTML report show, gathered from storage once: the best configs,
// their LR curves (decimated) and losses, every complete trial's parameters and objective, and
// the failed trials. Sized for sweeps of thousands of trials: only the top configs carry curves.

import type { Storage, SweepRecord, StateCounts, RankedConfig, TrialRecord } from '../storage/types.js';
import type { Config, Sweep } from '../sweep/definition.js';
import { pickParams, toScheduleInput } from '../sweep/space.js';
import { resolveSchedule } from '../schedule/validate.js';
import { trainerEntry } from '../train/registry.js';
import { decimateCurve } from '../plot/decimate.js';
import type { LossRow, Series, TrialRow } from '../plot/charts.js';

export interface SweepData {
  record: SweepRecord;
  definition: Sweep;
  counts: StateCounts;
  keys: string[];
  top: (RankedConfig & { label: string })[];
  curves: Series[];
  losses: LossRow[];
  trials: TrialRow[];
  failed: TrialRecord[];
  steps: number;
}

const CURVE_COLUMNS = 720;

/** A short label for a config: its varied parameters. */
export function labelOf(params: string, keys: string[]): string {
  const p = JSON.parse(params) as Record<string, unknown>;
  return keys.length ? keys.map((k) => `${k}=${p[k]}`).join(' ') : 'config';
}

export function gatherSweep(storage: Storage, record: SweepRecord, top: number): SweepData {
  const definition = JSON.parse(record.definition) as Sweep;
  const keys = Object.keys(definition.parameters);
  const steps = trainerEntry(definition.trainer.kind).spec.steps(definition.trainer);
  const best = storage.bestConfigs(record.id, top).map((c, i) => ({ ...c, label: `#${i + 1} ${labelOf(c.params, keys)}` }));
  const curves = best.map((c) => ({
    name: c.label,
    points: decimateCurve(resolveSchedule(toScheduleInput(JSON.parse(c.params) as Config)), 0, steps, CURVE_COLUMNS),
  }));
  const metric = definition.objective.metric === 'train_loss' ? 'train_loss' : 'val_loss';
  const losses = best.flatMap((c) => storage.epochs(c.best_trial).map((e) => ({ series: c.label, epoch: e.epoch, value: e[metric] })));
  const trials = storage.trials(record.id, 'complete')
    .filter((t) => t.objective !== null)
    .map((t) => ({ ...pickParams(t.params, keys), objective: t.objective as number, trial: t.id }));
  return {
    record, definition, counts: storage.counts(record.id), keys, top: best, curves, losses, trials,
    failed: storage.trials(record.id, 'failed'), steps,
  };
}
