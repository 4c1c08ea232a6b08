// The schedule's parameters as kebab-case flags, shared by every command that takes a schedule.
// Flags, their help and their defaults come from the kinds' parameter tables (schedule/kinds/).

import type { Argv } from 'yargs';
import { UsageError } from '../core/errors.js';
import { DEFAULT_KIND, KINDS, KIND_NAMES, kindOf, type KindName } from '../schedule/kinds/index.js';
import type { ParameterDeclaration, ScheduleInput } from '../schedule/params.js';
import { numberFlag } from './flags.js';

/** The help group of a kind's own flags: `cawr (CosineAnnealingWarmupRestarts):`. */
const groupOf = (kind: KindName) => `${kind} (${kindOf(kind).title}):`;

/** Every parameter flag once (allow_min_above_max belongs to both schedules), with the schedules that take it. */
export function flagTable(): { d: ParameterDeclaration; owners: KindName[] }[] {
  const out: { d: ParameterDeclaration; owners: KindName[] }[] = [];
  for (const kind of KINDS) {
    for (const d of kind.parameters) {
      const seen = out.find((x) => x.d.flag === d.flag);
      if (seen) seen.owners.push(kind.name);
      else out.push({ d, owners: [kind.name] });
    }
  }
  return out;
}

function helpOf(d: ParameterDeclaration): string {
  const tail = d.default === undefined ? ' (required)' : d.default === null ? '' : `  [default: ${d.default}]`;
  return `${d.optIn ? 'Opt-in: ' : ''}${d.help}${tail}`;
}

/** Adds parameter flags (those `keep` selects) to a command, each in its schedule's help group. */
export function withParameterFlags<T>(y: Argv<T>, keep: (d: ParameterDeclaration) => boolean = () => true, group?: string) {
  let out = y;
  for (const { d, owners } of flagTable()) {
    if (!keep(d)) continue;
    const g = group ?? (owners.length > 1 ? 'Schedule:' : groupOf(owners[0]));
    const prefix = group && owners.length === 1 ? `${owners[0]}: ` : '';
    if (d.type === 'boolean') out = out.option(d.flag, { type: 'boolean', describe: prefix + helpOf(d), group: g });
    else if (d.type === 'choice') out = out.option(d.flag, { choices: d.choices, describe: prefix + helpOf(d), group: g });
    else out = out.option(d.flag, { nargs: 1, coerce: numberFlag(d.flag), describe: prefix + helpOf(d), group: g });
  }
  return out;
}

export function withScheduleFlags<T>(y: Argv<T>) {
  return withParameterFlags(y.option('schedule', { choices: KIND_NAMES, default: DEFAULT_KIND, describe: 'Which schedule', group: 'Schedule:' }));
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
