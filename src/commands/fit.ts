// `lrsweep fit`: the restart schedules whose last cycle ends exactly at the final step of a
// training budget (or at most --slack steps before it, the rest held at min_lr by max_cycles).
// The search is schedule/fit.ts; this module reads the flags and prints the settings.

import type { Argv } from 'yargs';
import { UsageError } from '../core/errors.js';
import { render, TABLE_FORMATS, type Row, type TableFormat } from '../io/table.js';
import { fitSchedules, type FitRequest, type FitResult, type FitSetting, type NearBudget } from '../schedule/fit.js';
import { DEFAULT_KIND, FIT_KIND_NAMES, KINDS, keyRef, kindOf, parameterOf, type KindName } from '../schedule/kinds/index.js';
import type { ParameterDeclaration } from '../schedule/params.js';
import { intFlag } from './flags.js';
import { flagTable, withParameterFlags } from './schedule-flags.js';
import { listFlag, showList } from './list-flags.js';

/** Without --cycles: at least one restart (1 is a single cosine over the budget), at most 10 cycles. */
export const DEFAULT_CYCLES = '2..10';

/** Restarts shown in a table cell before the middle is elided (json and csv list them all). */
const TABLE_RESTARTS = 6;

const SEARCH = 'Search:';
const FIXED = 'Fixed parameters (they shape the LR values, not the lengths):';

/** A searched list of a kind: its flag (the parameter's), the request's property, the flag's help. */
interface SearchFlag {
  kind: KindName;
  d: ParameterDeclaration;
  list: string;
  help: string;
}

/** Each kind's searched lists, in kind order: its multipliers, then its warmups. */
const SEARCH_FLAGS: SearchFlag[] = KINDS.flatMap((kind) => (kind.fit === null ? [] : [kind.fit.multiplier, ...(kind.fit.warmup ? [kind.fit.warmup] : [])])
  .map((s) => ({ kind: kind.name, d: parameterOf(kind, s.key), list: s.list, help: s.help })));

/** The parameters fit decides itself: each kind's first length and max_cycles. */
const LENGTHS = [...new Set(KINDS.map((k) => parameterOf(k, k.keys.length)))];
const MAX_CYCLES = [...new Set(KINDS.flatMap((k) => (k.keys.maxCycles ? [parameterOf(k, k.keys.maxCycles)] : [])))];

/** Parameters fit searches or sets itself; every other parameter is a fixed flag, as `curve` takes it. */
const SEARCHED = new Set([...LENGTHS, ...MAX_CYCLES, ...SEARCH_FLAGS.map((f) => f.d)].map((d) => d.name));
const FIXED_FLAGS = flagTable().filter(({ d }) => !SEARCHED.has(d.name));

/** The schedules each schedule-specific flag belongs to. */
const OWNERS: Record<string, KindName[]> = {};
for (const { d, kind } of SEARCH_FLAGS) (OWNERS[d.flag] ??= []).push(kind);
for (const { d, owners } of FIXED_FLAGS) OWNERS[d.flag] = owners;

/** Flags of `curve` that fit decides itself: each refused with what to do instead. */
const DECIDED: Record<string, string> = Object.fromEntries([
  ...LENGTHS.map((d) => [d.flag, `--${d.flag} is what fit finds: leave it out (fit lists the ${d.ref} whose last cycle ends at --steps)`]),
  ...MAX_CYCLES.map((d) => [d.flag, `--${d.flag} is set by fit (to the number of cycles, for a setting that leaves steps after its last cycle): choose the numbers of cycles with --cycles`]),
]);

/** Kinds that can hold leftover steps at the floor (they have max_cycles): --slack applies to them. */
const SLACK_KINDS = KINDS.filter((k) => k.keys.maxCycles !== null).map((k) => k.name);

export const command = 'fit';
export const describe = 'Find the restart schedules whose last cycle ends exactly at the final step of a training budget';

/** The search flags: one list flag per kind's searched parameter, checked by the parameter's rule. */
function withSearchFlags<T>(y: Argv<T>): Argv<T> {
  let out = y;
  for (const { kind, d, help } of SEARCH_FLAGS) {
    const coerce = listFlag(d.flag, { integer: d.type === 'integer', rule: (v: number) => d.rule(v) });
    out = out.option(d.flag, { type: 'string', nargs: 1, coerce, describe: `${kind}: ${help}  [default: ${d.default}]`, group: SEARCH });
  }
  return out;
}

