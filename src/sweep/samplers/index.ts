// Samplers: what decides which configs a sweep trains. One file per sampler, each exporting a
// SamplerEntry, and one line per sampler in SAMPLERS below. Modelled on Optuna's BaseSampler (a
// sampler is asked for the next configs given the study's history and is told each result), in
// two kinds:
// - Static samplers (grid, random, sobol) plan every config up front from the definition alone:
//   draws() is a lazy, deterministic stream (the same definition gives the same configs in the
//   same order on every machine and every run, without building the rest), and count() says how
//   many configs it plans without drawing one. space.ts turns draws into trials (cycles derived,
//   defaults filled, constraints and duplicates dropped, each config `repeats` times, capped by
//   budget.max_trials); a sampler that `redraws` replaces each dropped draw with the next one of
//   its stream, so count() configs are planned (while its stream has new ones). The plan is also
//   the trust rule's reference: a worker trains only trials its own file plans (plan-check.ts).
// - Adaptive samplers (tpe) create configs while the sweep runs: suggest(history, n,
//   random) returns the next n configs given the sweep's trials so far, each with its result once
//   settled (the results a sampler is told are the history it is handed: the stored history is
//   the truth, so a sampler keeps no state a restart could lose, and the same history and seed
//   give the same suggestions). Its trials are created as results arrive, not planned: sweep/ask.ts
//   rebuilds the history from storage, asks for a batch (a config per free worker, or a cohort's
//   worth) and adds the trials with their origin (startup or model; planned trials are 'plan');
//   plan-check.ts accepts a suggested trial only inside the file's space. Any process with a free
//   slot (a run or a worker, on any machine) asks, under the sweep's lock (ask.ts, Storage.askTrials).
//   An adaptive sampler may also declare `configs` (how many configs it creates, when not
//   `trials`), `anchors` (configs it plans from the file and suggests first, origin anchor:
//   plan-check.ts accepts such a trial only as one of them) and, on the sampler, `curves` (a
//   metric whose points ask.ts attaches to the history's complete configs of some origins), and
//   may return fewer suggestions than asked (nothing now: the ask ends). The predict sampler
//   (predict-sampler.ts) uses all four, and `prepare` on the sampler: its costly work (fits),
//   done before the ask takes the lock and off the asking thread, kept where suggest finds it
//   (sampler.ts; ask.ts calls it).
// Adding a sampler: a file here exporting a SamplerEntry (sampler.ts) (its name, its options with their
// defaults and rules, whether it samples min/max ranges, what `trials` means to it, extra rules on
// the whole sweep, and create(), which builds a Sampler for a checked sweep), its entry in
// SAMPLERS and its name in definition.ts's MethodName. The sweep file's rules (file/sampling.ts) read
// `method` through this table: names, options, defaults and messages come from the entries.

import type { MethodName, MethodSpec, Sweep } from '../definition.js';
import type { AskContext, Method, Sampler, SamplerEntry, StaticSampler } from './sampler.js';
import { grid } from './grid.js';
import { random } from './random.js';
import { canonicalJson } from '../hash.js';
import { predict } from './predict-sampler.js';
import { sobol } from './sobol.js';
import { tpe } from './tpe-sampler.js';

export type { AdaptiveSampler, AskContext, Method, Observed, Sampler, SamplerEntry, SamplerOption, StaticSampler, Suggestion } from './sampler.js';

export const SAMPLERS: Record<MethodName, SamplerEntry> = { grid, random, sobol, tpe, predict };
export const SAMPLER_NAMES = Object.keys(SAMPLERS) as MethodName[];

/** The sampler of that name; throws listing the known ones. */
export function samplerEntry(name: string): SamplerEntry {
  const entry = (SAMPLERS as Record<string, SamplerEntry>)[name];
  if (!entry) throw new Error(`no sampler ${JSON.stringify(name)} (samplers: ${SAMPLER_NAMES.join(', ')})`);
  return entry;
}

/** A stored or parsed `method` with every option filled in. */
export function methodOf(spec: MethodSpec): Method {
  const { kind, ...given } = typeof spec === 'string' ? { kind: spec } : spec;
  const entry = samplerEntry(kind);
  const out: Method = { kind: entry.name };
  for (const [key, option] of Object.entries(entry.options)) out[key] = given[key] ?? option.default;
  return out;
}

/**
 * How `method` is stored: the sampler's name alone when every option is its default (as an older
 * lrsweep stored it, so its sweeps stay unchanged), else its kind and the options that differ
 * (an option a later version adds, left at its default, changes nothing stored).
 */
export function canonicalMethod(method: Method): MethodSpec {
  const entry = samplerEntry(method.kind);
  // Compared as canonical JSON: a list or mapping written out equal to its default is the default.
  const differs = Object.entries(entry.options).filter(([key, o]) => method[key] !== undefined && canonicalJson(method[key]) !== canonicalJson(o.default));
  return differs.length === 0 ? entry.name : { kind: entry.name, ...Object.fromEntries(differs.map(([key]) => [key, method[key]])) };
}

/** The method as people read it: `grid`, `grid (order: shuffled)`, `sobol (scramble: true)`. */
export function describeMethod(spec: MethodSpec): string {
  const method = methodOf(spec);
  const text = (v: unknown) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v));
  const options = Object.entries(samplerEntry(method.kind).options).filter(([, o]) => !o.retired).map(([key]) => `${key}: ${text(method[key])}`);
  return options.length === 0 ? method.kind : `${method.kind} (${options.join(', ')})`;
}

/** Whether a sweep file's `method` as written (a name or {kind, ...}) names a sampler that samples min/max ranges. */
export function samplesRanges(written: unknown): boolean {
  const kind = typeof written === 'object' && written !== null ? (written as { kind?: unknown }).kind : written;
  return typeof kind === 'string' && kind in SAMPLERS && SAMPLERS[kind as MethodName].ranges;
}

/** The sweep's sampler, built from its definition. */
export function samplerOf(sweep: Sweep): Sampler {
  const method = methodOf(sweep.method);
  return samplerEntry(method.kind).create(sweep, method);
}

/** Whether the sweep's sampler creates its trials as results arrive (sweep/ask.ts) instead of planning them. */
export function isAdaptive(sweep: Pick<Sweep, 'method'>): boolean {
  return samplerEntry(methodOf(sweep.method).kind).adaptive === true;
}

/** How many configs an adaptive sweep creates (before budget.max_trials): `trials`, unless its sampler counts otherwise (exactly, given an ask's context). */
export function adaptiveConfigs(sweep: Sweep, context?: AskContext): number {
  const method = methodOf(sweep.method);
  return samplerEntry(method.kind).configs?.(sweep, method, context) ?? sweep.trials ?? 0;
}

/** The anchors an adaptive sweep's sampler plans from the file (the predict sampler's), or none. */
export function anchorPlansOf(sweep: Sweep, steps: number): { name: string; path: string; values: Record<string, unknown> }[] {
  const method = methodOf(sweep.method);
  return samplerEntry(method.kind).anchors?.(sweep, method, steps) ?? [];
}

/** The sweep's static sampler; an adaptive one plans nothing up front. */
export function staticSampler(sweep: Sweep): StaticSampler {
  const sampler = samplerOf(sweep);
  if (sampler.adaptive) throw new Error(`method ${methodOf(sweep.method).kind} is adaptive: its trials are suggested as results arrive, not planned`);
  return sampler;
}
