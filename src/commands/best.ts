// `lrsweep best NAME`: configs ranked by their mean objective over complete repeats.

import type { Argv } from 'yargs';
import { CLI } from '../core/cli-name.js';
import { render, type TableFormat } from '../io/table.js';
import type { RankedConfig } from '../storage/types.js';
import { pickParams } from '../sweep/space.js';
import { rankedConfigs } from '../sweep/ranking.js';
import { intFlag } from './flags.js';
import { emit, variedKeys, withDb, withFormat, withSweep, type Output } from './common.js';

export const command = 'best <name>';
export const describe = 'The best configs of a sweep (failed, diverged and pruned trials are never ranked)';

export function builder(y: Argv) {
  return withFormat(withDb(y))
    .positional('name', { type: 'string', demandOption: true, describe: 'The sweep name' })
    .option('top', { nargs: 1, coerce: intFlag('top', 1), default: 10, describe: 'How many configs' })
    .example('$0 best quickstart --top 3', 'The three best configs');
}

export interface BestResult {
  name: string;
  metric: string;
  keys: string[];
  configs: RankedConfig[];
  /** The sweep's pruned trials: left out of the ranking (a config ranks by its complete repeats). */
  pruned: number;
  /** A sweep with anchors (method predict): each ranked anchor's name by config hash, and how many anchors lie outside the space (never ranked). */
  anchors?: { names: Record<string, string>; outside: number };
}

export async function best(o: { db: string; name: string; top: number }): Promise<BestResult> {
  return withSweep(o.db, o.name, async ({ storage, sweep, definition }) => {
    const { configs, anchors } = await rankedConfigs(storage, sweep.id, definition, sweep.steps, o.top);
    return {
      name: sweep.name, metric: sweep.metric, keys: variedKeys(definition), configs, pruned: (await storage.counts(sweep.id)).pruned, ...(anchors ? { anchors } : {}),
    };
  });
}

export function present(r: BestResult, format: TableFormat): Output {
  const rows = r.configs.map((c) => ({
    rank: c.rank, [r.metric]: c.objective, std: c.std, repeats: c.repeats, best_trial: c.bestTrial, ...pickParams(c.params, r.keys), config: c.configHash,
    ...(r.anchors ? { anchor: r.anchors.names[c.configHash] ?? '' } : {}),
  }));
  const table = render(rows, ['rank', r.metric, 'std', 'repeats', 'best_trial', ...r.keys, 'config', ...(r.anchors ? ['anchor'] : [])], format);
  let note = format === 'table' && r.pruned > 0
    ? `${r.pruned} pruned trial${r.pruned === 1 ? ' is' : 's are'} not ranked (a config ranks by its complete repeats): ${CLI} trials ${r.name} --state pruned\n` : '';
  if (format === 'table' && r.anchors && r.anchors.outside > 0) {
    note += `${r.anchors.outside} anchor${r.anchors.outside === 1 ? ' lies' : 's lie'} outside the sweep's space and ${r.anchors.outside === 1 ? 'is' : 'are'} not ranked (trained to fit the law): ${CLI} trials ${r.name}\n`;
  }
  return { stdout: table + note };
}

type Args = Awaited<ReturnType<typeof builder>['argv']>;

export async function handler(argv: Args): Promise<void> {
  emit(present(await best({ db: argv.db, name: argv.name, top: argv.top }), argv.format));
}