export function builder(y: Argv) {
  const searchFlags = withSearchFlags(withParameterFlags(y, (d) => !SEARCHED.has(d.name), FIXED)
    .option('steps', { nargs: 1, coerce: intFlag('steps', 1), demandOption: true, describe: 'The training budget in steps', group: SEARCH })
    .option('schedule', { choices: FIT_KIND_NAMES, default: DEFAULT_KIND, describe: 'Which schedule', group: SEARCH }));
  const flags = searchFlags
    .option('cycles', {
      type: 'string', nargs: 1, default: DEFAULT_CYCLES,
      coerce: listFlag('cycles', { integer: true, rule: (v) => (v >= 1 ? null : 'must be >= 1') }),
      describe: 'Numbers of cycles to try: values or ranges, e.g. 2..6', group: SEARCH,
    })
    .option('slack', { nargs: 1, coerce: intFlag('slack', 0), default: 0, describe: `${SLACK_KINDS.join('/')}: accept a last cycle ending up to this many steps early; max_cycles holds the rest at min_lr`, group: SEARCH })
    .option('format', { choices: TABLE_FORMATS, default: 'table' as TableFormat, describe: 'Output format' });
  // The flags fit decides itself are taken (hidden) so that fitRequestFromFlags can refuse them.
  return Object.keys(DECIDED).reduce((out, flag) => out.option(flag, { type: 'string', hidden: true }), flags)
    .example('$0 fit --steps 10000 --cycle-mult 1,1.5,2 --warmup-steps 0,100', 'Lengths that end a cycle at step 10000')
    .example('$0 fit --steps 10000 --cycle-mult 1.5 --cycles 3..5 --slack 20', 'Up to 20 steps left at min_lr')
    .example('$0 fit --schedule sgdr --steps 3100 --t-mult 2 --base-lr 0.1 --format json', 'SGDR, as JSON');
}

type Args = Awaited<ReturnType<typeof builder>['argv']>;

function present<T>(value: T | undefined, flag: string): T {
  if (value === undefined) throw new UsageError(`--${flag} is required`);
  return value;
}

/** The search the flags ask for; a flag that does not belong is a UsageError naming it. */
export function fitRequestFromFlags(argv: Args): FitRequest {
  const schedule = argv.schedule;
  const a = argv as unknown as Record<string, unknown>;
  for (const [flag, message] of Object.entries(DECIDED)) if (a[flag] !== undefined) throw new UsageError(message);
  for (const [flag, owners] of Object.entries(OWNERS)) {
    if (a[flag] !== undefined && !owners.includes(schedule)) throw new UsageError(`--${flag} is a parameter of --schedule ${owners.join('/')}, not of --schedule ${schedule}`);
  }
  const fixed: Record<string, unknown> = {};
  for (const { d } of FIXED_FLAGS) if (a[d.flag] !== undefined) fixed[d.name] = a[d.flag];
  // Defaulted and required flags, though the coerce functions' types still allow undefined.
  const steps = present(argv.steps, 'steps');
  const slack = present(argv.slack, 'slack');
  const cycles = present(argv.cycles, 'cycles');
  if (slack >= steps) throw new UsageError(`--slack must be smaller than --steps, got --slack ${slack}, --steps ${steps}`);
  const kind = kindOf(schedule);
  const hasMaxCycles = kind.keys.maxCycles !== null;
  if (!hasMaxCycles && slack > 0) throw new UsageError(`--slack needs max_cycles to hold the leftover steps at the floor, and --schedule ${schedule} has none, got --slack ${slack}`);
  for (const d of kind.parameters) {
    if (d.default === undefined && !SEARCHED.has(d.name) && fixed[d.name] === undefined) {
      throw new UsageError(`--${d.flag} is required for --schedule ${schedule} (the final LR is computed from it)`);
    }
  }
  const lists = SEARCH_FLAGS.filter((f) => f.kind === schedule).map((f) => [f.list, (a[f.d.flag] as number[] | undefined) ?? [f.d.default]]);
  return { schedule, steps, cycles, ...(hasMaxCycles ? { slack } : {}), ...Object.fromEntries(lists), fixed } as FitRequest;
}

