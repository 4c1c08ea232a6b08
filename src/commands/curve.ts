// `lrsweep curve`: write a schedule's LR curve to a file or stdout, or print a summary of it;
// --momentum: the momentum (or Adam beta1) curve of a kind that cycles it (one_cycle), the same ways.

import type { Argv } from 'yargs';
import type { SingleBar } from 'cli-progress';
import { Interrupted, UsageError } from '../core/errors.js';
import { stopOnSignals } from '../core/interrupt.js';
import { yieldToEvents } from '../core/yield.js';
import { encoder, formatFloat32, formatFromPath, STDOUT_FORMATS, type CurveFormat } from '../io/curve-formats.js';
import { checkOutput, fileSink, stdoutSink, withForce, type Sink } from '../io/output.js';
import type { ScheduleInput } from '../schedule/params.js';
import { resolveSchedule, type ResolvedSchedule } from '../schedule/schedule.js';
import { DTYPES, type Dtype } from '../schedule/validate.js';
import { requiredNumberFlag } from './flags.js';
import { curveChart } from '../plot/charts.js';
import { emit, type Output } from './common.js';
import { imageFormat, writeChart } from '../plot/render.js';
import { terminalChart } from '../plot/terminal.js';
import { scheduleFromFlags, withScheduleFlags } from './schedule-flags.js';
import { formatLintWarning, lintSchedule } from '../schedule/lint.js';

export interface CurveOptions {
  params: ScheduleInput;
  steps: number;
  start: number;
  dtype: Dtype;
  /** A file path, '-' for stdout, or undefined for a summary only. */
  out?: string;
  /** Format for stdout ('-'); files take theirs from the extension. */
  format?: CurveFormat;
  /** Show a progress bar (only when stderr is a terminal). */
  progress?: boolean;
  /** A chart: FILE.svg, FILE.png, or '-' for the terminal. */
  plot?: string;
  /** Log-scale y axis for the chart. */
  log?: boolean;
  /** Replace an existing SQLite file at --out or --plot. */
  force?: boolean;
  /** Check the schedule for traps (lint rules) over steps 0 .. start + steps - 1 (default true). */
  lint?: boolean;
  /** Stops a write between chunks (Ctrl-C): the partial file is removed, then Interrupted is thrown. */
  signal?: AbortSignal;
  /** The momentum curve instead of the LR (a kind that cycles it: one_cycle with cycle_momentum). */
  momentum?: boolean;
}

/** What curve writes, summarises and plots: the LR, or the momentum beside it. */
interface CurveView {
  chunks(request: { steps: number; start: number; dtype: Dtype }): Iterable<Float64Array | Float32Array>;
  extremes(start: number, steps: number, columns: number, dtype?: Dtype): ReturnType<ResolvedSchedule['extremes']>;
  what: string;
}

function viewOf(schedule: ResolvedSchedule, momentum: boolean | undefined): CurveView {
  if (!momentum) return { chunks: (r) => schedule.chunks(r), extremes: (...a) => schedule.extremes(...a), what: 'learning rate' };
  if (!schedule.hasMomentum) {
    const why = schedule.own === null ? `--schedule ${schedule.name} sets no momentum` : '--no-cycle-momentum leaves it to the optimizer';
    throw new UsageError(`--momentum needs a schedule that cycles the momentum (--schedule one_cycle with cycle_momentum), got ${why}`);
  }
  return {
    chunks: (r) => schedule.momentumChunks(r),
    extremes: (start, steps, columns, dtype) => schedule.momentumExtremes(start, steps, columns, dtype),
    what: 'momentum',
  };
}

export interface CurveSummary {
  steps: number;
  start: number;
  restarts: number;
  min: number;
  max: number;
  seconds: number;
  out?: string;
  format?: CurveFormat;
  /** Lint warnings, one line each: `rule: message`. */
  warnings: string[];
}

/** Long writes get a progress bar; short ones would only flicker. */
const PROGRESS_MIN_STEPS = 2_000_000;

/** Pixel columns of a chart: one decimated min/max pair each. */
const CHART_COLUMNS = 720;

