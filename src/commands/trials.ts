// `lrsweep trials NAME`: the trials of a sweep, optionally of one state, optionally one page of
// them (--limit, --offset: only those rows are read, however big the sweep).

import type { Argv } from 'yargs';
import { TRIAL_STATES, type TrialState } from '../core/trial.js';
import { render, type TableFormat } from '../io/table.js';
import type { TrialRecord } from '../storage/types.js';
import { pickParams } from '../sweep/space.js';
import { optionalIntFlag } from './flags.js';
import { emit, variedKeys, withDb, withFormat, withSweep, type Output } from './common.js';

export const command = 'trials <name>';
export const describe = 'List the trials of a sweep (numbered within the sweep)';

export function builder(y: Argv) {
  return withFormat(withDb(y))
    .positional('name', { type: 'string', demandOption: true, describe: 'The sweep name' })
    .option('state', { choices: TRIAL_STATES, describe: 'Only trials in this state' })
    .option('limit', { nargs: 1, coerce: optionalIntFlag('limit', 0), describe: 'At most N trials (in number order)  [default: all]' })
    .option('offset', { nargs: 1, coerce: optionalIntFlag('offset', 0), describe: 'Skip the first N trials (of the state, if given)  [default: 0]' })
    .example('$0 trials quickstart --state failed', 'Failed trials and their errors')
    .example('$0 trials big-grid --state complete --limit 20 --offset 100', 'Complete trials 101 to 120 of a big sweep');
}

export interface TrialsResult {
  metric: string;
  keys: string[];
  trials: TrialRecord[];
}

export async function trials(o: { db: string; name: string; state?: TrialState; limit?: number; offset?: number }): Promise<TrialsResult> {
  return withSweep(o.db, o.name, async ({ storage, sweep, definition }) => ({
    metric: sweep.metric, keys: variedKeys(definition), trials: await storage.trials(sweep.id, { state: o.state, limit: o.limit, offset: o.offset }),
  }));
}

export function present(r: TrialsResult, format: TableFormat): Output {
  const rows = r.trials.map((t) => ({
    trial: t.number, state: t.state, repeat: t.repeat, origin: t.origin, ...pickParams(t.params, r.keys), [r.metric]: t.objective,
    seconds: t.durationMs === null ? null : t.durationMs / 1000, error: t.error,
  }));
  return { stdout: render(rows, ['trial', 'state', 'repeat', 'origin', ...r.keys, r.metric, 'seconds', 'error'], format) };
}

type Args = Awaited<ReturnType<typeof builder>['argv']>;

export async function handler(argv: Args): Promise<void> {
  emit(present(await trials({ db: argv.db, name: argv.name, state: argv.state as TrialState | undefined, limit: argv.limit, offset: argv.offset }), argv.format));
}
