// The schedules' parameters: ONE declaration per parameter (reference name, camelCase name, CLI
// flag, type, default, rule, help), from which everything else is derived: the library's input
// types, the defaults, the name maps, validation (validate.ts), the CLI flags and their help
// (commands/schedule-flags.ts), the sweep-file keys (sweep/file.ts), the query columns of
// `trials` (storage/schema.ts). test/schedule/params.test.ts checks the READMEs' lists against it.
// Adding a parameter: one entry here, and its meaning in toFamily (family.ts) and the kernels.

import { MAX_STEP, rules, type Rule } from '../core/rules.js';
import type { PeakFloor } from '../wasm/family.js';

export type { PeakFloor };
export const PEAK_FLOORS = ['none', 'clamp', 'amplitude'] as const satisfies readonly PeakFloor[];

interface Declaration {
  /** The reference implementation's name: messages, sweep files, stored configs. */
  readonly ref: string;
  /** The library's name (camelCase). */
  readonly name: string;
  /** The CLI flag, without dashes. */
  readonly flag: string;
  readonly type: 'integer' | 'number' | 'boolean' | 'choice';
  readonly choices?: readonly string[];
  /** Absent: required. null: unset (a limit that does not apply). */
  readonly default?: number | boolean | string | null;
  readonly rule: Rule;
  readonly help: string;
  /** An opt-in fix beyond the reference (off by default). */
  readonly optIn?: boolean;
  /** Exposed as a generated column of `trials`, for plain SQL. */
  readonly column?: boolean;
}

const lengthRule = rules.integer(1, MAX_STEP);
const countRule = rules.integer(0, MAX_STEP);
/** T_mult is capped: at 2^20 a second cycle already passes any curve we can produce. */
export const MAX_T_MULT = 2 ** 20;

/** CosineAnnealingWarmupRestarts (katsura-jp/pytorch-cosine-annealing-with-warmup). */
export const CAWR_PARAMETERS = [
  { ref: 'first_cycle_steps', name: 'firstCycleSteps', flag: 'first-cycle-steps', type: 'integer', rule: lengthRule, column: true,
    help: 'Length of the first cycle, in steps' },
  { ref: 'cycle_mult', name: 'cycleMult', flag: 'cycle-mult', type: 'number', default: 1, rule: rules.positive, column: true,
    help: 'Cycle length multiplier; lengths are int((L - w) * m) + w' },
  { ref: 'max_lr', name: 'maxLr', flag: 'max-lr', type: 'number', default: 0.1, rule: rules.nonNegative, column: true,
    help: 'Peak LR of the first cycle' },
  { ref: 'min_lr', name: 'minLr', flag: 'min-lr', type: 'number', default: 0.001, rule: rules.nonNegative, column: true,
    help: 'Floor LR' },
  { ref: 'warmup_steps', name: 'warmupSteps', flag: 'warmup-steps', type: 'integer', default: 0, rule: countRule, column: true,
    help: 'Linear warmup steps at the start of each cycle (smaller than first_cycle_steps)' },
  { ref: 'gamma', name: 'gamma', flag: 'gamma', type: 'number', default: 1, rule: rules.positive, column: true,
    help: 'Peak decay per cycle: peak = max_lr * gamma^cycle' },
  { ref: 'warmup_first_cycle_only', name: 'warmupFirstCycleOnly', flag: 'warmup-first-cycle-only', type: 'boolean', default: false,
    rule: rules.bool, optIn: true, help: 'Warm up in the first cycle only; later cycles start at their peak' },
  { ref: 'peak_floor', name: 'peakFloor', flag: 'peak-floor', type: 'choice', choices: PEAK_FLOORS, default: 'none',
    rule: rules.oneOf(PEAK_FLOORS), optIn: true, help: 'Keep peaks above min_lr: clamp, or amplitude (Keras-style) decay' },
  { ref: 'max_cycles', name: 'maxCycles', flag: 'max-cycles', type: 'integer', default: null, rule: countRule, optIn: true, column: true,
    help: 'After this many cycles the LR stays at min_lr' },
  { ref: 'allow_min_above_max', name: 'allowMinAboveMax', flag: 'allow-min-above-max', type: 'boolean', default: false,
    rule: rules.bool, optIn: true, help: "Accept min_lr > max_lr, as the reference does (every cycle upside down)" },
] as const satisfies readonly Declaration[];

/** PyTorch's CosineAnnealingWarmRestarts (SGDR). */
export const SGDR_PARAMETERS = [
  { ref: 't_0', name: 't0', flag: 't0', type: 'integer', rule: lengthRule, column: true, help: 'Length of the first cycle, T_0' },
  { ref: 't_mult', name: 'tMult', flag: 't-mult', type: 'integer', default: 1, rule: rules.integer(1, MAX_T_MULT), column: true,
    help: 'Cycle length multiplier, an integer' },
  { ref: 'eta_min', name: 'etaMin', flag: 'eta-min', type: 'number', default: 0, rule: rules.nonNegative, column: true, help: 'Floor LR' },
  { ref: 'base_lr', name: 'baseLr', flag: 'base-lr', type: 'number', rule: rules.nonNegative, column: true,
    help: "The optimizer's LR: the peak" },
  { ref: 'allow_min_above_max', name: 'allowMinAboveMax', flag: 'allow-min-above-max', type: 'boolean', default: false,
    rule: rules.bool, optIn: true, help: 'Accept eta_min > base_lr, as PyTorch does (every cycle upside down)' },
] as const satisfies readonly Declaration[];

