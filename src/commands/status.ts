// `lrsweep status [NAME]`: every sweep's trial counts, or one sweep's counts and best config.

import type { Argv } from 'yargs';
import { openSqlite } from '../storage/sqlite.js';
import { render } from '../io/table.js';
import { openSweep, withDb, withFormat } from './common.js';

export const command = 'status [name]';
export const describe = 'Trial counts per state, for every sweep or one';

export function builder(y: Argv) {
  return withFormat(withDb(y))
    .positional('name', { type: 'string', describe: 'A sweep name (default: all sweeps)' })
    .example('$0 status', 'All sweeps in lrsweep.db')
    .example('$0 status quickstart --format json', 'One sweep, as JSON');
}

type Args = Awaited<ReturnType<typeof builder>['argv']>;

export async function handler(argv: Args): Promise<void> {
  const columns = ['sweep', 'trials', 'complete', 'failed', 'interrupted', 'running', 'waiting', 'best', 'metric', 'goal'];
  if (argv.name === undefined) {
    const storage = openSqlite(argv.db, { mustExist: true });
    try {
      const rows = storage.listSweeps().map((s) => {
        const c = storage.counts(s.id);
        return { sweep: s.name, trials: Object.values(c).reduce((a, b) => a + b, 0), ...c, best: storage.bestConfigs(s.id, 1)[0]?.objective ?? null, metric: s.metric, goal: s.goal };
      });
      process.stdout.write(render(rows, columns, argv.format));
    } finally {
      storage.close();
    }
    return;
  }
  const { storage, sweep } = openSweep(argv.db, argv.name);
  try {
    const c = storage.counts(sweep.id);
    const row = { sweep: sweep.name, trials: Object.values(c).reduce((a, b) => a + b, 0), ...c, best: storage.bestConfigs(sweep.id, 1)[0]?.objective ?? null, metric: sweep.metric, goal: sweep.goal };
    process.stdout.write(render([row], columns, argv.format));
  } finally {
    storage.close();
  }
}