export async function runCurve(o: CurveOptions): Promise<CurveSummary> {
  const schedule = resolveSchedule(o.params);
  const request = { steps: o.steps, start: o.start, dtype: o.dtype };
  schedule.checkWindow(request);
  const view = viewOf(schedule, o.momentum);
  if (o.plot !== undefined && o.plot !== '-') imageFormat(o.plot, '--plot');
  if (o.plot !== undefined && o.steps === 0) throw new UsageError('--plot needs --steps of at least 1, got steps=0');
  if (o.log && o.plot === undefined) throw new UsageError('--log goes with --plot (it sets the chart\'s y axis)');
  if (o.log && schedule.floor.value <= 0) {
    throw new UsageError(`--log needs a floor above 0 (${schedule.floor.key}=${schedule.floor.value}): a log axis cannot show 0`);
  }
  let format: CurveFormat | undefined;
  if (o.format !== undefined && o.out === undefined) throw new UsageError(`--format goes with --out - (it sets the format of stdout), got --format ${o.format} without --out`);
  if (o.out === '-') {
    format = o.format ?? 'json';
    if (!STDOUT_FORMATS.includes(format)) throw new UsageError(`--format must be json or csv with --out -, got ${JSON.stringify(format)}`);
  } else if (o.out !== undefined) {
    if (o.format !== undefined) throw new UsageError(`--format goes with --out - only; with --out ${JSON.stringify(o.out)} the extension picks the format`);
    format = formatFromPath(o.out);
  }
  if (o.out !== undefined && o.out !== '-') checkOutput(o.out, { flag: '--out', force: o.force });
  if (o.plot !== undefined && o.plot !== '-') checkOutput(o.plot, { flag: '--plot', force: o.force });

  const began = process.hrtime.bigint();
  // Only writing values computes every step. A summary's min and max are the exact extremes of
  // one column (extremes.ts), in the dtype asked for: 2^52 steps take as long as 10^4.
  const [min, max] = o.out !== undefined ? await streamCurve(view, o, format) : curveBounds(view, o);
  if (o.plot !== undefined) {
    const columns = o.plot === '-' ? Math.max(20, Math.min(200, (process.stdout.columns || 100) - 14)) : CHART_COLUMNS;
    const points = view.extremes(o.start, o.steps, columns);
    if (o.plot === '-') process.stdout.write(await terminalChart(points, columns, { log: o.log }));
    else {
      const title = `${schedule.name} ${view.what}, steps ${o.start} to ${o.start + o.steps - 1}`;
      await writeChart(curveChart([{ name: schedule.name, points }], { log: o.log, title }), o.plot, '--plot');
    }
  }
  const seconds = Number(process.hrtime.bigint() - began) / 1e9;
  const warnings = o.lint === false ? [] : lintSchedule(schedule, o.start + o.steps).map(formatLintWarning);
  return { steps: o.steps, start: o.start, restarts: schedule.restarts(request), min, max, seconds, out: o.out, format, warnings };
}

/** The curve's [min, max] without computing every step (Infinity and -Infinity for no steps). */
function curveBounds(schedule: CurveView, o: CurveOptions): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const p of o.steps > 0 ? schedule.extremes(o.start, o.steps, 1, o.dtype) : []) {
    if (p.lr < min) min = p.lr;
    if (p.lr > max) max = p.lr;
  }
  return [min, max];
}

/** Chunks written between two turns of the event loop, so Ctrl-C is seen while a long write runs. */
const CHUNKS_PER_YIELD = 16;

/** The bar of a long --out write; cli-progress is imported only when one is shown. */
async function progressBar(): Promise<SingleBar> {
  const { SingleBar, Presets } = await import('cli-progress');
  return new SingleBar({ stream: process.stderr, format: 'curve [{bar}] {percentage}% | {value}/{total} steps | ETA {eta}s' }, Presets.shades_classic);
}

/** Streams the curve through the encoder into --out and returns its [min, max]. */
async function streamCurve(schedule: CurveView, o: CurveOptions, format: CurveFormat | undefined): Promise<[number, number]> {
  let min = Infinity;
  let max = -Infinity;
  const sink: Sink = o.out === '-' ? stdoutSink() : fileSink(o.out!);
  const enc = encoder(format!, o.dtype, o.steps, o.momentum ? 'momentum' : 'lr');
  const bar = o.progress && o.steps >= PROGRESS_MIN_STEPS && process.stderr.isTTY
    ? await progressBar()
    : null;
  bar?.start(o.steps, 0);
  const stopped = () => {
    if (o.signal?.aborted) throw new Interrupted(`curve interrupted: nothing was written${o.out === '-' ? ' after the values already on stdout' : ` (${o.out}.partial removed)`}`);
  };
  try {
    await sink.write(enc.header());
    let at = 0;
    let chunks = 0;
    for (const values of schedule.chunks({ steps: o.steps, start: o.start, dtype: o.dtype })) {
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (v < min) min = v;
        if (v > max) max = v;
      }
      await sink.write(enc.chunk(values, o.start + at, at === 0));
      at += values.length;
      bar?.update(at);
      // A fast disk may never ask for a drain: give signals their turn now and then.
      if (++chunks % CHUNKS_PER_YIELD === 0) await yieldToEvents();
      stopped();
    }
    await sink.write(enc.footer());
    stopped();
    await sink.commit();
  } catch (e) {
    sink.abort();
    throw e;
  } finally {
    bar?.stop();
  }
  return [min, max];
}