export const SCHEDULES = ['cawr', 'sgdr'] as const;
export type ScheduleName = (typeof SCHEDULES)[number];

export const PARAMETERS: Record<ScheduleName, readonly Declaration[]> = { cawr: CAWR_PARAMETERS, sgdr: SGDR_PARAMETERS };
export type ParameterDeclaration = Declaration;

// ---- Types derived from the table -------------------------------------------------------------

type ValueOf<D> = D extends { type: 'boolean' } ? boolean
  : D extends { type: 'choice'; choices: readonly (infer C)[] } ? C
  : D extends { default: null } ? number | null
  : number;
type Optional<T extends readonly Declaration[]> = { [D in T[number] as D extends { default: unknown } ? D['name'] : never]?: ValueOf<D> };
type Required_<T extends readonly Declaration[]> = { [D in T[number] as D extends { default: unknown } ? never : D['name']]: ValueOf<D> };
type Full<T extends readonly Declaration[]> = { [D in T[number] as D['name']]: ValueOf<D> };

/** What the user writes (library form): camelCase, optional where there is a default. */
export type CawrInput = { schedule: 'cawr' } & Required_<typeof CAWR_PARAMETERS> & Optional<typeof CAWR_PARAMETERS>;
export type SgdrInput = { schedule: 'sgdr' } & Required_<typeof SGDR_PARAMETERS> & Optional<typeof SGDR_PARAMETERS>;
export type ScheduleInput = CawrInput | SgdrInput;

/** Every parameter set: defaults filled in. */
export type Cawr = { schedule: 'cawr' } & Full<typeof CAWR_PARAMETERS>;
export type Sgdr = { schedule: 'sgdr' } & Full<typeof SGDR_PARAMETERS>;
export type ScheduleParams = Cawr | Sgdr;

// ---- Values derived from the table ------------------------------------------------------------

function defaultsOf(table: readonly Declaration[]): Record<string, unknown> {
  return Object.fromEntries(table.filter((d) => d.default !== undefined).map((d) => [d.name, d.default]));
}

export const CAWR_DEFAULTS = defaultsOf(CAWR_PARAMETERS) as Omit<Cawr, 'schedule' | 'firstCycleSteps'>;
export const SGDR_DEFAULTS = defaultsOf(SGDR_PARAMETERS) as Omit<Sgdr, 'schedule' | 't0' | 'baseLr'>;

/** The declaration of a parameter by its camelCase or reference name, or undefined. */
export function declaration(schedule: ScheduleName, name: string): Declaration | undefined {
  return PARAMETERS[schedule]?.find((d) => d.name === name || d.ref === name);
}

/** The reference name of a camelCase name (first_cycle_steps for firstCycleSteps); others unchanged. */
export function refName(name: string): string {
  for (const table of Object.values(PARAMETERS)) for (const d of table) if (d.name === name) return d.ref;
  return name;
}

/** The camelCase name of a reference name; others unchanged. */
export function camelName(ref: string): string {
  for (const table of Object.values(PARAMETERS)) for (const d of table) if (d.ref === ref) return d.name;
  return ref;
}

/** Reference names of the parameters that take integers (sampled with int_uniform, exported as IntDistribution). */
export const INTEGER_PARAMETERS: ReadonlySet<string> = new Set(
  Object.values(PARAMETERS).flatMap((t) => t.filter((d) => d.type === 'integer').map((d) => d.ref)),
);

/** Reference names exposed as columns of `trials`, in table order, each once. */
export const PARAM_COLUMNS: readonly string[] = [...new Set(Object.values(PARAMETERS).flatMap((t) => t.filter((d) => d.column).map((d) => d.ref)))];

/** Fills in defaults (unset values stay unset). Does not validate: see resolveSchedule. */
export function withDefaults(input: ScheduleInput): ScheduleParams {
  const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  return { ...(input.schedule === 'sgdr' ? SGDR_DEFAULTS : CAWR_DEFAULTS), ...given } as ScheduleParams;
}

/**
 * A config in the reference's names (sweep files, storage) to the library's form. Keys that are
 * not parameters of the schedule (a sweep config's `cycles`, from which its lengths were derived)
 * are left out.
 */
export function fromReferenceNames(config: { schedule: ScheduleName } & Record<string, unknown>): ScheduleInput {
  const out: Record<string, unknown> = { schedule: config.schedule };
  const table = PARAMETERS[config.schedule] ?? [];
  for (const [k, v] of Object.entries(config)) {
    const d = table.find((x) => x.ref === k);
    if (d) out[d.name] = v;
  }
  return out as unknown as ScheduleInput;
}

/** The library's form to the reference's names, in table order, unset values left out. */
export function toReferenceNames(params: ScheduleParams): { schedule: ScheduleName } & Record<string, unknown> {
  const out: { schedule: ScheduleName } & Record<string, unknown> = { schedule: params.schedule };
  const p = params as unknown as Record<string, unknown>;
  for (const d of PARAMETERS[params.schedule]) if (p[d.name] !== undefined && p[d.name] !== null) out[d.ref] = p[d.name];
  return out;
}
