// `lrsweep export NAME --out FILE.csv|.json`: every trial with its parameters and objective
// (JSON also carries the per-epoch metrics).

import { extname } from 'node:path';
import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../io/sink.js';
import { toCsv } from '../io/table.js';
import { openSweep, withDb } from './common.js';
import { exportOptuna } from '../export/optuna.js';

const EXPORT_FORMATS = ['csv', 'json', 'optuna'] as const;
type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const command = 'export <name>';
export const describe = 'Write every trial of a sweep to CSV, JSON, or an Optuna study (SQLite)';

export function builder(y: Argv) {
  return withDb(y)
    .positional('name', { type: 'string', demandOption: true, describe: 'The sweep name' })
    .option('out', { type: 'string', nargs: 1, demandOption: true, describe: 'FILE.csv, FILE.json, or FILE.db (Optuna)' })
    .option('format', { choices: EXPORT_FORMATS, describe: 'csv | json | optuna  [default: from the extension; .db is optuna]' })
    .example('$0 export quickstart --out quickstart.csv', 'One row per trial')
    .example('$0 export quickstart --out quickstart-optuna.db --format optuna', 'For optuna.load_study and optuna-dashboard');
}

type Args = Awaited<ReturnType<typeof builder>['argv']>;

export async function handler(argv: Args): Promise<void> {
  const out = argv.out as string;
  const ext = extname(out).toLowerCase();
  const byExtension: Record<string, ExportFormat> = { '.csv': 'csv', '.json': 'json', '.db': 'optuna', '.sqlite': 'optuna', '.sqlite3': 'optuna' };
  const format = (argv.format as ExportFormat | undefined) ?? byExtension[ext];
  if (format === undefined) throw new UsageError(`--out must end in .csv, .json or .db (or give --format), got ${JSON.stringify(out)}`);
  if (format !== 'optuna' && byExtension[ext] !== format) throw new UsageError(`--out must end in .${format} for --format ${format}, got ${JSON.stringify(out)}`);
  const { storage, sweep } = openSweep(argv.db, argv.name as string);
  try {
    if (format === 'optuna') {
      const { trials } = exportOptuna(storage, sweep, out);
      process.stdout.write(`wrote ${out}: Optuna study ${JSON.stringify(sweep.name)} with ${trials} trials (optuna-dashboard sqlite:///${out})\n`);
      return;
    }
    const trials = storage.trials(sweep.id);
    const paramKeys = [...new Set(trials.flatMap((t) => Object.keys(JSON.parse(t.params))))];
    const rows = trials.map((t) => ({
      trial: t.id, state: t.state, config_hash: t.config_hash, repeat: t.repeat, seed: t.seed,
      ...JSON.parse(t.params), objective: t.objective, duration_ms: t.duration_ms, error: t.error,
    }));
    const text = format === 'csv'
      ? toCsv(rows, ['trial', 'state', 'config_hash', 'repeat', 'seed', ...paramKeys, 'objective', 'duration_ms', 'error'])
      : `${JSON.stringify({ sweep: sweep.name, metric: sweep.metric, goal: sweep.goal, definition: JSON.parse(sweep.definition),
        trials: rows.map((r) => ({ ...r, epochs: storage.epochs(r.trial) })) }, null, 2)}\n`;
    writeFileAtomic(out, text);
    process.stdout.write(`wrote ${out}: ${trials.length} trials of sweep ${sweep.name}\n`);
  } finally {
    storage.close();
  }
}
