// `lrsweep fit`: the restart schedules whose last cycle ends exactly at the final step of a
// training budget (or at most --slack steps before it, the rest held at min_lr by max_cycles).
// The search is schedule/fit.ts; this module reads the flags and prints the settings.

import type { Argv } from 'yargs';
import { UsageError } from '../core/errors.js';
import { render, TABLE_FORMATS, type Row, type TableFormat } from '../io/table.js';
import { fitSchedules, type CawrFixed, type FitRequest, type FitResult, type FitSetting, type NearBudget, type SgdrFixed } from '../schedule/fit.js';
import { CAWR_DEFAULTS, SCHEDULES, SGDR_DEFAULTS, declaration, type ScheduleName } from '../schedule/params.js';
import { intFlag } from './flags.js';
import { flagTable, withParameterFlags } from './schedule-flags.js';
import { listFlag, showList } from './list-flags.js';

/** Without --cycles: at least one restart (1 is a single cosine over the budget), at most 10 cycles. */
export const DEFAULT_CYCLES = '2..10';

/** Restarts shown in a table cell before the middle is elided (json and csv list them all). */
const TABLE_RESTARTS = 6;

const SEARCH = 'Search:';
const FIXED = 'Fixed parameters (they shape the LR values, not the lengths):';

/** Parameters fit searches or sets itself; every other parameter is a fixed flag, as `curve` takes it. */
const SEARCHED = new Set(['firstCycleSteps', 'cycleMult', 'warmupSteps', 'maxCycles', 't0', 'tMult']);
const FIXED_FLAGS = flagTable().filter(({ d }) => !SEARCHED.has(d.name));

/** The schedule each schedule-specific flag belongs to. */
const OWNERS: Record<string, ScheduleName | 'both'> = {
  'cycle-mult': 'cawr',
  'warmup-steps': 'cawr',
  't-mult': 'sgdr',
  ...Object.fromEntries(FIXED_FLAGS.map(({ d, owners }) => [d.flag, owners.length > 1 ? 'both' : owners[0]])),
};

/** Flags of `curve` that fit decides itself: each refused with what to do instead. */
const DECIDED: Record<string, string> = {
  'first-cycle-steps': '--first-cycle-steps is what fit finds: leave it out (fit lists the first_cycle_steps whose last cycle ends at --steps)',
  t0: '--t0 is what fit finds: leave it out (fit lists the t_0 whose last cycle ends at --steps)',
  'max-cycles': '--max-cycles is set by fit (to the number of cycles, for a setting that leaves steps after its last cycle): choose the numbers of cycles with --cycles',
};

const rule = (schedule: ScheduleName, field: string) => {
  const r = declaration(schedule, field)!.rule;
  return (v: number) => r(v);
};

export const command = 'fit';
export const describe = 'Find the restart schedules whose last cycle ends exactly at the final step of a training budget';