/** The searched parameters of a kind, as fit reports them: first length, multiplier, warmup; and max_cycles. */
function shapeColumns(schedule: KindName): { length: string; multiplier: string; warmup: string | null; maxCycles: string | null } {
  const kind = kindOf(schedule);
  const [multiplier, warmup = null] = SEARCH_FLAGS.filter((f) => f.kind === schedule).map((f) => f.d.ref);
  return { length: keyRef(kind, 'length')!, multiplier, warmup, maxCycles: keyRef(kind, 'maxCycles') };
}

/** The table's columns, in order, for a schedule. */
export function fitColumns(schedule: KindName): string[] {
  const c = shapeColumns(schedule);
  return [c.length, c.multiplier, ...(c.warmup ? [c.warmup] : []), 'cycles', 'restarts', ...(c.maxCycles ? ['leftover', c.maxCycles] : []), 'final_lr', 'warnings'];
}

function restartsCell(restarts: number[], format: TableFormat): unknown {
  if (format === 'json') return restarts;
  if (format === 'table' && restarts.length > TABLE_RESTARTS) {
    return `${restarts.slice(0, 3).join(' ')} ... ${restarts.slice(-2).join(' ')} (${restarts.length})`;
  }
  return restarts.join(' ');
}

export function fitRows(schedule: KindName, settings: FitSetting[], format: TableFormat): Row[] {
  const c = shapeColumns(schedule);
  return settings.map((s) => ({
    [c.length]: s.firstCycleSteps,
    [c.multiplier]: s.mult,
    ...(c.warmup ? { [c.warmup]: s.warmupSteps } : {}),
    ...(c.maxCycles ? { leftover: s.leftover, [c.maxCycles]: s.leftover > 0 ? s.cycles : null } : {}),
    cycles: s.cycles,
    restarts: restartsCell(s.restarts, format),
    final_lr: s.finalLr,
    warnings: format === 'json' ? s.warnings : s.warnings.join(' '),
  }));
}

function showBudget(r: FitRequest, b: NearBudget): string {
  const s = b.setting;
  const c = shapeColumns(r.schedule);
  const shape = `${c.length}=${s.firstCycleSteps}, ${c.multiplier}=${s.mult}${c.warmup ? `, ${c.warmup}=${s.warmupSteps}` : ''}`;
  return `${b.steps} steps (${shape}, ${s.cycles} cycles)`;
}

/** The one-line note when nothing fits: what was searched and the nearest budgets. */
export function noFitMessage(r: FitRequest, result: FitResult): string {
  const slack = r.slack ?? 0;
  const lists = r as unknown as Record<string, readonly number[]>;
  // Integers are shown with their ranges (2..4), other numbers one by one.
  const searched = SEARCH_FLAGS.filter((f) => f.kind === r.schedule)
    .map((f) => `${f.d.ref} ${f.d.type === 'integer' ? showList(lists[f.list]) : lists[f.list].join(', ')}`).join('; ');
  const at = slack > 0 ? `between step ${r.steps - slack} and step ${r.steps}` : `at step ${r.steps}`;
  const { below, above } = result.nearest;
  const near = [below, above].filter((b): b is NearBudget => b !== null).map((b) => showBudget(r, b));
  const nearest = near.length > 0
    ? `the nearest budgets that end a cycle exactly are ${near.join(' and ')}`
    : `no searched setting ends a cycle within ${2 * r.steps} steps`;
  return `no setting ends its last cycle ${at} (searched ${searched}; cycles ${showList(r.cycles)}); ${nearest}`;
}

export async function handler(argv: Args): Promise<void> {
  const request = fitRequestFromFlags(argv);
  const result = fitSchedules(request);
  const format = argv.format;
  if (result.settings.length === 0) {
    const note = `${noFitMessage(request, result)}\n`;
    // A table is for people: the note is the answer. JSON and CSV stay parseable (no rows).
    if (format === 'table') {
      process.stdout.write(note);
      return;
    }
    process.stderr.write(`lrsweep: ${note}`);
  }
  process.stdout.write(render(fitRows(request.schedule, result.settings, format), fitColumns(request.schedule), format));
}
