// `lrsweep run SWEEP_FILE`: run (or resume) a sweep; `--dry-run` shows what would run.

import type { Argv } from 'yargs';
import { SingleBar } from 'cli-progress';
import { render } from '../io/table.js';
import { dryRun, runSweep, type Progress, type RunReport } from '../sweep/run.js';
import { BACKENDS, type Backend } from '../train/types.js';
import { intFlag } from './flags.js';
import { withDb } from './common.js';

export const command = 'run <sweep-file>';
export const describe = 'Run a sweep file (resumes where it stopped: completed trials are never run again)';

export function builder(y: Argv) {
  return withDb(y)
    .positional('sweep-file', { type: 'string', demandOption: true, describe: 'A sweep file (.yaml, .yml or .json); see sweeps/README.md' })
    .option('workers', { nargs: 1, coerce: intFlag('workers', 1), describe: 'Worker threads  [default: budget.workers, else one per core]' })
    .option('backend', { choices: BACKENDS, default: 'wasm' as Backend, describe: 'tfjs backend; tensorflow needs @tensorflow/tfjs-node installed' })
    .option('extend', { type: 'boolean', default: false, describe: 'Accept a changed sweep file that adds configs (values, trials, repeats)' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'Check the file, print the number of trials and the first configs, run nothing' })
    .example('$0 run sweeps/quickstart.yaml', 'Run the quickstart sweep into lrsweep.db')
    .example('$0 run sweeps/cawr-grid.yaml --workers 2 --db results.db', 'A bigger grid, in another database')
    .example('$0 run sweeps/cawr-grid.yaml --dry-run', 'How many trials, and which');
}

type Args = Awaited<ReturnType<typeof builder>['argv']>;

function fmt(v: number | null): string {
  return v === null ? '-' : Number(v.toPrecision(5)).toString();
}

function progressReporter(): { update(p: Progress): void; stop(): void } {
  if (process.stderr.isTTY) {
    const bar = new SingleBar({
      stream: process.stderr,
      format: 'trials [{bar}] {value}/{total} | failed {failed} | {elapsed} elapsed | ETA {eta_formatted} | best trial {best}',
      hideCursor: true,
      clearOnComplete: true,
    });
    let started = false;
    return {
      update(p) {
        const payload = { failed: p.failed, best: fmt(p.best), elapsed: `${p.elapsedSeconds.toFixed(0)}s` };
        if (!started) {
          bar.start(p.total, p.complete, payload);
          started = true;
        } else bar.update(p.complete, payload);
      },
      stop() {
        if (started) bar.stop();
        started = false;
      },
    };
  }
  // Not a terminal (CI, a log file): a plain line now and then.
  let last = 0;
  return {
    update(p) {
      const now = Date.now();
      if (now - last < 10_000 && p.doneThisRun < p.toRunThisRun) return;
      last = now;
      const eta = p.doneThisRun > 0 ? ((p.toRunThisRun - p.doneThisRun) * p.elapsedSeconds) / p.doneThisRun : null;
      process.stderr.write(`trials ${p.complete}/${p.total} | failed ${p.failed} | ${p.elapsedSeconds.toFixed(0)}s elapsed | ETA ${eta === null ? '-' : `${eta.toFixed(0)}s`} | best trial ${fmt(p.best)}\n`);
    },
    stop() {},
  };
}

export async function handler(argv: Args): Promise<void> {
  const file = argv['sweep-file'] as string;
  if (argv['dry-run']) {
    const d = dryRun(file);
    const keys = Object.keys(d.sweep.parameters);
    process.stdout.write(`${d.sweep.name}: ${d.configs} configs x ${d.sweep.repeats} repeats = ${d.trials.length} trials ` +
      `(${d.sweep.method}), ${d.steps} steps each, trainer ${d.sweep.trainer.kind}\nfirst configs:\n`);
    const rows = d.trials.filter((t) => t.repeat === 0).slice(0, 5).map((t) => ({ config: t.hash, ...Object.fromEntries(keys.map((k) => [k, t.config[k]])) }));
    process.stdout.write(render(rows, ['config', ...keys], 'table'));
    return;
  }

  const stop = new AbortController();
  const progress = progressReporter();
  const onSigint = () => {
    progress.stop(); // clear the bar first, so the messages below stay readable
    if (stop.signal.aborted) {
      process.stderr.write('\nlrsweep: stopping now; trials still running will be re-run next time\n');
      process.exit(130);
    }
    process.stderr.write('\nlrsweep: stopping: recording what finished (Ctrl-C again to quit at once)\n');
    stop.abort();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  let report: RunReport;
  try {
    report = await runSweep({
      file, db: argv.db, workers: argv.workers as number | undefined, backend: argv.backend, extend: argv.extend,
      signal: stop.signal, onProgress: (p) => progress.update(p),
    });
  } finally {
    progress.stop();
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
  const c = report.counts;
  const total = Object.values(c).reduce((a, b) => a + b, 0);
  const lines = [
    `sweep ${report.sweep}: ${c.complete} of ${total} trials complete, ${c.failed} failed, ${c.interrupted + c.waiting} not run ` +
      `(${report.ranThisRun} finished in this run, ${report.seconds.toFixed(1)} s, ${report.workers} workers)`,
  ];
  if (report.added > 0 && report.added < total) lines.push(`${report.added} new trials were added to the sweep`);
  if (report.recovered > 0) lines.push(`${report.recovered} failed, interrupted or stale trials were queued to run again`);
  const dbFlag = argv.db === 'lrsweep.db' ? '' : ` --db ${argv.db}`;
  if (report.stopped) {
    lines.push(`stopped: every completed trial is kept. Resume with: lrsweep run ${file}${dbFlag}`);
    process.exitCode = 130;
  } else if (c.failed > 0) {
    lines.push(`failed trials keep their errors (lrsweep trials ${report.sweep} --state failed${dbFlag}); running again retries them`);
  }
  lines.push(`best configs: lrsweep best ${report.sweep}${dbFlag}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
