// `lrsweep range-test FILE`: the LR range test (sweep/range-test.ts) on a sweep file's trainer, or
// on a trainer module with its default options; prints what it found, draws it, and can write the
// suggested max_lr into a sweep file's parameters.

import { existsSync, readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import asciichart from 'asciichart';
import type { Argv } from 'yargs';
import { parseDocument } from 'yaml';
import { UsageError } from '../core/errors.js';
import { CLI } from '../core/cli-name.js';
import { stopOnSignals } from '../core/interrupt.js';
import { Problems } from '../core/problems.js';
import { checkOutput, writeFileAtomic } from '../io/output.js';
import { editYaml, type YamlEdit } from '../io/yaml-edit.js';
import { render } from '../io/table.js';
import { rangeTestChart } from '../plot/charts.js';
import { imageFormat, writeChart } from '../plot/render.js';
import { trialRoot } from '../train/command/index.js';
import { BACKENDS, type Backend } from '../train/backend.js';
import { checkSweep, loadSweepFile, parseSweepText, SweepFileError } from '../sweep/file.js';
import { samplesRanges } from '../sweep/samplers/index.js';
import { DEFAULT_KIND, findKind, keyRef, kindOf, parameterOf } from '../schedule/kinds/index.js';
// The engine (sweep/range-test.js, the thread pool) is imported when the test runs: --help and
// the other commands start without it.
import type { RangeTestResult } from '../sweep/range-test.js';
import { readTrainer, type SweepTrainer } from '../sweep/trainer.js';
import { optionalIntFlag, requiredNumberFlag } from './flags.js';
import { emit, withDb, type Output } from './common.js';
import type { LoadedSweep } from '../sweep/file.js';

export const command = 'range-test <file>';
export const describe = 'LR range test: train once with an exponentially growing LR and suggest max_lr';

const MODULE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'];
/** Steps of the ramp unless --steps says (fewer when the trainer takes fewer). */
export const DEFAULT_RANGE_STEPS = 300;

export function builder(y: Argv) {
  return withDb(y)
    .positional('file', { type: 'string', demandOption: true, describe: 'A sweep file (its trainer is tested), or a trainer module (.ts/.js, default options)' })
    .option('min-lr', { nargs: 1, coerce: requiredNumberFlag('min-lr'), default: 1e-7, describe: 'LR of the first step' })
    .option('max-lr', { nargs: 1, coerce: requiredNumberFlag('max-lr'), default: 10, describe: 'LR of the last step of the ramp' })
    .option('steps', { nargs: 1, coerce: optionalIntFlag('steps', 10), describe: `Steps of the ramp  [default: ${DEFAULT_RANGE_STEPS}, or the trainer's steps if fewer]` })
    .option('seed', { nargs: 1, coerce: optionalIntFlag('seed', 0), describe: "The trial's seed  [default: 0]" })
    .option('backend', { choices: BACKENDS, default: 'wasm' as Backend, describe: 'tfjs backend (built-in and module trainers)' })
    .option('plot', { type: 'string', nargs: 1, describe: 'Chart of loss against LR: FILE.svg | FILE.png, or - for the terminal' })
    .option('write', { type: 'string', nargs: 1, describe: "Write the suggested max_lr into this sweep file's parameters (comments kept)" })
    .option('format', { choices: ['table', 'json'] as const, default: 'table' as 'table' | 'json', describe: 'Output format' })
    .option('trials-dir', { type: 'string', nargs: 1, describe: 'Command trainers: keep the trial directory (its log) there  [default: ./lrsweep-trials, removed when done]' })
    .example('$0 range-test sweeps/quickstart.yaml --plot range.svg', 'The quickstart trainer: where does the loss fall fastest?')
    .example('$0 range-test sweeps/quickstart.yaml --write sweeps/quickstart.yaml', 'Put the suggested max_lr into the sweep file');
}

async function trainerOf(file: string): Promise<SweepTrainer> {
  if (!existsSync(file)) throw new UsageError(`FILE: no such file: ${JSON.stringify(file)} (a sweep file, or a trainer module .ts/.js)`);
  if (MODULE_EXTENSIONS.includes(extname(file).toLowerCase())) {
    const problems = new Problems();
    const trainer = await readTrainer({ kind: 'module', path: resolve(file) }, process.cwd(), problems);
    if (!trainer) throw new SweepFileError(file, problems.list);
    return trainer;
  }
  return (await loadSweepFile(file)).trainer;
}

export interface RangeTestOutput {
  result: RangeTestResult;
  steps: number;
  /** What --write changed: the parameter, and the floor (min_lr, eta_min) when it was lowered below the new values. */
  written: { file: string; parameter: string; values: unknown; floor: { key: string; from: number; to: number } | null } | null;
  /** When the written file no longer matches a sweep of its name that has run: what to do (one line). */
  stale: string | null;
}

export async function rangeTest(o: {
  file: string; minLr: number; maxLr: number; steps?: number; seed?: number; backend: Backend; plot?: string; write?: string; trialsDir?: string;
  signal?: AbortSignal;
  /** The database whose sweeps the written file is compared with (default: none). */
  db?: string;
}): Promise<RangeTestOutput> {
  if (o.plot !== undefined && o.plot !== '-') {
    imageFormat(o.plot, '--plot');
    checkOutput(o.plot, { flag: '--plot' });
  }
  if (o.write !== undefined) {
    checkOutput(o.write, { flag: '--write', force: true });
    checkWriteTarget(o.write); // before training: a test of minutes must not end in "cannot write"
  }
  const trainer = await trainerOf(o.file);
  const steps = o.steps ?? Math.min(DEFAULT_RANGE_STEPS, trainer.steps);
  const { runRangeTest } = await import('../sweep/range-test.js');
  const result = await runRangeTest(trainer, {
    minLr: o.minLr, maxLr: o.maxLr, steps, seed: o.seed, backend: o.backend, signal: o.signal, trialsDir: trialRoot(o.trialsDir),
    // A folder the user named is theirs to keep; the default one is removed when the test is done.
    keepTrialDir: o.trialsDir !== undefined || Boolean(process.env.LRSWEEP_TRIALS_DIR),
  });
  if (o.plot !== undefined && o.plot !== '-') {
    await writeChart(rangeTestChart(result.points, { suggested: result.suggestedMaxLr, diverged: result.diverged?.lr ?? null }), o.plot, '--plot');
  }
  const suggestion = o.write !== undefined && result.suggestedMaxLr !== null ? await writeSuggestion(o.write, result.suggestedMaxLr) : null;
  const stale = suggestion && o.db ? await staleNote(suggestion.loaded, o.db) : null;
  return { result, steps, written: suggestion?.written ?? null, stale };
}

/**
 * Whether the written file still runs the sweep of its name that has run in `db`: `lrsweep run`
 * refuses a changed definition, so the user hears it now, with the ways out. Null when no such
 * sweep exists, it is unchanged, or the database cannot be read (the file is written either way).
 */
async function staleNote(loaded: LoadedSweep, db: string): Promise<string | null> {
  const { openStorage, shownDb } = await import('../storage/open.js');
  const { compareWithStored } = await import('../sweep/register.js');
  let storage: Awaited<ReturnType<typeof openStorage>> | null = null;
  try {
    storage = await openStorage(db, 'read');
    const existing = await storage.getSweep(loaded.sweep.name);
    if (!existing) return null;
    const { changes } = compareWithStored(existing, loaded.sweep, { written: loaded.written, trainerHash: existing.trainerHash });
    if (changes.length === 0) return null;
    const counts = await storage.counts(existing.id);
    const kept = counts.complete + counts.diverged;
    const list = changes.map((c) => c.text).join('; ');
    return `${loaded.file} no longer matches sweep ${JSON.stringify(existing.name)} in ${shownDb(db)}, which has run (${list.length > 200 ? `${list.slice(0, 200)}...` : list}): ` +
      `${CLI} run will refuse it as changed. Give the sweep a new name (name: in the file), run with --extend if the change only adds configs, ` +
      (kept === 0 ? 'or run with --replace to start it over' : `or start it over: ${CLI} delete ${existing.name}, then run (run --replace is refused once trials are complete or diverged; ${kept} are)`);
  } catch {
    return null;
  } finally {
    await storage?.close();
  }
}

/** The --write target must be a sweep file already: the suggestion goes into its parameters. */
function checkWriteTarget(file: string): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`--write: ${code === 'ENOENT' ? 'no such file' : `cannot read it (${code})`}: ${file} (the suggestion goes into an existing sweep file)`);
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0 || doc.contents === null || typeof doc.toJS() !== 'object' || Array.isArray(doc.toJS())) {
    throw new UsageError(`--write: ${file} is not a sweep file (a YAML mapping)${doc.errors[0] ? `: ${doc.errors[0].message.split('\n')[0]}` : ''}`);
  }
}

