// `lrsweep trials NAME`: the trials of a sweep, optionally of one state.

import type { Argv } from 'yargs';
import { TRIAL_STATES, type TrialState } from '../core/trial.js';
import { render, type TableFormat } from '../io/table.js';
import type { TrialRecord } from '../storage/types.js';
import { pickParams } from '../sweep/space.js';
import { emit, variedKeys, withDb, withFormat, withSweep, type Output } from './common.js';

export const command = 'trials <name>';
export const describe = 'List the trials of a sweep (numbered within the sweep)';

export function builder(y: Argv) {
  return withFormat(withDb(y))
    .positional('name', { type: 'string', demandOption: true, describe: 'The sweep name' })
    .option('state', { choices: TRIAL_STATES, describe: 'Only trials in this state' })
    .example('$0 trials quickstart --state failed', 'Failed trials and their errors');
}

export interface TrialsResult {
  metric: string;
  keys: string[];
  trials: TrialRecord[];
}

export async function trials(o: { db: string; name: string; state?: TrialState }): Promise<TrialsResult> {
  return withSweep(o.db, o.name, async ({ storage, sweep, definition }) => ({
    metric: sweep.metric, keys: variedKeys(definition), trials: await storage.trials(sweep.id, { state: o.state }),
  }));
}

export function present(r: TrialsResult, format: TableFormat): Output {
  const rows = r.trials.map((t) => ({
    trial: t.number, state: t.state, repeat: t.repeat, ...pickParams(t.params, r.keys), [r.metric]: t.objective,
    seconds: t.durationMs === null ? null : t.durationMs / 1000, error: t.error,
  }));
  return { stdout: render(rows, ['trial', 'state', 'repeat', ...r.keys, r.metric, 'seconds', 'error'], format) };
}

type Args = Awaited<ReturnType<typeof builder>['argv']>;

export async function handler(argv: Args): Promise<void> {
  emit(present(await trials({ db: argv.db, name: argv.name, state: argv.state as TrialState | undefined }), argv.format));
}
