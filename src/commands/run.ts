// `lrsweep run SWEEP_FILE`: run (or resume) a sweep; `--dry-run` shows what would run.

import type { Argv } from 'yargs';
import { SingleBar } from 'cli-progress';
import { stopOnSignals } from '../core/interrupt.js';
import { totalOf } from '../core/trial.js';
import { render } from '../io/table.js';
import { lintLines } from '../sweep/lints.js';
import { describeMethod } from '../sweep/samplers/index.js';
import { describePruner } from '../sweep/pruners/index.js';
import { failureOf, RunFailed } from '../sweep/tally.js';
// The engine (sweep/run.js: trainers, the thread pool) is imported by the handler: --help and
// the other commands start without it.
import type { DryRun, Progress, RunReport } from '../sweep/run.js';
import { etaSeconds, prunedText, reachedText } from '../sweep/progress.js';
import { BACKENDS, type Backend } from '../train/backend.js';
import { MAX_WORKERS } from '../sweep/file.js';
import { SET_BY_CYCLES } from '../sweep/file/space.js';
import { UsageError } from '../core/errors.js';
import { optionalIntFlag, prunerFlagText as pruned } from './flags.js';
import { CLI, dbFlag, emit, shellArg, withDb, type Output } from './common.js';
import { capabilitiesOf, shownDb } from '../storage/open.js';
import { prunerFactory } from '../sweep/pruners/check.js';

export const command = 'run <sweep-file>';
export const describe = 'Run a sweep file (resumes where it stopped: completed trials are never run again)';

export function builder(y: Argv) {
  return withDb(y)
    .positional('sweep-file', { type: 'string', demandOption: true, describe: 'A sweep file (.yaml, .yml or .json); see sweeps/README.md' })
    .option('workers', { nargs: 1, coerce: optionalIntFlag('workers', 1, MAX_WORKERS), describe: 'Worker threads  [default: budget.workers, else one per core]' })
    .option('backend', { choices: BACKENDS, default: 'wasm' as Backend, describe: 'tfjs backend; tensorflow needs @tensorflow/tfjs-node installed' })
    .option('extend', { type: 'boolean', default: false, describe: 'Accept a changed sweep file that adds configs (values, trials, repeats)' })
    .option('replace', { type: 'boolean', default: false, describe: 'Replace the stored definition with a changed file\'s, while none of the sweep\'s trials is complete or diverged' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'Check the file, print the number of trials and the first configs, run nothing' })
    .option('enqueue-only', { type: 'boolean', default: false, describe: 'PostgreSQL --db: register and enqueue the sweep, and leave its trials to `lrsweep worker`' })
    .option('trials-dir', { type: 'string', nargs: 1, describe: 'Command trainers: where each trial\'s directory goes  [default: $LRSWEEP_TRIALS_DIR, else ./lrsweep-trials]' })
    .option('pruner', { type: 'string', nargs: 1, coerce: pruned, describe: 'Replaces the file\'s pruner: KIND[:KEY=VALUE,...] (median, successive_halving, law; e.g. successive_halving:reduction=3,at=cycle_ends), or none' })
    .option('lint', { type: 'boolean', default: true, describe: 'Warn on stderr about schedule traps in the sweep\'s configs and settings that change nothing (startup-cohort) (--no-lint: silence; a file can ignore rules with lint.ignore)' })
    .example('$0 run sweeps/quickstart.yaml', 'Run the quickstart sweep into lrsweep.db')
    .example('$0 run sweeps/cawr-grid.yaml --workers 2 --db results.db', 'A bigger grid, in another database')
    .example('$0 run sweeps/cawr-grid.yaml --dry-run', 'How many trials, and which')
    .example('$0 run sweeps/cawr-grid.yaml --db postgres://me@db-host/sweeps --enqueue-only', 'Enqueue for workers on other machines (see `lrsweep worker`)');
}

type Args = Awaited<ReturnType<typeof builder>['argv']>;

function fmt(v: number | null): string {
  return v === null ? '-' : Number(v.toPrecision(5)).toString();
}

function progressLine(p: Progress): string {
  const c = p.counts;
  return `${c.failed} failed | ${c.diverged} diverged${c.pruned > 0 ? ` | ${c.pruned} pruned` : ''} | ${c.running} running${reachedText(p.reached)}, ${c.queued} queued | best trial ${fmt(p.bestTrial)}`;
}

