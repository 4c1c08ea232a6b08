// The schedule's parameters as kebab-case flags, shared by every command that takes a schedule.
// Flags, their help and their defaults come from the kinds' parameter tables (schedule/kinds/).

import type { Argv } from 'yargs';
import { UsageError } from '../core/errors.js';
import { DEFAULT_KIND, KINDS, KIND_NAMES, kindOf, type KindName } from '../schedule/kinds/index.js';
import type { ParameterDeclaration, ScheduleInput } from '../schedule/params.js';
import { numberFlag } from './flags.js';

/** The help group of a kind's own flags: `cawr (CosineAnnealingWarmupRestarts):`. */
const groupOf = (kind: KindName) => `${kind} (${kindOf(kind).title}):`;

/** A flag's declaration in one kind's table. */
interface KindDeclaration {
  kind: KindName;
  d: ParameterDeclaration;
}

/**
 * Every parameter flag once (allow_min_above_max belongs to cawr and sgdr), with the schedules
 * that take it (owners) and each one's declaration (its help and default may differ: max_lr is
 * cawr's with a default, one_cycle's required). `d` is the first.
 */
export function flagTable(): { d: ParameterDeclaration; owners: KindName[]; declarations: KindDeclaration[] }[] {
  const out: { d: ParameterDeclaration; owners: KindName[]; declarations: KindDeclaration[] }[] = [];
  for (const kind of KINDS) {
    for (const d of kind.parameters) {
      const seen = out.find((x) => x.d.flag === d.flag);
      if (seen) {
        seen.owners.push(kind.name);
        seen.declarations.push({ kind: kind.name, d });
      } else out.push({ d, owners: [kind.name], declarations: [{ kind: kind.name, d }] });
    }
  }
  return out;
}

/** One declaration's help: its text, then (required), nothing (unset) or its default. */
function helpOf(d: ParameterDeclaration): string {
  const tail = d.default === undefined ? ' (required)' : d.default === null ? '' : `  [default: ${d.default}]`;
  return `${d.optIn ? 'Opt-in: ' : ''}${d.help}${tail}`;
}

/**
 * A flag's help from the declarations shown: one kind's alone (its group names the kind), or
 * each kind's help and default on its own line, naming the kinds (`cawr: ... [default: 0.1]`,
 * `one_cycle: ... (required)`), once for kinds that declare it alike.
 */
function flagHelp(shown: readonly KindDeclaration[], named: boolean): string {
  const lines = new Map<string, KindName[]>();
  for (const { kind, d } of shown) {
    const line = helpOf(d);
    lines.set(line, [...(lines.get(line) ?? []), kind]);
  }
  if (shown.length === 1 && !named) return helpOf(shown[0].d);
  return [...lines].map(([line, kinds]) => `${kinds.join(', ')}: ${line}`).join('\n');
}

/** The kind a command line names (--schedule NAME or --schedule=NAME, the last one), if it is one. */
export function kindInArgs(args: readonly string[]): KindName | undefined {
  let named: string | undefined;
  args.forEach((a, i) => {
    if (a === '--schedule') named = args[i + 1];
    else if (a.startsWith('--schedule=')) named = a.slice('--schedule='.length);
  });
  return KIND_NAMES.find((k) => k === named);
}

/**
 * Adds parameter flags (those `keep` selects) to a command, each in its schedule's help group
 * (or `group`, each help then naming its kinds). With `only` (curve --schedule NAME --help), the
 * other kinds' flags are taken but hidden, and a shared flag shows only that kind's help.
 */
export function withParameterFlags<T>(y: Argv<T>, keep: (d: ParameterDeclaration) => boolean = () => true, group?: string, only?: KindName) {
  let out = y;
  for (const { d, owners, declarations } of flagTable()) {
    if (!keep(d)) continue;
    const shown = only === undefined ? declarations : declarations.filter((x) => x.kind === only);
    const hidden = shown.length === 0;
    const g = group ?? (shown.length > 1 ? 'Schedule:' : groupOf(hidden ? owners[0] : shown[0].kind));
    const describe = hidden ? helpOf(d) : flagHelp(shown, group !== undefined);
    const common = { describe, group: g, hidden };
    if (d.type === 'boolean') out = out.option(d.flag, { type: 'boolean', ...common });
    else if (d.type === 'choice') out = out.option(d.flag, { choices: d.choices, ...common });
    else out = out.option(d.flag, { nargs: 1, coerce: numberFlag(d.flag), ...common });
  }
  return out;
}

/**
 * --schedule and every kind's parameter flags. `args` (the command line): where it names a
 * schedule, --help shows that schedule's flags only.
 */
export function withScheduleFlags<T>(y: Argv<T>, args: readonly string[] = []) {
  const only = kindInArgs(args);
  const describe = only === undefined ? 'Which schedule (with --help: --schedule NAME --help shows its flags only)' : 'Which schedule';
  return withParameterFlags(y.option('schedule', { choices: KIND_NAMES, default: DEFAULT_KIND, describe, group: 'Schedule:' }), () => true, undefined, only);
}

/** Builds the schedule's parameters from parsed flags; a flag of the other schedule, or a missing required one, is an error. */
export function scheduleFromFlags(argv: Record<string, unknown>): ScheduleInput {
  const schedule = argv.schedule as KindName;
  const params: Record<string, unknown> = { schedule };
  for (const { d, owners } of flagTable()) {
    const value = argv[d.flag];
    if (value === undefined) continue;
    if (!owners.includes(schedule)) throw new UsageError(`--${d.flag} is a parameter of --schedule ${owners.join('/')}, not of --schedule ${schedule}`);
    params[d.name] = value;
  }
  for (const d of kindOf(schedule).parameters) {
    if (d.default === undefined && params[d.name] === undefined) throw new UsageError(`--${d.flag} is required for --schedule ${schedule}`);
  }
  return params as unknown as ScheduleInput;
}
