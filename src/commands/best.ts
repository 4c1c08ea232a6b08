// `lrsweep best NAME`: configs ranked by their mean objective over complete repeats.

import type { Argv } from 'yargs';
import { CLI } from '../core/cli-name.js';
import { render, type TableFormat } from '../io/table.js';
import type { RankedConfig } from '../storage/types.js';
import { pickParams } from '../sweep/space.js';
import { anchorMarks } from '../sweep/plan-check.js';
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
    const base = { name: sweep.name, metric: sweep.metric, keys: variedKeys(definition), pruned: (await storage.counts(sweep.id)).pruned };
    const marks = anchorMarks(definition, sweep.steps);
    if (marks.size === 0) return { ...base, configs: await storage.bestConfigs(sweep.id, o.top) };
    // Anchors outside the space are left out (they are no config of it), and the ranks counted again without them.
    const outside = new Set([...marks].filter(([, m]) => !m.inside).map(([hash]) => hash));
    const kept = (await storage.bestConfigs(sweep.id, o.top + outside.size)).filter((c) => !outside.has(c.configHash)).slice(0, o.top);
    const configs = kept.map((c, i) => ({ ...c, rank: i > 0 && c.objective === kept[i - 1].objective ? 0 : i + 1 }));
    for (let i = 1; i < configs.length; i++) if (configs[i].rank === 0) configs[i].rank = configs[i - 1].rank;
    const names = Object.fromEntries(configs.filter((c) => marks.has(c.configHash)).map((c) => [c.configHash, marks.get(c.configHash)!.name]));
    return { ...base, configs, anchors: { names, outside: outside.size } };
  });
}

export function present(r: BestResult, format: TableFormat): Output {
  const anchor = r.anchors ? { anchor: '' } : {};
  const rows = r.configs.map((c) => ({
    rank: c.rank, [r.metric]: c.objective, std: c.std, repeats: c.repeats, best_trial: c.bestTrial, ...pickParams(c.params, r.keys), config: c.configHash,
    ...(r.anchors ? { anchor: r.anchors.names[c.configHash] ?? '' } : anchor),
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