const count = (n: number) => n.toLocaleString('en-US');


/**
 * What the bar counts: training steps (progress.ts), so a cohort in training moves it, with the
 * trials complete beside them; trials, when steps cannot be counted. The ETA comes from the same rate.
 */
export function progressMeasure(p: Progress): { unit: 'steps' | 'trials'; value: number; total: number; shown: string; eta: number | null } {
  if (p.steps) {
    const s = p.steps;
    const percent = s.total > 0 ? ` (${Math.floor((100 * s.done) / s.total)}%)` : '';
    return { unit: 'steps', value: s.done, total: s.total, shown: `${count(s.done)}/${count(s.total)}${percent} | trials ${p.counts.complete}/${p.total} complete`,
      eta: etaSeconds(s.doneThisRun, s.toRunThisRun, p.elapsedSeconds) };
  }
  const done = p.counts.complete + p.counts.diverged + p.counts.pruned + p.counts.failed;
  return { unit: 'trials', value: done, total: p.total, shown: `${p.counts.complete}/${p.total} complete`, eta: etaSeconds(p.doneThisRun, p.toRunThisRun, p.elapsedSeconds) };
}

/** The progress line as a log shows it (stderr not a terminal). */
export function progressText(p: Progress): string {
  const m = progressMeasure(p);
  return `${m.unit} ${m.shown} | ${progressLine(p)} | ${p.elapsedSeconds.toFixed(0)}s elapsed | ETA ${m.eta === null ? '-' : `${m.eta.toFixed(0)}s`}`;
}