export function builder(y: Argv) {
  return withParameterFlags(y, (d) => !SEARCHED.has(d.name), FIXED)
    .option('steps', { nargs: 1, coerce: intFlag('steps', 1), demandOption: true, describe: 'The training budget in steps', group: SEARCH })
    .option('schedule', { choices: SCHEDULES, default: 'cawr' as ScheduleName, describe: 'Which schedule', group: SEARCH })
    .option('cycle-mult', { type: 'string', nargs: 1, coerce: listFlag('cycle-mult', { rule: rule('cawr', 'cycleMult') }), describe: 'cawr: cycle_mult values, e.g. 1,1.5,2  [default: 1]', group: SEARCH })
    .option('warmup-steps', { type: 'string', nargs: 1, coerce: listFlag('warmup-steps', { integer: true, rule: rule('cawr', 'warmupSteps') }), describe: 'cawr: warmup_steps values or ranges, e.g. 0,100  [default: 0]', group: SEARCH })
    .option('t-mult', { type: 'string', nargs: 1, coerce: listFlag('t-mult', { integer: true, rule: rule('sgdr', 'tMult') }), describe: 'sgdr: T_mult values (integers), e.g. 1,2  [default: 1]', group: SEARCH })
    .option('cycles', {
      type: 'string', nargs: 1, default: DEFAULT_CYCLES,
      coerce: listFlag('cycles', { integer: true, rule: (v) => (v >= 1 ? null : 'must be >= 1') }),
      describe: 'Numbers of cycles to try: values or ranges, e.g. 2..6', group: SEARCH,
    })
    .option('slack', { nargs: 1, coerce: intFlag('slack', 0), default: 0, describe: 'cawr: accept a last cycle ending up to this many steps early; max_cycles holds the rest at min_lr', group: SEARCH })
    .option('format', { choices: TABLE_FORMATS, default: 'table' as TableFormat, describe: 'Output format' })
    .option('first-cycle-steps', { type: 'string', hidden: true })
    .option('t0', { type: 'string', hidden: true })
    .option('max-cycles', { type: 'string', hidden: true })
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
  for (const [flag, owner] of Object.entries(OWNERS)) {
    if (a[flag] !== undefined && owner !== 'both' && owner !== schedule) throw new UsageError(`--${flag} is a parameter of --schedule ${owner}, not of --schedule ${schedule}`);
  }
  const fixed: Record<string, unknown> = {};
  for (const { d } of FIXED_FLAGS) if (a[d.flag] !== undefined) fixed[d.name] = a[d.flag];
  // Defaulted and required flags, though the coerce functions' types still allow undefined.
  const steps = present(argv.steps, 'steps');
  const slack = present(argv.slack, 'slack');
  const cycles = present(argv.cycles, 'cycles');
  if (slack >= steps) throw new UsageError(`--slack must be smaller than --steps, got --slack ${slack}, --steps ${steps}`);
  if (schedule === 'sgdr') {
    if (slack > 0) throw new UsageError(`--slack needs max_cycles to hold the leftover steps at the floor, and --schedule sgdr has none, got --slack ${slack}`);
    if (fixed.baseLr === undefined) throw new UsageError('--base-lr is required for --schedule sgdr (the final LR is computed from it)');
    return { schedule, steps, cycles, tMults: argv['t-mult'] ?? [SGDR_DEFAULTS.tMult], fixed: fixed as unknown as SgdrFixed };
  }
  return {
    schedule, steps, cycles, slack,
    cycleMults: argv['cycle-mult'] ?? [CAWR_DEFAULTS.cycleMult],
    warmups: argv['warmup-steps'] ?? [CAWR_DEFAULTS.warmupSteps],
    fixed: fixed as CawrFixed,
  };
}

/** The table's columns, in order, for a schedule. */
export function fitColumns(schedule: ScheduleName): string[] {
  return schedule === 'sgdr'
    ? ['t_0', 't_mult', 'cycles', 'restarts', 'final_lr', 'warnings']
    : ['first_cycle_steps', 'cycle_mult', 'warmup_steps', 'cycles', 'restarts', 'leftover', 'max_cycles', 'final_lr', 'warnings'];
}

function restartsCell(restarts: number[], format: TableFormat): unknown {
  if (format === 'json') return restarts;
  if (format === 'table' && restarts.length > TABLE_RESTARTS) {
    return `${restarts.slice(0, 3).join(' ')} ... ${restarts.slice(-2).join(' ')} (${restarts.length})`;
  }
  return restarts.join(' ');
}

export function fitRows(schedule: ScheduleName, settings: FitSetting[], format: TableFormat): Row[] {
  return settings.map((s) => ({
    ...(schedule === 'sgdr'
      ? { t_0: s.firstCycleSteps, t_mult: s.mult }
      : { first_cycle_steps: s.firstCycleSteps, cycle_mult: s.mult, warmup_steps: s.warmupSteps, leftover: s.leftover, max_cycles: s.leftover > 0 ? s.cycles : null }),
    cycles: s.cycles,
    restarts: restartsCell(s.restarts, format),
    final_lr: s.finalLr,
    warnings: format === 'json' ? s.warnings : s.warnings.join(' '),
  }));
}

function showBudget(r: FitRequest, b: NearBudget): string {
  const s = b.setting;
  const shape = r.schedule === 'sgdr'
    ? `t_0=${s.firstCycleSteps}, t_mult=${s.mult}`
    : `first_cycle_steps=${s.firstCycleSteps}, cycle_mult=${s.mult}, warmup_steps=${s.warmupSteps}`;
  return `${b.steps} steps (${shape}, ${s.cycles} cycles)`;
}

/** The one-line note when nothing fits: what was searched and the nearest budgets. */
export function noFitMessage(r: FitRequest, result: FitResult): string {
  const slack = r.slack ?? 0;
  const searched = r.schedule === 'sgdr'
    ? `t_mult ${showList(r.tMults)}`
    : `cycle_mult ${r.cycleMults.join(', ')}; warmup_steps ${showList(r.warmups)}`;
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