const round = (v: number) => Number(v.toPrecision(2));

/**
 * Puts the suggestion into a sweep file: the kind's peak (max_lr, base_lr) becomes a parameter around
 * it (grid: a quarter, a half and all of it; random: log-uniform from a tenth to it), any fixed
 * value of it is removed, and a floor (min_lr, eta_min) not below a tenth of the smallest candidate is lowered.
 * Everything else keeps its comments and formatting (io/yaml-edit.ts). The file is checked
 * before it replaces the old one.
 */
async function writeSuggestion(file: string, suggested: number): Promise<{ written: NonNullable<RangeTestOutput['written']>; loaded: LoadedSweep }> {
  const original = readFileSync(file, 'utf8');
  const doc = parseDocument(original);
  // A kind the file does not name, or names wrongly, reads as the default (checkSweep then says what is wrong).
  const kind = findKind(doc.getIn(['schedule', 'kind'])) ?? kindOf(DEFAULT_KIND);
  const key = keyRef(kind, 'peak')!;
  const random = samplesRanges((doc.toJS() as Record<string, unknown> | null)?.method);
  const values = random ? { min: round(suggested / 10), max: round(suggested), distribution: 'log_uniform' } : { values: [round(suggested / 4), round(suggested / 2), round(suggested)] };
  const smallest = random ? round(suggested / 10) : round(suggested / 4);
  const edits: YamlEdit[] = [{ parent: 'schedule', key, value: undefined }, { parent: 'parameters', key, value: values }];
  // A kind whose floor is no parameter (one_cycle's derives from its divisors, wsd's from a ratio of the peak) has none to lower.
  const floorDeclaration = kind.keys.floor === null ? null : parameterOf(kind, kind.keys.floor);
  const floor = floorDeclaration?.ref ?? '';
  const current = (doc.getIn(['schedule', floor]) as number | undefined) ?? (floorDeclaration?.default as number);
  let lowered: { key: string; from: number; to: number } | null = null;
  if (floorDeclaration !== null && current >= smallest / 10 && !doc.hasIn(['parameters', floor])) {
    lowered = { key: floor, from: current, to: round(smallest / 10) };
    edits.push({ parent: 'schedule', key: floor, value: lowered.to });
  }
  const text = editYaml(original, edits);
  const loaded = await checkSweep(parseSweepText(text, file), file); // refuse to write a file that would not run
  writeFileAtomic(file, text);
  return { written: { file, parameter: key, values, floor: lowered }, loaded };
}

