// `lrsweep show NAME TRIAL`: one trial (by its number within the sweep): its parameters, every
// metric it reported, its LR curve's summary, and where and how it ran.

import type { Argv } from 'yargs';
import { UsageError } from '../core/errors.js';
import type { MetricPoint } from '../core/trial.js';
import { render, type TableFormat } from '../io/table.js';
import { fromReferenceNames } from '../schedule/params.js';
import { resolveSchedule } from '../schedule/schedule.js';
import type { TrialRecord } from '../storage/types.js';
import type { Config } from '../sweep/definition.js';
import { intFlag } from './flags.js';
import { CLI, dbFlag, emit, withDb, withFormat, withSweep, type Output } from './common.js';

export const command = 'show <name> <trial>';
export const describe = "One trial: parameters, every reported metric, its LR curve's summary, where it ran";

export function builder(y: Argv) {
  return withFormat(withDb(y))
    .positional('name', { type: 'string', demandOption: true, describe: 'The sweep name' })
    .positional('trial', { coerce: intFlag('TRIAL', 1), demandOption: true, describe: 'The trial number within the sweep (see lrsweep trials)' })
    .example('$0 show quickstart 3', 'Trial 3 of the quickstart sweep');
}

export interface CurveSummary {
  steps: number;
  restarts: number;
  min: number;
  max: number;
  first: number;
  last: number;
}

export interface ShowResult {
  sweep: string;
  metric: string;
  trial: TrialRecord;
  points: MetricPoint[];
  curve: CurveSummary;
  /** The reference's own call that reproduces the trial's schedule (kinds/kind.ts nativeCall), or null. */
  native: string | null;
}

export async function showTrial(o: { db: string; name: string; trial: number }): Promise<ShowResult> {
  return withSweep(o.db, o.name, async ({ storage, sweep }) => {
    const trial = await storage.trial(sweep.id, o.trial);
    if (!trial) throw new UsageError(`TRIAL: sweep ${sweep.name} has no trial ${o.trial}; see ${CLI} trials ${sweep.name}${dbFlag(o.db)}`);
    const points = (await storage.points([trial.id])).get(trial.id) ?? [];
    const schedule = resolveSchedule(fromReferenceNames(trial.params as Config));
    const steps = sweep.steps;
    // Exact extremes from the per-column decimation: no need to hold every step.
    const lrs = schedule.extremes(0, steps, 256).map((p) => p.lr);
    const curve = {
      steps, restarts: schedule.restarts({ steps }), min: Math.min(...lrs), max: Math.max(...lrs), first: schedule.lrAt(0), last: schedule.lrAt(steps - 1),
    };
    return { sweep: sweep.name, metric: sweep.metric, trial, points, curve, native: schedule.nativeCall() };
  });
}

export function present(r: ShowResult, format: TableFormat): Output {
  const t = r.trial;
  if (format === 'json') return { stdout: `${JSON.stringify({ sweep: r.sweep, trial: t, points: r.points, curve: r.curve, native: r.native }, null, 2)}\n` };
  const info = [
    { key: 'trial', value: t.number }, { key: 'state', value: t.state }, { key: 'repeat', value: t.repeat }, { key: 'seed', value: t.seed },
    { key: 'attempts', value: t.attempts }, { key: 'config', value: t.configHash }, { key: r.metric, value: t.objective },
    { key: 'seconds', value: t.durationMs === null ? null : t.durationMs / 1000 }, { key: t.state === 'diverged' || t.state === 'pruned' ? t.state : 'error', value: t.error },
    ...Object.entries(t.params).map(([key, value]) => ({ key, value })),
    ...Object.entries(r.curve).map(([key, value]) => ({ key: `curve ${key}`, value })),
    { key: 'native', value: r.native },
    ...Object.entries(t.provenance ?? {}).map(([key, value]) => ({ key: `ran with ${key}`, value })),
  ].filter((row) => row.value !== null && row.value !== undefined);
  const names = [...new Set(r.points.flatMap((p) => Object.keys(p.values)))];
  const byStep = r.points.some((p) => p.epoch === null);
  const rows = r.points.map((p) => ({ epoch: p.epoch, step: p.step, ...p.values }));
  const columns = [...(r.points.some((p) => p.epoch !== null) ? ['epoch'] : []), ...(byStep ? ['step'] : []), ...names];
  return { stdout: render(info, ['key', 'value'], format) + (rows.length ? render(rows, columns, format) : '') };
}

type Args = Awaited<ReturnType<typeof builder>['argv']>;

export async function handler(argv: Args): Promise<void> {
  emit(present(await showTrial({ db: argv.db, name: argv.name, trial: argv.trial }), argv.format));
}
