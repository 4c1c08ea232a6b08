// `lrsweep plot NAME --out FILE.svg|.png --kind curves|losses|landscape`: one sweep chart.

import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { gatherSweep } from '../report/data.js';
import { imageFormat, writeChart } from '../plot/render.js';
import { PLOT_KINDS, landscapeKeys, specFor, type PlotKind } from '../plot/sweep-charts.js';
import { intFlag } from './flags.js';
import { openSweep, withDb } from './common.js';

export const command = 'plot <name>';
export const describe = "A chart of a sweep: its top configs' LR curves, their losses, or the objective's landscape";

export function builder(y: Argv) {
  return withDb(y)
    .positional('name', { type: 'string', demandOption: true, describe: 'The sweep name' })
    .option('out', { type: 'string', nargs: 1, demandOption: true, describe: 'FILE.svg or FILE.png' })
    .option('kind', { choices: PLOT_KINDS, default: 'landscape' as PlotKind, describe: 'Which chart' })
    .option('top', { nargs: 1, coerce: intFlag('top', 1), default: 5, describe: 'Configs shown by curves and losses' })
    .option('log', { type: 'boolean', default: false, describe: 'Log-scale y axis (curves)' })
    .example('$0 plot cawr-grid --kind landscape --out landscape.svg', 'Heatmaps and parallel coordinates')
    .example('$0 plot cawr-grid --kind curves --top 3 --out curves.png', 'The best three LR curves, as PNG');
}

type Args = Awaited<ReturnType<typeof builder>['argv']>;

export async function handler(argv: Args): Promise<void> {
  const out = argv.out as string;
  imageFormat(out, '--out');
  const top = argv.top as number;
  const { storage, sweep } = openSweep(argv.db, argv.name as string);
  try {
    const data = gatherSweep(storage, sweep, top);
    if (data.trials.length === 0) throw new UsageError(`NAME: sweep ${sweep.name} has no complete trials to plot yet; run it first`);
    if (argv.kind === 'landscape' && landscapeKeys(data).length === 0) {
      throw new UsageError(`--kind landscape: sweep ${sweep.name} varies no numeric parameter; try --kind curves or losses`);
    }
    await writeChart(specFor(argv.kind, data, argv.log), out);
    process.stdout.write(`wrote ${out}: ${argv.kind} of sweep ${sweep.name}\n`);
  } finally {
    storage.close();
  }
}
