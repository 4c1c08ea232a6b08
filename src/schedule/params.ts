// The schedules' parameters: ONE declaration per parameter (reference name, camelCase name, CLI
// flag, type, default, rule, help), in its kind's file (kinds/cawr.ts, kinds/sgdr.ts), from which
// everything else is derived: the library's input types, the defaults, the name maps (here),
// validation (validate.ts), the CLI flags and their help (commands/schedule-flags.ts), the
// sweep-file keys (sweep/file/space.ts), the query columns of `trials` (storage/schema.ts).
// test/schedule/params.test.ts checks the READMEs' lists against it.
// Adding a parameter: one entry in its kind's table, and its meaning in the kind's toFamily and
// the kernels. Adding a kind: see kinds/index.ts.

import { KIND_NAMES, byKind, findKind, type KindName, type ScheduleInput, type ScheduleParams } from './kinds/index.js';
import { defaultsOf, type ParameterDeclaration } from './kinds/kind.js';

export { CAWR_DEFAULTS, CAWR_PARAMETERS, PEAK_FLOORS, type Cawr, type CawrInput } from './kinds/cawr.js';
export { ONE_CYCLE_DEFAULTS, ONE_CYCLE_PARAMETERS, ANNEAL_STRATEGIES, type OneCycle, type OneCycleInput } from './kinds/one-cycle.js';
export { SGDR_DEFAULTS, SGDR_PARAMETERS, MAX_T_MULT, type Sgdr, type SgdrInput } from './kinds/sgdr.js';
export { TIMM_COSINE_DEFAULTS, TIMM_COSINE_PARAMETERS, type TimmCosine, type TimmCosineInput } from './kinds/timm-cosine.js';
export { HF_COSINE_RESTARTS_DEFAULTS, HF_COSINE_RESTARTS_PARAMETERS, type HfCosineRestarts, type HfCosineRestartsInput } from './kinds/hf-cosine-restarts.js';
export { WSD_DEFAULTS, WSD_PARAMETERS, WSD_SHAPES, type Wsd, type WsdInput } from './kinds/wsd.js';
export type { PeakFloor } from '../wasm/family.js';
export type { KindName, ParameterDeclaration, ScheduleInput, ScheduleParams };

/** The kinds' names (the registry's, kinds/index.ts). */
export const SCHEDULES = KIND_NAMES;

/** Each kind's parameter table. */
export const PARAMETERS = byKind((k) => k.parameters);

// ---- Values derived from the table ------------------------------------------------------------

/** Each kind's defaults (the parameters that have one), in table order. */
const DEFAULTS = byKind((k) => defaultsOf(k.parameters));

/** The declaration of a parameter by its camelCase or reference name, or undefined. */
export function declaration(schedule: KindName, name: string): ParameterDeclaration | undefined {
  return PARAMETERS[schedule]?.find((d) => d.name === name || d.ref === name);
}

/** The reference name of a camelCase name (first_cycle_steps for firstCycleSteps); others unchanged. */
export function refName(name: string): string {
  for (const table of Object.values(PARAMETERS)) for (const d of table) if (d.name === name) return d.ref;
  return name;
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
  return { ...DEFAULTS[input.schedule], ...given } as ScheduleParams;
}

/**
 * A config in the reference's names (sweep files, storage) to the library's form. Keys that are
 * not parameters of the schedule (a sweep config's `cycles`, from which its lengths were derived)
 * are left out.
 */
export function fromReferenceNames(config: { schedule: KindName } & Record<string, unknown>): ScheduleInput {
  const out: Record<string, unknown> = { schedule: config.schedule };
  const table = findKind(config.schedule)?.parameters ?? [];
  for (const [k, v] of Object.entries(config)) {
    const d = table.find((x) => x.ref === k);
    if (d) out[d.name] = v;
  }
  return out as unknown as ScheduleInput;
}

/** The library's form to the reference's names, in table order, unset values left out. */
export function toReferenceNames(params: ScheduleParams): { schedule: KindName } & Record<string, unknown> {
  const out: { schedule: KindName } & Record<string, unknown> = { schedule: params.schedule };
  const p = params as unknown as Record<string, unknown>;
  for (const d of PARAMETERS[params.schedule]) if (p[d.name] !== undefined && p[d.name] !== null) out[d.ref] = p[d.name];
  return out;
}