export const command = 'curve';
export const describe = 'Compute a learning-rate curve: write it to a file or stdout, or summarise it';

export function builder(y: Argv, args: readonly string[] = []) {
  return withForce(withScheduleFlags(y, args))
    .option('steps', { nargs: 1, coerce: requiredNumberFlag('steps'), demandOption: true, describe: 'Number of values (steps)', group: 'Curve:' })
    .option('start', { nargs: 1, coerce: requiredNumberFlag('start'), default: 0, describe: 'First step of the window', group: 'Curve:' })
    .option('dtype', { choices: DTYPES, default: 'f64' as Dtype, describe: 'float64, or float32 (computed in float32, faster)', group: 'Curve:' })
    .option('out', { type: 'string', nargs: 1, describe: 'FILE.csv | .json | .npy | .bin, or - for stdout', group: 'Curve:' })
    .option('format', { choices: STDOUT_FORMATS, describe: 'Format for --out -', group: 'Curve:' })
    .option('plot', { type: 'string', nargs: 1, describe: 'Chart: FILE.svg | FILE.png, or - to draw in the terminal', group: 'Curve:' })
    .option('log', { type: 'boolean', describe: 'Log-scale y axis for --plot', group: 'Curve:' })
    .option('momentum', { type: 'boolean', describe: 'The momentum (or Adam beta1) curve instead of the LR: one_cycle with cycle_momentum', group: 'Curve:' })
    .option('lint', { type: 'boolean', default: true, describe: 'Warn on stderr about schedule traps over steps 0 .. start + steps - 1 (--no-lint: silence)', group: 'Curve:' })
    .example('$0 curve --first-cycle-steps 37 --cycle-mult 1.5 --warmup-steps 5 --gamma 0.9 --steps 1000000', 'Summary of a million steps')
    .example('$0 curve --first-cycle-steps 200 --warmup-steps 50 --steps 5000 --out lr.npy', 'Write a NumPy file')
    .example('$0 curve --first-cycle-steps 37 --cycle-mult 1.5 --steps 100000000 --plot lr.svg --log', 'Chart 10^8 steps (decimated per pixel column)')
    .example('$0 curve --first-cycle-steps 37 --steps 2000 --plot -', 'Draw it in the terminal')
    .example('$0 curve --schedule one_cycle --max-lr 0.1 --total-steps 1000 --steps 1001 --momentum --out momentum.npy', "OneCycleLR's momentum curve")
    .example('$0 curve --schedule sgdr --t0 10 --t-mult 2 --base-lr 0.1 --steps 100 --out - --format csv', 'SGDR as CSV on stdout')
    .example('$0 curve --schedule wsd --help', "wsd's flags only, with its defaults");
}

type Args = Awaited<ReturnType<typeof builder>['argv']>;

export function present(summary: CurveSummary, o: { dtype: Dtype; plot?: string }): Output {
  const show = o.dtype === 'f32' ? formatFloat32 : String;
  const lines = [
    `steps     ${summary.steps} (steps ${summary.start} to ${summary.start + summary.steps - 1})`,
    `restarts  ${summary.restarts}`,
    `min       ${summary.steps ? show(summary.min) : '-'}`,
    `max       ${summary.steps ? show(summary.max) : '-'}`,
    `time      ${(summary.seconds * 1000).toFixed(1)} ms`,
  ];
  if (summary.out && summary.out !== '-') lines.push(`wrote     ${summary.out} (${summary.format})`);
  if (o.plot && o.plot !== '-') lines.push(`plotted   ${o.plot}`);
  // With --out - the curve owns stdout: the summary goes to stderr.
  const text = `${lines.join('\n')}\n`;
  const warnings = summary.warnings.map((w) => `lrsweep: ${w}\n`).join('');
  return summary.out === '-' ? { stderr: text + warnings } : { stdout: text, stderr: warnings };
}

export async function handler(argv: Args): Promise<void> {
  // Ctrl-C (or SIGTERM) stops a write at the next chunk and removes the partial file; a second quits
  // at once. Without --out nothing reads the signal, so Ctrl-C keeps its default (it ends curve).
  const stop = argv.out === undefined ? null : stopOnSignals();
  let summary: CurveSummary;
  try {
    summary = await runCurve({
      params: scheduleFromFlags(argv),
      steps: argv.steps,
      start: argv.start,
      dtype: argv.dtype,
      out: argv.out,
      format: argv.format,
      progress: true,
      plot: argv.plot,
      log: argv.log,
      force: argv.force,
      lint: argv.lint,
      signal: stop?.signal,
      momentum: argv.momentum,
    });
  } finally {
    stop?.close();
  }
  emit(present(summary, { dtype: argv.dtype, plot: argv.plot }));
}
