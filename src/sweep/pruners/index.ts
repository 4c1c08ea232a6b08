// Pruners: whether a trial in training goes on or stops early. One file per pruner, each
// exporting a PrunerEntry (pruner.ts), and one line per pruner in PRUNERS below.
//
// The contract. A pruner is asked each time a trial reports a point of the objective. It is
// given the trial's readings (readings.ts: the points where it may be judged, from its points so
// far and its schedule, which lrsweep knows for every step: `at: cycle_ends`, the default, reads
// a restart schedule only at the last point before each of its own cycle ends; `at: steps` reads
// every point), how many of them its newest point confirmed (the fresh ones: only those are
// judged, so a trial is judged once per reading), and every other trial of the sweep as stored
// (its state and its confirmed readings). It answers null (go on) or a reason (stop: the trial
// is recorded pruned, with its points). A decision is a pure function of those inputs: no clock,
// no randomness, no state kept between calls, no dependence on the order of the other trials,
// so the same history gives the same decision on one worker or many, live (check.ts) or in
// replay (sweep/replay.ts). Values are oriented so that lower is better (a maximized objective
// is negated before a pruner sees it).
//
// Options common to every pruner: `at` (steps | cycle_ends; default cycle_ends, or the entry's
// defaultAt), `patience` and `min_delta` (patience.ts wraps the pruner's decision, as Optuna's
// PatientPruner). A pruner may judge a metric of its own choosing (PrunerEntry.metric, option
// `metric`: law's training loss) instead of the objective: the live check and replay then hand it
// that metric's points (judgedMetric).
//
// Adding a pruner: a file here exporting a PrunerEntry (its name, its options with defaults and
// rules, and judge()), its line in PRUNERS, and its name in PrunerName. The sweep file's
// `pruner:` key and the `--pruner` flag (spec.ts) read its options through this table: names,
// defaults and messages come from the entry. A pruner that needs more than readings (law.ts: the
// trial's schedule and all its points) reads TrialView.schedule, which the live check and replay
// fill in; its decision must stay a pure function of them. A pruner whose decision needs costly
// work (law.ts: a fit taking seconds) may do it in prepare(), which the live check awaits before
// judge() (prepare() below), off the thread that asks, and keep it where judge() finds it: judge()
// stays synchronous and decides the same either way (replay never prepares).

import { rules } from '../../core/rules.js';
import { law } from './law.js';
import { median } from './median.js';
import { withPatience } from './patience.js';
import { JUDGE_AT, type Decision, type JudgeAt, type JudgeInput, type PrepareContext, type PrunerEntry, type PrunerOption } from './pruner.js';
import { successiveHalving } from './successive-halving.js';

export type { Decision, JudgeAt, JudgeInput, PrunerEntry, StepValue, SweepFacts, Timeline, TrialSchedule, TrialView } from './pruner.js';

export type PrunerName = 'median' | 'successive_halving' | 'law';
export const PRUNERS: Record<PrunerName, PrunerEntry> = { median, successive_halving: successiveHalving, law };
export const PRUNER_NAMES = Object.keys(PRUNERS) as PrunerName[];

/** The options every pruner takes, beside its own. */
export const COMMON_OPTIONS: Record<string, PrunerOption> = {
  patience: { default: null, rule: rules.integer(0), help: 'stop only a trial that did not improve over its last patience + 1 readings' },
  min_delta: { default: 0, rule: rules.nonNegative, help: 'with patience: what counts as an improvement' },
};
export const DEFAULT_AT: JudgeAt = 'cycle_ends';
export const AT_RULE = rules.oneOf(JUDGE_AT);

/** A pruner with every option filled in. */
export interface Pruner {
  kind: PrunerName;
  at: JudgeAt;
  /** The metric it judges when it chooses one (PrunerEntry.metric: law's `metric`), else null: the objective. */
  metric: string | null;
  options: Record<string, number | null>;
}

/**
 * The metric whose points a pruner is handed, how they are oriented (1: as is; -1: negated, a
 * maximized objective), and its name where it is not the objective (else null): what judge() is
 * given, so that a reason says which metric it judged (`law (train_loss): ...`).
 */
