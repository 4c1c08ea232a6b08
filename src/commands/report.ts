// `lrsweep report NAME --out report.html`: the sweep as one self-contained HTML page.

import { extname } from 'node:path';
import type { Argv } from 'yargs';
import { UsageError } from '../core/errors.js';
import { checkOutput, withForce, writeFileAtomic } from '../io/output.js';
import { localPath } from '../storage/open.js';
import { toSvg } from '../plot/render.js';
import { curvesSpec, heatmapSpecs, historySpec, landscapeKeys, lossesSpec, parallelSpec } from '../plot/sweep-charts.js';
import { reportHtml } from '../report/html.js';
import { gatherResults } from '../sweep/results.js';
import { intFlag } from './flags.js';
import { emit, withDb, withSweep, type Output } from './common.js';

export const command = 'report <name>';
export const describe = 'Write a self-contained HTML report of a sweep (opens offline)';

export function builder(y: Argv) {
  return withForce(withDb(y))
    .positional('name', { type: 'string', demandOption: true, describe: 'The sweep name' })
    .option('out', { type: 'string', nargs: 1, demandOption: true, describe: 'FILE.html' })
    .option('top', { nargs: 1, coerce: intFlag('top', 1), default: 10, describe: 'Configs in the table, curves and losses' })
    .example('$0 report cawr-grid --out cawr-grid.html', 'Status, search history, top configs, curves, losses, landscape, failures');
}

export interface ReportResult {
  out: string;
  sweep: string;
  complete: number;
}

export async function report(o: { db: string; name: string; out: string; top: number; force: boolean }): Promise<ReportResult> {
  if (extname(o.out).toLowerCase() !== '.html') throw new UsageError(`--out must end in .html, got ${JSON.stringify(o.out)}`);
  checkOutput(o.out, { flag: '--out', force: o.force, db: { given: o.db, file: localPath(o.db) } });
  return withSweep(o.db, o.name, async ({ storage, sweep }) => {
    const d = await gatherResults(storage, sweep, o.top);
    const html = reportHtml(d, {
      curves: await toSvg(curvesSpec(d)),
      losses: await toSvg(lossesSpec(d)),
      heatmaps: await Promise.all(heatmapSpecs(d).map(toSvg)),
      parallel: landscapeKeys(d).length && d.trials.length ? await toSvg(parallelSpec(d)) : null,
      history: d.trials.length ? await toSvg(historySpec(d)) : null,
    }, new Date());
    writeFileAtomic(o.out, html);
    return { out: o.out, sweep: sweep.name, complete: d.trials.length };
  });
}

export function present(r: ReportResult): Output {
  return { stdout: `wrote ${r.out}: sweep ${r.sweep}, ${r.complete} complete trials\n` };
}

type Args = Awaited<ReturnType<typeof builder>['argv']>;

export async function handler(argv: Args): Promise<void> {
  emit(present(await report({ db: argv.db, name: argv.name, out: argv.out, top: argv.top, force: argv.force })));
}