export function present(r: RangeTestOutput, format: 'table' | 'json', plot?: string): Output {
  const { result } = r;
  const note = r.stale ? { stderr: `lrsweep: ${r.stale}\n` } : {};
  if (format === 'json') return { stdout: `${JSON.stringify({ ...result, steps: r.steps, written: r.written }, null, 2)}\n`, ...note };
  const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '-' : String(Number(v.toPrecision(3))));
  const rows = [
    { what: 'steps trained', value: `${result.points.length} of ${r.steps}` },
    { what: 'lowest smoothed loss', value: result.lowest ? `${fmt(result.lowest.loss)} at lr ${fmt(result.lowest.lr)}` : '-' },
    { what: 'steepest descent', value: result.steepest ? `at lr ${fmt(result.steepest.lr)}` : '-' },
    { what: 'diverged', value: result.diverged ? `at lr ${fmt(result.diverged.lr)} (step ${result.diverged.step})` : 'no' },
    { what: 'suggested max_lr', value: fmt(result.suggestedMaxLr) },
    { what: 'confidence', value: `${result.confidence}: ${result.reason}` },
  ];
  let text = render(rows, ['what', 'value'], 'table');
  if (plot === '-' && result.points.length > 1) {
    const width = Math.max(20, Math.min(120, (process.stdout.columns || 100) - 14));
    const every = Math.max(1, Math.ceil(result.points.length / width));
    const series = result.points.filter((_, i) => i % every === 0).map((p) => p.smoothed);
    text += `${asciichart.plot(series, { height: 12, format: (x: number) => x.toPrecision(3).padStart(10) })}\n${' '.repeat(12)}lr ${fmt(result.points[0].lr)} .. ${fmt(result.points[result.points.length - 1].lr)} (log scale), smoothed loss\n`;
  }
  if (plot && plot !== '-') text += `plotted ${plot}\n`;
  if (r.written) {
    const { file, parameter, values, floor } = r.written;
    text += `wrote ${file}: parameters.${parameter}: ${JSON.stringify(values)}` +
      `${floor ? `; schedule.${floor.key}: ${floor.from} -> ${floor.to} (a tenth of the smallest ${parameter}, so every config still anneals down)` : ''}\n`;
  }
  return { stdout: text, ...note };
}

type Args = Awaited<ReturnType<typeof builder>['argv']>;

export async function handler(argv: Args): Promise<void> {
  // Ctrl-C stops the trainer (a command trainer's process group too) before lrsweep exits.
  const stop = stopOnSignals({ stopping: () => '\nlrsweep: stopping the range test (Ctrl-C again to quit at once)\n' });
  let out: RangeTestOutput;
  try {
    out = await rangeTest({
      file: argv.file, minLr: argv['min-lr'], maxLr: argv['max-lr'], steps: argv.steps, seed: argv.seed, backend: argv.backend,
      plot: argv.plot, write: argv.write, trialsDir: argv['trials-dir'], signal: stop.signal, db: argv.db,
    });
  } finally {
    stop.close();
  }
  if (out.result.suggestedMaxLr === null && argv.write) process.stderr.write('lrsweep: no suggestion, so nothing was written\n');
  emit(present(out, argv.format, argv.plot));
}

