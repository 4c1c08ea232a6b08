// `lrsweep export NAME --out FILE.csv|.json|.db`: every trial with its parameters and objective
// (JSON also carries every reported point), or an Optuna study.

import { extname } from 'node:path';
import type { Argv } from 'yargs';
import { UsageError } from '../core/errors.js';
import { exportOptuna } from '../export/optuna.js';
import { checkOutput, withForce, writeFileAtomic } from '../io/output.js';
import { localPath } from '../storage/open.js';
import { toCsv } from '../io/table.js';
import { describeMethod } from '../sweep/samplers/index.js';
import { emit, withDb, withSweep, type Output } from './common.js';

const EXPORT_FORMATS = ['csv', 'json', 'optuna'] as const;
type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const command = 'export <name>';
export const describe = 'Write every trial of a sweep to CSV, JSON, or an Optuna study (SQLite)';

export function builder(y: Argv) {
  return withForce(withDb(y))
    .positional('name', { type: 'string', demandOption: true, describe: 'The sweep name' })
    .option('out', { type: 'string', nargs: 1, demandOption: true, describe: 'FILE.csv, FILE.json, or FILE.db (Optuna)' })
    .option('format', { choices: EXPORT_FORMATS, describe: 'csv | json | optuna  [default: from the extension; .db is optuna]' })
    .example('$0 export quickstart --out quickstart.csv', 'One row per trial')
    .example('$0 export quickstart --out quickstart-optuna.db --format optuna', 'For optuna.load_study and optuna-dashboard');
}

export interface ExportResult {
  out: string;
  format: ExportFormat;
  sweep: string;
  trials: number;
  /** Optuna: anchors outside the space left out of the study (its attr lrsweep_unranked_anchors lists them). */
  unranked?: number;
}

export async function exportSweep(o: { db: string; name: string; out: string; format?: ExportFormat; force: boolean }): Promise<ExportResult> {
  const ext = extname(o.out).toLowerCase();
  const byExtension: Record<string, ExportFormat> = { '.csv': 'csv', '.json': 'json', '.db': 'optuna', '.sqlite': 'optuna', '.sqlite3': 'optuna' };
  const format = o.format ?? byExtension[ext];
  if (format === undefined) throw new UsageError(`--out must end in .csv, .json or .db (or give --format), got ${JSON.stringify(o.out)}`);
  if (format !== 'optuna' && byExtension[ext] !== format) throw new UsageError(`--out must end in .${format} for --format ${format}, got ${JSON.stringify(o.out)}`);
  checkOutput(o.out, { flag: '--out', force: o.force, db: { given: o.db, file: localPath(o.db) } });
  return withSweep(o.db, o.name, async ({ storage, sweep, definition }) => {
    if (format === 'optuna') {
      const { trials, unranked } = await exportOptuna(storage, sweep, definition, o.out);
      return { out: o.out, format, sweep: sweep.name, trials, unranked };
    }
    const trials = await storage.trials(sweep.id);
    const paramKeys = [...new Set(trials.flatMap((t) => Object.keys(t.params)))];
    const rows = trials.map((t) => ({
      trial: t.number, state: t.state, config_hash: t.configHash, repeat: t.repeat, seed: t.seed, origin: t.origin,
      ...t.params, objective: t.objective, duration_ms: t.durationMs, error: t.error,
    }));
    let text: string;
    if (format === 'csv') text = toCsv(rows, ['trial', 'state', 'config_hash', 'repeat', 'seed', 'origin', ...paramKeys, 'objective', 'duration_ms', 'error']);
    else {
      const points = await storage.points(trials.map((t) => t.id));
      text = `${JSON.stringify({
        sweep: sweep.name, metric: sweep.metric, goal: sweep.goal, steps: sweep.steps, sampler: describeMethod(definition.method), definition,
        trials: trials.map((t, i) => ({ ...rows[i], provenance: t.provenance, points: points.get(t.id) ?? [] })),
      }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`;
    }
    writeFileAtomic(o.out, text);
    return { out: o.out, format, sweep: sweep.name, trials: trials.length };
  });
}

export function present(r: ExportResult): Output {
  if (r.format === 'optuna') {
    const left = r.unranked ? `; ${r.unranked} anchor trial${r.unranked === 1 ? '' : 's'} outside the sweep's space left out (not ranked; listed in the study attr lrsweep_unranked_anchors)` : '';
    return { stdout: `wrote ${r.out}: Optuna study ${JSON.stringify(r.sweep)} with ${r.trials} trials (optuna-dashboard sqlite:///${r.out})${left}\n` };
  }
  return { stdout: `wrote ${r.out}: ${r.trials} trials of sweep ${r.sweep}\n` };
}

type Args = Awaited<ReturnType<typeof builder>['argv']>;

export async function handler(argv: Args): Promise<void> {
  emit(present(await exportSweep({ db: argv.db, name: argv.name, out: argv.out, format: argv.format, force: argv.force })));
}
