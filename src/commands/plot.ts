// `lrsweep plot NAME --out FILE.svg|.png --kind curves|losses|landscape|history`: one sweep chart.

import type { Argv } from 'yargs';
import { UsageError } from '../core/errors.js';
import { imageFormat, writeChart } from '../plot/render.js';
import { PLOT_KINDS, landscapeKeys, specFor, type PlotKind } from '../plot/sweep-charts.js';
import { gatherResults } from '../sweep/results.js';
import { checkOutput, withForce } from '../io/output.js';
import { localPath } from '../storage/open.js';
import { intFlag } from './flags.js';
import { emit, withDb, withSweep, type Output } from './common.js';

export const command = 'plot <name>';
export const describe = "A chart of a sweep: its top configs' LR curves, their losses, or the objective's landscape";

export function builder(y: Argv) {
  return withForce(withDb(y))
    .positional('name', { type: 'string', demandOption: true, describe: 'The sweep name' })
    .option('out', { type: 'string', nargs: 1, demandOption: true, describe: 'FILE.svg or FILE.png' })
    .option('kind', { choices: PLOT_KINDS, default: 'landscape' as PlotKind, describe: 'Which chart' })
    .option('top', { nargs: 1, coerce: intFlag('top', 1), default: 5, describe: 'Configs shown by curves and losses' })
    .option('log', { type: 'boolean', default: false, describe: 'Log-scale y axis (curves, losses)' })
    .example('$0 plot cawr-grid --kind landscape --out landscape.svg', 'Heatmaps and parallel coordinates')
    .example('$0 plot cawr-grid --kind curves --top 3 --out curves.png', 'The best three LR curves, as PNG')
    .example('$0 plot tpe-search --kind history --out history.svg', 'Each trial\'s objective and the best so far, by origin');
}

export interface PlotOptions {
  db: string;
  name: string;
  out: string;
  kind: PlotKind;
  top: number;
  log: boolean;
  force: boolean;
}

export async function plot(o: PlotOptions): Promise<{ out: string; kind: PlotKind; sweep: string }> {
  imageFormat(o.out, '--out');
  if (o.log && o.kind === 'landscape') throw new UsageError('--log applies to --kind curves, losses and history, not landscape (its axes are the parameters)');
  checkOutput(o.out, { flag: '--out', force: o.force, db: { given: o.db, file: localPath(o.db) } });
  return withSweep(o.db, o.name, async ({ storage, sweep }) => {
    const data = await gatherResults(storage, sweep, o.top);
    if (data.trials.length === 0) throw new UsageError(`NAME: sweep ${sweep.name} has no complete trials to plot yet; run it first`);
    if (o.kind === 'landscape' && landscapeKeys(data).length === 0) {
      throw new UsageError(`--kind landscape: sweep ${sweep.name} varies no numeric parameter; try --kind curves or losses`);
    }
    if (o.log && o.kind === 'losses' && data.losses.some((r) => r.value !== null && r.value <= 0)) {
      throw new UsageError(`--log: ${data.lossMetric} has values <= 0, which a log axis cannot show`);
    }
    if (o.log && o.kind === 'history' && data.trials.some((t) => t.objective <= 0)) {
      throw new UsageError(`--log: ${sweep.metric} has values <= 0, which a log axis cannot show`);
    }
    await writeChart(specFor(o.kind, data, o.log), o.out);
    return { out: o.out, kind: o.kind, sweep: sweep.name };
  });
}

export function present(r: { out: string; kind: PlotKind; sweep: string }): Output {
  return { stdout: `wrote ${r.out}: ${r.kind} of sweep ${r.sweep}\n` };
}

type Args = Awaited<ReturnType<typeof builder>['argv']>;

export async function handler(argv: Args): Promise<void> {
  emit(present(await plot({ db: argv.db, name: argv.name, out: argv.out, kind: argv.kind, top: argv.top, log: argv.log, force: argv.force })));
}
