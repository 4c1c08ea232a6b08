// `lrsweep best NAME`: configs ranked by their mean objective over complete repeats.

import type { Argv } from 'yargs';
import { render } from '../io/table.js';
import { intFlag } from './flags.js';
import { openSweep, variedKeys, withDb, withFormat } from './common.js';
import { pickParams } from '../sweep/space.js';

export const command = 'best <name>';
export const describe = 'The best configs of a sweep (failed trials and NaN objectives are never ranked)';

export function builder(y: Argv) {
  return withFormat(withDb(y))
    .positional('name', { type: 'string', demandOption: true, describe: 'The sweep name' })
    .option('top', { nargs: 1, coerce: intFlag('top', 1), default: 10, describe: 'How many configs' })
    .example('$0 best quickstart --top 3', 'The three best configs');
}

type Args = Awaited<ReturnType<typeof builder>['argv']>;

export async function handler(argv: Args): Promise<void> {
  const top = argv.top as number;
  const { storage, sweep, definition } = openSweep(argv.db, argv.name as string);
  try {
    const keys = variedKeys(definition);
    const rows = storage.bestConfigs(sweep.id, top).map((r) => ({
      rank: r.rank, [sweep.metric]: r.objective, std: r.std, repeats: r.repeats, best_trial: r.best_trial, config: r.config_hash,
      ...pickParams(r.params, keys),
    }));
    process.stdout.write(render(rows, ['rank', sweep.metric, 'std', 'repeats', 'best_trial', ...keys, 'config'], argv.format));
  } finally {
    storage.close();
  }
}