function progressReporter(): { update(p: Progress): void; stop(): void } {
  if (process.stderr.isTTY) {
    const bar = new SingleBar({
      stream: process.stderr,
      format: '{unit} [{bar}] {shown} | {line} | {elapsed} elapsed | ETA {remaining}',
      hideCursor: true,
      clearOnComplete: true,
    });
    let started = false;
    return {
      update(p) {
        const m = progressMeasure(p);
        const payload = { unit: m.unit, shown: m.shown, line: progressLine(p), elapsed: `${p.elapsedSeconds.toFixed(0)}s`, remaining: m.eta === null ? '-' : `${m.eta.toFixed(0)}s` }; // not `eta`: cli-progress's own token
        if (!started) {
          bar.start(m.total, m.value, payload);
          started = true;
        } else {
          // Steps become trials once a trial reports epochs of unknown length.
          if (bar.getTotal() !== m.total) bar.setTotal(m.total);
          bar.update(m.value, payload);
        }
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
      process.stderr.write(`${progressText(p)}\n`);
    },
    stop() {},
  };
}

export function presentDryRun(d: DryRun, o: { lint?: boolean } = {}): Output {
  const keys = Object.keys(d.sweep.parameters);
  const head = `${d.sweep.name}: ${d.configs} configs x ${d.sweep.repeats} repeats = ${d.trials} trials, ` +
    `sampler ${describeMethod(d.sweep.method)}, ${d.steps} steps each, trainer ${d.sweep.trainer.kind}, seeds ${d.sweep.seeding.mode === 'common' ? 'common to every config' : 'per config'}\n` +
    (d.anchors.length > 0
      ? `trials are created as results arrive: first the ${d.anchors.length} anchors below (origin anchor, planned from the file), then, once they are trained, the configs the law fitted to their curves predicts best:\n`
      : d.adaptive ? `trials are created as results arrive, a config per free worker (or a cohort's worth); what one ask of ${d.first.length} configs suggests before any result (origin startup; a run that asks for fewer at a time draws other startup configs after its first):\n` : 'first configs:\n');
  // Anchors: their names, and the keys they set that tell them apart (min_lr of the constant run, max_cycles of the restarts).
  const anchorKeys = d.anchors.length === 0 ? [] : [...new Set(d.first.flatMap((t) => Object.keys(t.config)))]
    .filter((k) => k !== 'schedule' && !keys.includes(k) && new Set(d.first.map((t) => JSON.stringify(t.config[k] ?? null))).size > 1);
  const rows = d.first.map((t, i) => ({
    ...(d.anchors.length > 0 ? { anchor: d.anchors[i] } : {}), config: t.hash, ...Object.fromEntries([...keys, ...anchorKeys].map((k) => [k, t.config[k] ?? null])),
  }));
  const notes: string[] = d.data ? [d.data] : [];
  if (d.sweep.pruner !== undefined) notes.push(`pruner: ${describePruner(d.sweep.pruner)} (trials stop early where it judges them; lrsweep replay shows what it would cost on a finished sweep)`);
  if (d.stats.dropped > 0) {
    notes.push(`constraints.end_at_cycle_end dropped ${d.stats.dropped} configs: their last cycle does not end at step ${d.steps}`);
  }
  if (d.stats.leftovers.size > 0) {
    const spread = [...d.stats.leftovers.entries()].sort((a, b) => a[0] - b[0]).map(([steps, n]) => `${steps} (${n} config${n === 1 ? '' : 's'})`);
    notes.push(`cycles: the first cycle's length derived per config; steps left at min_lr after the last cycle: ${spread.join(', ')}`);
  }
  const derived = keys.includes('cycles') || 'cycles' in d.sweep.schedule ? SET_BY_CYCLES.filter((k) => d.first.some((t) => t.config[k] !== undefined)) : [];
  const table = render(d.first.map((t, i) => ({ ...rows[i], ...Object.fromEntries(derived.map((k) => [k, t.config[k]])) })),
    [...(d.anchors.length > 0 ? ['anchor'] : []), 'config', ...keys, ...anchorKeys.filter((k) => !derived.includes(k)), ...derived], 'table');
  const warnings = (o.lint === false ? [] : [...lintLines(d.lints), ...d.warnings]).map((l) => `lrsweep: ${l}\n`).join('');
  return { stdout: head + table + notes.map((n) => `${n}\n`).join(''), stderr: warnings };
}

/** Flags given to this run that its resume hint repeats: the trial directories (elsewhere, command trials would start in new ones), workers and backend. */
export interface ResumeFlags {
  trialsDir?: string;
  workers?: number;
  backend?: string;
  /** --pruner as given: it replaces the file's pruner for this run only, so a resume needs it again. */
  pruner?: string;
}

export function presentRun(report: RunReport, file: string, db: string, waited: number, again: ResumeFlags = {}): Output {
  const c = report.counts;
  const total = totalOf(c);
  const flag = dbFlag(db);
  const dirFlag = (again.trialsDir === undefined ? '' : ` --trials-dir ${shellArg(again.trialsDir)}`) +
    (again.workers === undefined ? '' : ` --workers ${again.workers}`) + (again.backend === undefined ? '' : ` --backend ${again.backend}`) +
    (again.pruner === undefined ? '' : ` --pruner ${shellArg(again.pruner)}`);
  if (report.runId < 0) {
    // --enqueue-only: nothing ran here.
    // An adaptive sampler's trials are created by the workers as results arrive.
    const suggested = report.toCreate ? `; ${report.toCreate} more to be suggested by the workers as results arrive` : '';
    return { stdout: `sweep ${report.sweep}: ${c.waiting} trials waiting for workers (${report.enqueued} newly enqueued; ${c.complete} of ${total} complete${suggested})\n` +
      `start workers on any machine with this sweep file: ${CLI} worker ${file}${flag}\n` };
  }
  const lines = [
    `sweep ${report.sweep}: ${c.complete} of ${total} trials complete, ${c.diverged} diverged, ${prunedText(c.pruned)}${c.failed} failed, ${c.interrupted + c.waiting + c.queued + c.running} not run ` +
      `(${report.ranThisRun} ended in this run; ${waited.toFixed(1)} s in all, ${report.workers} workers)`,
  ];
  if (report.added > 0 && report.added < total) lines.push(`${report.added} new trials were added to the sweep`);
  if (report.recovered > 0) lines.push(`${report.recovered} trial${report.recovered === 1 ? ' was' : 's were'} queued to run again${recoveredText(report.recoveredFrom)}`);
  if (report.stopped) lines.push(`stopped: every completed trial is kept. Resume with: ${CLI} run ${file}${flag}${dirFlag}`);
  else if (c.failed > 0) lines.push(`failed trials keep their errors (${CLI} trials ${report.sweep} --state failed${flag}); running again retries them`);
  if (report.predict) lines.push(...report.predict);
  if (c.complete > 0) lines.push(`best configs: ${CLI} best ${report.sweep}${flag}`);
  return { stdout: `${lines.join('\n')}\n`, exitCode: report.stopped ? 130 : undefined };
}

/** What a long check or registration shows: a counter on a terminal, one line otherwise. */
function counter(what: string): (done: number, total: number) => void {
  let said = false;
  return (done, total) => {
    const n = (x: number) => x.toLocaleString('en-US');
    if (process.stderr.isTTY) process.stderr.write(`\r${what}: ${n(done)} of ${n(total)}${done >= total ? '\n' : ''}`);
    else if (!said) process.stderr.write(`${what}: ${n(total)} (Ctrl-C stops at once)\n`);
    said = true;
  };
}

export async function handler(argv: Args): Promise<void> {
  const file = argv['sweep-file'];
  const progress = progressReporter();
  let training = false;
  let latest: Progress | null = null;
  // No handler while the trainer checks its options (deferred): a big CSV is parsed in one
  // synchronous call (seconds) that no handler could interrupt, so Ctrl-C (or SIGTERM) then ends
  // the process at once by the signal's default action (a shell sees 130); nothing is open or
  // written yet. The handler comes with the first step that yields (listen): checking a big
  // grid's configs (after the trainer), or the end of the file's check.
  const stop = stopOnSignals({
    deferred: true,
    onSignal: () => progress.stop(), // clear the bar first, so the messages below stay readable
    // Planning and registering commit whole batches only: quitting there loses nothing.
    quitsNow: () => !training,
    quitting: () => `\nlrsweep: stopped${training ? ' now; trials still running will be re-run next time' : ''}\n`,
    // What Ctrl-C keeps: every trial that ended. Trials in training are interrupted and train again
    // from the start next time (a trainer has no checkpoint to resume); those not started go back to waiting.
    stopping: () => {
      const running = latest?.counts.running ?? 0;
      const lost = running > 0 ? `; ${running} trial${running === 1 ? '' : 's'} in training${reachedText(latest!.reached)} will train again from the start next time` : '';
      return `\nlrsweep: stopping: recording what finished${lost} (Ctrl-C again to quit at once)\n`;
    },
  });
  const listen = stop.listen;
  const checking = counter('checking configs');
  const onChecking = (done: number, total: number) => {
    listen();
    checking(done, total);
  };
  try {
    const { dryRun, runSweep } = await import('../sweep/run.js');
    if (argv.extend && argv.replace) throw new UsageError('--extend and --replace: give one (--extend adds configs and keeps every trial; --replace swaps the definition of a sweep none of whose trials finished)');
    if (argv['dry-run']) {
      emit(presentDryRun(await dryRun(file, onChecking, listen), { lint: argv.lint }));
      return;
    }
    if (argv['enqueue-only'] && !capabilitiesOf(argv.db).queue) {
      throw new UsageError(`--enqueue-only: needs a PostgreSQL --db (postgres://...), whose queue workers take trials from; ${shownDb(argv.db)} is a SQLite file`);
    }
    const report = await runSweep({
      file, db: argv.db, enqueueOnly: argv['enqueue-only'], workers: argv.workers, backend: argv.backend, extend: argv.extend, replace: argv.replace, signal: stop.signal, trialsDir: argv['trials-dir'], lint: argv.lint,
      // The sweep's pruner, or --pruner's in its place.
      prune: prunerFactory(argv.pruner),
      onNotice: (message) => process.stderr.write(`lrsweep: ${message}\n`),
      onProgress: (p) => {
        training = true;
        latest = p;
        progress.update(p);
      },
      onChecking,
      onChecked: listen,
      onRegistering: counter('registering trials'),
    });
    progress.stop();
    emit(presentRun(report, file, argv.db, process.uptime(), { trialsDir: argv['trials-dir'], workers: argv.workers, backend: argv.backend === 'wasm' ? undefined : argv.backend, pruner: argv.pruner }));
    // Exit 1, the reason on stderr's last line (cli.ts): a refused sweep, or every trial this run ended failed.
    const failure = report.stopped ? null : report.refused ?? failureOf(report.tally);
    if (failure) throw new RunFailed(failure);
  } finally {
    progress.stop();
    stop.close();
  }
}

/** What the trials queued again had been: ` (3 interrupted, 1 failed)`; nothing when unknown. */
function recoveredText(from: RunReport['recoveredFrom']): string {
  if (!from) return '';
  const parts = [
    from.interrupted > 0 ? `${from.interrupted} interrupted` : '',
    from.failed > 0 ? `${from.failed} failed` : '',
    from.held > 0 ? `${from.held} left in training by a run that is gone` : '',
  ].filter((p) => p !== '');
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}
