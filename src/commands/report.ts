// `lrsweep report NAME --out report.html`: the sweep as one self-contained HTML page.

import { extname } from 'node:path';
import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../io/sink.js';
import { gatherSweep } from '../report/data.js';
import { reportHtml } from '../report/html.js';
import { toSvg } from '../plot/render.js';
import { curvesSpec, heatmapSpecs, landscapeKeys, lossesSpec, parallelSpec } from '../plot/sweep-charts.js';
import { intFlag } from './flags.js';
import { openSweep, withDb } from './common.js';

export const command = 'report <name>';
export const describe = 'Write a self-contained HTML report of a sweep (opens offline)';

export function builder(y: Argv) {
  return withDb(y)
    .positional('name', { type: 'string', demandOption: true, describe: 'The sweep name' })
    .option('out', { type: 'string', nargs: 1, demandOption: true, describe: 'FILE.html' })
    .option('top', { nargs: 1, coerce: intFlag('top', 1), default: 10, describe: 'Configs in the table, curves and losses' })
    .example('$0 report cawr-grid --out cawr-grid.html', 'Status, top configs, curves, losses, landscape, failures');
}

type Args = Awaited<ReturnType<typeof builder>['argv']>;

export async function handler(argv: Args): Promise<void> {
  const out = argv.out as string;
  if (extname(out).toLowerCase() !== '.html') throw new UsageError(`--out must end in .html, got ${JSON.stringify(out)}`);
  const top = argv.top as number;
  const { storage, sweep } = openSweep(argv.db, argv.name as string);
  try {
    const d = gatherSweep(storage, sweep, top);
    const html = reportHtml(d, {
      curves: await toSvg(curvesSpec(d)),
      losses: await toSvg(lossesSpec(d)),
      heatmaps: await Promise.all(heatmapSpecs(d).map(toSvg)),
      parallel: landscapeKeys(d).length && d.trials.length ? await toSvg(parallelSpec(d)) : null,
    }, new Date());
    writeFileAtomic(out, html);
    process.stdout.write(`wrote ${out}: sweep ${sweep.name}, ${d.trials.length} complete trials\n`);
  } finally {
    storage.close();
  }
}