export function judgedMetric(p: Pruner, objective: { metric: string; goal: 'minimize' | 'maximize' }): { metric: string; sign: 1 | -1; named: string | null } {
  if (p.metric !== null && p.metric !== objective.metric) return { metric: p.metric, sign: 1, named: p.metric }; // a loss: checked minimized where the trainer says (spec.ts)
  return { metric: objective.metric, sign: objective.goal === 'maximize' ? -1 : 1, named: null };
}

/** `pruner` as stored: its kind and the options that differ from their defaults (an option added later, left at its default, changes nothing stored). */
export type PrunerSpec = { kind: PrunerName } & Record<string, unknown>;

/** The pruner of that name; throws listing the known ones. */
export function prunerEntry(name: string): PrunerEntry {
  const entry = (PRUNERS as Record<string, PrunerEntry>)[name];
  if (!entry) throw new Error(`no pruner ${JSON.stringify(name)} (pruners: ${PRUNER_NAMES.join(', ')})`);
  return entry;
}

/** Where a pruner of this kind judges unless `at` says. */
export function defaultAtOf(entry: PrunerEntry): JudgeAt {
  return entry.defaultAt ?? DEFAULT_AT;
}

/** Every option a pruner of this kind takes: its own, then the common ones. */
export function optionsOf(entry: PrunerEntry): Record<string, PrunerOption> {
  return { ...entry.options, ...COMMON_OPTIONS };
}

/** A stored or parsed spec with every option filled in. */
export function prunerOf(spec: PrunerSpec): Pruner {
  const entry = prunerEntry(spec.kind);
  const options: Record<string, number | null> = {};
  for (const [key, o] of Object.entries(optionsOf(entry))) options[key] = (spec[key] as number | null | undefined) ?? o.default;
  const metric = entry.metric ? (spec.metric as string | undefined) ?? entry.metric.default : null;
  return { kind: entry.name as PrunerName, at: (spec.at as JudgeAt | undefined) ?? defaultAtOf(entry), metric, options };
}

/** How a pruner is stored: its kind and what differs from the defaults. */
export function canonicalPruner(p: Pruner): PrunerSpec {
  const entry = prunerEntry(p.kind);
  const out: PrunerSpec = { kind: p.kind };
  if (p.at !== defaultAtOf(entry)) out.at = p.at;
  if (entry.metric && p.metric !== null && p.metric !== entry.metric.default) out.metric = p.metric;
  for (const [key, o] of Object.entries(optionsOf(entry))) if (p.options[key] !== o.default) out[key] = p.options[key];
  return out;
}

/** The pruner as people read it, in the flag's short form: `successive_halving:reduction=3,at=steps`. */
export function describePruner(spec: PrunerSpec): string {
  const { kind, ...rest } = spec;
  const parts = Object.entries(rest).map(([k, v]) => `${k}=${String(v)}`);
  return parts.length === 0 ? kind : `${kind}:${parts.join(',')}`;
}

/** What the pruner prepares ahead of its decision on this input (PrunerEntry.prepare; most prepare nothing): whether it had work to do. */
export async function prepare(p: Pruner, input: JudgeInput, context: PrepareContext = {}): Promise<boolean> {
  return (await prunerEntry(p.kind).prepare?.(input, p.options, context)) ?? false;
}

/**
 * The decision of a pruner (patience around it when set). `named`: the metric it judged where that
 * is not the objective (judgedMetric's), which the reason then names after the pruner's:
 * `law (train_loss): its predicted final ...` (a pruner's reason starts with its name and a colon).
 */
export function judge(p: Pruner, input: JudgeInput, named: string | null = null): Decision {
  const entry = prunerEntry(p.kind);
  const decide = (i: JudgeInput) => entry.judge(i, p.options);
  const reason = p.options.patience === null ? decide(input) : withPatience(decide, p.options.patience, p.options.min_delta ?? 0)(input);
  return reason === null || named === null ? reason : namingMetric(reason, p.kind, named);
}

/** A reason with the metric judged after the pruner's name: `law: x` -> `law (train_loss): x` (a reason without the name gets it). */
function namingMetric(reason: string, kind: string, metric: string): string {
  const head = `${kind}: `;
  return `${kind} (${metric}): ${reason.startsWith(head) ? reason.slice(head.length) : reason}`;
}
