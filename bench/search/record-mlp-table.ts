// Records the table that `npm run bench search` looks the built-in MLP up in (bench/fixtures/
// search-mlp-table.json): the MLP trained once on 1,024 scrambled Sobol configs of five schedule
// parameters, through lrsweep's own run (cohorts, 2 workers), so the bench can ask "what would
// this config have scored" of every sampler, ours and Optuna's, without training (the bench looks
// a config up by its nearest recorded neighbour: search/objectives.ts).
// Run once (about three minutes on 2 cores): node --import tsx bench/search/record-mlp-table.ts

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { MLP_TABLE_FILE, MLP_TABLE_SWEEP } from './objectives.js';

const dir = mkdtempSync(join(tmpdir(), 'lrsweep-mlp-table-'));
try {
  const file = join(dir, 'mlp-table.yaml');
  const db = join(dir, 'mlp-table.db');
  writeFileSync(file, stringify(MLP_TABLE_SWEEP));
  const cli = join(import.meta.dirname, '../../dist/src/cli.js');
  execFileSync(process.execPath, [cli, 'run', file, '--db', db, '--workers', '2'], { stdio: 'inherit' });
  const rows = JSON.parse(execFileSync(process.execPath, [cli, 'trials', MLP_TABLE_SWEEP.name, '--db', db, '--format', 'json'], { encoding: 'utf8', maxBuffer: 1 << 28 })) as Record<string, unknown>[];
  const keys = Object.keys(MLP_TABLE_SWEEP.parameters);
  const table = {
    about: 'val_loss (last epoch) of lrsweep\'s built-in MLP on each config; null: diverged. Recorded by bench/search/record-mlp-table.ts from the sweep below.',
    sweep: MLP_TABLE_SWEEP,
    keys,
    rows: rows.map((r) => [...keys.map((k) => r[k] as number), r.state === 'complete' ? (r.val_loss as number) : null]),
  };
  writeFileSync(MLP_TABLE_FILE, JSON.stringify(table) + '\n');
  console.log(`${table.rows.length} configs written to ${MLP_TABLE_FILE}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
