// `lrsweep trials NAME`: the trials of a sweep, optionally of one state.

import type { Argv } from 'yargs';
import { render } from '../io/table.js';
import { TRIAL_STATES, type TrialState } from '../storage/types.js';
import { openSweep, variedKeys, withDb, withFormat } from './common.js';
import { pickParams } from '../sweep/space.js';

export const command = 'trials <name>';
export const describe = 'List the trials of a sweep';

export function builder(y: Argv) {
  return withFormat(withDb(y))
    .positional('name', { type: 'string', demandOption: true, describe: 'The sweep name' })
    .option('state', { choices: TRIAL_STATES, describe: 'Only trials in this state' })
    .example('$0 trials quickstart --state failed', 'Failed trials and their errors');
}

type Args = Awaited<ReturnType<typeof builder>['argv']>;

export async function handler(argv: Args): Promise<void> {
  const { storage, sweep, definition } = openSweep(argv.db, argv.name as string);
  try {
    const keys = variedKeys(definition);
    const rows = storage.trials(sweep.id, argv.state as TrialState | undefined).map((t) => ({
      id: t.id, state: t.state, repeat: t.repeat, ...pickParams(t.params, keys), [sweep.metric]: t.objective,
      seconds: t.duration_ms === null ? null : t.duration_ms / 1000, error: t.error,
    }));
    process.stdout.write(render(rows, ['id', 'state', 'repeat', ...keys, sweep.metric, 'seconds', 'error'], argv.format));
  } finally {
    storage.close();
  }
}
