// `lrsweep show NAME TRIAL`: one trial: its parameters, per-epoch metrics and LR curve summary.

import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { render } from '../io/table.js';
import { countRestarts, curve } from '../schedule/curve.js';
import { resolveSchedule } from '../schedule/validate.js';
import { decimateCurve } from '../plot/decimate.js';
import { toScheduleInput } from '../sweep/space.js';
import type { Config } from '../sweep/definition.js';
import { trainerEntry } from '../train/registry.js';
import { numberFlag } from './flags.js';
import { openSweep, withDb, withFormat } from './common.js';

export const command = 'show <name> <trial>';
export const describe = "One trial: parameters, per-epoch metrics, and its LR curve's summary";

export function builder(y: Argv) {
  return withFormat(withDb(y))
    .positional('name', { type: 'string', demandOption: true, describe: 'The sweep name' })
    .positional('trial', { coerce: numberFlag('trial'), demandOption: true, describe: 'The trial id (see lrsweep trials)' })
    .example('$0 show quickstart 3', 'Trial 3 of the quickstart sweep');
}

type Args = Awaited<ReturnType<typeof builder>['argv']>;

export async function handler(argv: Args): Promise<void> {
  const { storage, sweep, definition } = openSweep(argv.db, argv.name as string);
  try {
    const id = argv.trial as number;
    const trial = storage.trial(sweep.id, id);
    if (!trial) throw new UsageError(`TRIAL: sweep ${sweep.name} has no trial ${id}; see lrsweep trials ${sweep.name}`);
    const params = JSON.parse(trial.params) as Config;
    const epochs = storage.epochs(trial.id);
    const steps = trainerEntry(definition.trainer.kind).spec.steps(definition.trainer);
    const schedule = toScheduleInput(params);
    // Exact extremes from the per-column decimation: no need to hold every step.
    const points = decimateCurve(resolveSchedule(schedule), 0, steps, 256);
    const lrs = points.map((p) => p.lr);
    const summary = {
      steps, restarts: countRestarts(schedule, { steps }),
      min: lrs.reduce((a, b) => Math.min(a, b)), max: lrs.reduce((a, b) => Math.max(a, b)),
      first: curve(schedule, { steps: 1 })[0], last: curve(schedule, { start: steps - 1, steps: 1 })[0],
    };
    if (argv.format === 'json') {
      process.stdout.write(`${JSON.stringify({ trial, params, epochs, curve: summary }, null, 2)}\n`);
      return;
    }
    const info = [
      { key: 'trial', value: trial.id }, { key: 'state', value: trial.state }, { key: 'repeat', value: trial.repeat },
      { key: 'seed', value: trial.seed }, { key: 'config', value: trial.config_hash }, { key: sweep.metric, value: trial.objective },
      { key: 'seconds', value: trial.duration_ms === null ? null : trial.duration_ms / 1000 }, { key: 'error', value: trial.error },
      ...Object.entries(params).map(([key, value]) => ({ key, value })),
      ...Object.entries(summary).map(([key, value]) => ({ key: `curve ${key}`, value })),
    ];
    process.stdout.write(render(info, ['key', 'value'], argv.format));
    process.stdout.write(render(epochs as unknown as Record<string, unknown>[], ['epoch', 'train_loss', 'val_loss', 'val_accuracy', 'lr'], argv.format));
  } finally {
    storage.close();
  }
}
