// A sweep file's `objective`: the metric to rank trials by (one the trainer reports), whether it is
// minimized or maximized, and which of its values counts (the last or the best).

import { Problems, field, isRecord, unknownKeys } from '../../core/problems.js';
import { rules } from '../../core/rules.js';
import { GOALS, type Goal } from '../../core/trial.js';
import { KNOWN_GOALS } from '../../train/contract.js';
import type { Sweep } from '../definition.js';
import { metricsOfKind, type SweepTrainer } from '../trainer.js';
import { sectionOf } from './section.js';

/**
 * Reads `objective`: the metric must be one the trainer declares (and reports with its options);
 * its goal comes from the file, the trainer, or a known name. `rawTrainer` is the trainer section
 * as written, for its metrics and name when the trainer itself did not pass its checks.
 */
export function readObjective(problems: Problems, raw: unknown, rawTrainer: unknown, trainer: SweepTrainer | null): Sweep['objective'] {
  const rawObjective = sectionOf(problems, raw, 'objective', 'a mapping {metric, goal, summary}');
  unknownKeys(problems, rawObjective, ['metric', 'goal', 'summary'], 'objective');
  const metrics = trainer?.metrics ?? metricsOfKind(rawTrainer);
  const kindName = trainer?.section.kind ?? (isRecord(rawTrainer) ? String(rawTrainer.kind ?? 'mlp') : 'mlp');
  const metric = field(problems, rawObjective, 'metric', 'objective.metric', (v) =>
    metrics === null || (typeof v === 'string' && v in metrics) ? null : `must be one of ${Object.keys(metrics).join(', ')} (the metrics of trainer ${kindName})`,
  'val_loss');
  if (metrics && rawObjective.metric === undefined && !('val_loss' in metrics)) {
    problems.add('objective.metric', `is required: trainer ${kindName} does not report val_loss (it reports ${Object.keys(metrics).join(', ')})`, undefined, false);
  }
  // A trainer may report fewer metrics with these options than it declares (the MLP reports
  // val_accuracy for classes, val_mae for a regression target).
  const reported = trainer?.runner.kind === 'pool' ? trainer.runner.definition.metricsFor?.(trainer.runner.options) : undefined;
  if (reported && metrics && metric in metrics && !reported.names.includes(metric)) {
    problems.add('objective.metric', `must be one of ${reported.names.join(', ')} (what trainer ${kindName} reports with ${reported.because})`, metric);
  }
  const declared: Goal | null = metrics?.[metric] ?? KNOWN_GOALS[metric] ?? null;
  const goal = field(problems, rawObjective, 'goal', 'objective.goal', rules.oneOf(GOALS), declared as Goal);
  if (metrics && rawObjective.goal === undefined && declared === null && metric in metrics) {
    problems.add('objective.goal', `is required: nothing says whether ${metric} should be minimized or maximized (set goal, or declare it in the trainer's metrics)`, undefined, false);
  }
  const summary = field(problems, rawObjective, 'summary', 'objective.summary', rules.oneOf(['last', 'best']), 'last' as 'last' | 'best');
  return { metric, goal, summary };
}
