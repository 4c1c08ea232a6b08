// `lrsweep replay NAME --pruner SPEC [--pruner SPEC ...]`: what pruners would have cost on a
// finished sweep, replayed over its recorded points as if live (sweep/replay.ts). Writes nothing.

import type { Argv } from 'yargs';
import { UsageError } from '../core/errors.js';
import { render, type TableFormat } from '../io/table.js';
import type { MetricPoint } from '../core/trial.js';
import type { Sweep } from '../sweep/definition.js';
import { objectivePoints, Timelines } from '../sweep/pruners/check.js';
import { describePruner, judgedMetric, prunerOf } from '../sweep/pruners/index.js';
import { prunerFlag } from '../sweep/pruners/spec.js';
import { replay, type RecordedTrial, type ReplayResult } from '../sweep/replay.js';
import { stepsAt, type TrialSteps } from '../sweep/progress.js';
import { optionalIntFlag } from './flags.js';
import { emit, withDb, withFormat, withSweep, type Output } from './common.js';

export const command = 'replay <name>';
export const describe = 'What pruners would have saved and lost on a finished sweep, replayed over its recorded points (writes nothing)';

/** Most simulated workers. */
const MAX_REPLAY_WORKERS = 1024;
/** Trials whose points are read at once. */
const PAGE = 500;

export function builder(y: Argv) {
  return withFormat(withDb(y))
    .positional('name', { type: 'string', demandOption: true, describe: 'The sweep name' })
    .option('pruner', { type: 'string', array: true, demandOption: 'give at least one --pruner SPEC', describe: 'A pruner to replay: KIND[:KEY=VALUE,...], e.g. successive_halving:reduction=3,at=cycle_ends (repeat the flag for several)' })
    .option('workers', { nargs: 1, coerce: optionalIntFlag('workers', 1, MAX_REPLAY_WORKERS), describe: 'Simulated workers  [default: 1]' })
    .example('$0 replay lm --pruner median --pruner median:at=steps', 'The median pruner at cycle ends and at steps');
}

export interface ReplayRow {
  pruner: string;
  result: ReplayResult;
}

export interface ReplayReport {
  sweep: string;
  metric: string;
  trials: number;
  /** Trials left out: not complete or diverged (still to run, failed, or pruned when recorded). */
  leftOut: number;
  workers: number;
  rows: ReplayRow[];
}

/**
 * Where a stored sweep's points fall in steps: a point's step, else its epoch times the steps
 * per epoch (a command trainer's steps_per_epoch, else the trainer's steps over its epochs).
 */
export function storedSteps(definition: Sweep, steps: number): TrialSteps {
  const t = definition.trainer;
  if (typeof t.steps_per_epoch === 'number') return { perTrial: steps, perEpoch: t.steps_per_epoch };
  if (typeof t.epochs === 'number' && t.epochs > 0 && steps % t.epochs === 0) return { perTrial: steps, perEpoch: steps / t.epochs };
  return { perTrial: steps, perEpoch: null };
}

export async function replaySweep(o: { db: string; name: string; pruners: string[]; workers?: number }): Promise<ReplayReport> {
  return withSweep(o.db, o.name, async ({ storage, sweep, definition }) => {
    const specs = o.pruners.map((text) => {
      const spec = prunerFlag(text, sweep.steps, '--pruner', { goal: sweep.goal, metric: sweep.metric, metrics: null });
      if (spec === null) throw new UsageError('--pruner: none replays nothing; give a pruner, e.g. median');
      return spec;
    });
    const steps = storedSteps(definition, sweep.steps);
    const trials = await storage.trials(sweep.id);
    const usable = trials.filter((t) => t.state === 'complete' || t.state === 'diverged');
    const timelines = new Timelines(sweep.steps);
    // Metrics a pruner judges besides the objective (law's `metric`): their points are read too.
    const others = [...new Set(specs.map((spec) => judgedMetric(prunerOf(spec), sweep).metric))].filter((m) => m !== sweep.metric);
    const recorded: RecordedTrial[] = [];
    for (let i = 0; i < usable.length; i += PAGE) {
      const page = usable.slice(i, i + PAGE);
      const points = await storage.points(page.map((t) => t.id));
      for (const t of page) {
        const raw: MetricPoint[] = points.get(t.id) ?? [];
        if (raw.some((p) => stepsAt(p, steps) === null)) {
          throw new UsageError(`NAME: sweep ${sweep.name} cannot place its points at steps (trial ${t.number} reports epochs and its trainer does not say its steps per epoch), so it cannot be replayed`);
        }
        recorded.push({
          number: t.number, configHash: t.configHash, points: objectivePoints(raw, sweep.metric, steps, 1), timeline: timelines.of(t),
          state: t.state === 'complete' ? 'complete' : 'other', final: t.state === 'complete' ? t.objective : null,
          ...(others.length > 0 ? { series: Object.fromEntries(others.map((m) => [m, objectivePoints(raw, m, steps, 1)])) } : {}),
        });
      }
    }
    for (const m of others) {
      if (recorded.length > 0 && !recorded.some((t) => t.series![m].length > 0)) {
        throw new UsageError(`--pruner metric: sweep ${sweep.name} has no points of ${JSON.stringify(m)} to judge (its objective is ${sweep.metric}); give metric=NAME, a metric its trials report`);
      }
    }
    const workers = o.workers ?? 1;
    const rows = specs.map((spec) => {
      const pruner = prunerOf(spec);
      const { kind, at: _at, ...rest } = spec;
      return { pruner: describePruner({ kind, at: pruner.at, ...rest }), result: replay(recorded, pruner, { workers, steps: sweep.steps, goal: sweep.goal, metric: sweep.metric }) };
    });
    return { sweep: sweep.name, metric: sweep.metric, trials: recorded.length, leftOut: trials.length - recorded.length, workers, rows };
  });
}

const num = (v: number | null, digits = 4) => (v === null ? '-' : Number(v.toPrecision(digits)));

export function present(r: ReplayReport, format: TableFormat): Output {
  if (format === 'json') return { stdout: `${JSON.stringify(r, null, 2)}\n` };
  const rows = r.rows.map(({ pruner, result: x }) => ({
    pruner, saved: `${(100 * x.saved).toFixed(1)}%`, pruned: x.pruned.length, kept_configs: x.keptConfigs.length,
    best_survived: x.bestSurvived ? 'yes' : 'no', regret: num(x.regret), 'regret/spread': num(x.regretInSpread, 3), auc: num(x.auc),
  }));
  const head = `sweep ${r.sweep}: ${r.trials} trials replayed on ${r.workers} simulated worker${r.workers === 1 ? '' : 's'}, objective ${r.metric}` +
    `${r.leftOut > 0 ? ` (${r.leftOut} left out: not complete or diverged)` : ''}\n`;
  return { stdout: head + render(rows, ['pruner', 'saved', 'pruned', 'kept_configs', 'best_survived', 'regret', 'regret/spread', 'auc'], format) };
}

type Args = Awaited<ReturnType<typeof builder>['argv']>;

export async function handler(argv: Args): Promise<void> {
  emit(present(await replaySweep({ db: argv.db, name: argv.name, pruners: argv.pruner.map(String), workers: argv.workers }), argv.format));
}
