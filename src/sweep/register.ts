// Registering a sweep in storage: new name -> create; same definition -> resume; another
// definition -> an error that says what changed, unless --extend and the changes only add configs,
// or --replace and none of the sweep's trials finished (complete, diverged or pruned) and no live run works
// on it: then the file's definition replaces the stored one, and the trials it no longer plans
// (as they are: same config, repeat and seed) are removed; the others keep their numbers.
// A stored definition from an older lrsweep is read with its legacy values (definition.ts LEGACY),
// so an unchanged file resumes its sweep exactly as the older version would have, run after run
// (the keys it predates are not written into it while the file is silent on them).
// Then its trials (registerTrials): the plan's, added in batches, each trial once; a resumed sweep
// that already has every trial its plan can have is not planned again.

import { DEFAULT_KIND } from '../schedule/kinds/index.js';
import { CLI } from '../core/cli-name.js';
import { cut } from '../core/errors.js';
import { totalOf } from '../core/trial.js';
import { yieldToEvents } from '../core/yield.js';
import { DefinitionChangedError, type NewTrial, type RunRecord, type Storage, type SweepRecord } from '../storage/types.js';
import { EXTENDABLE, LEGACY, TRAINER_LEGACY, identity, trainerLegacyPath, upgradeDefinition, type Sweep } from './definition.js';
import { canonicalJson } from './hash.js';
import { leftoverGraceMs, recoverSweep } from './liveness.js';
import { isAdaptive, methodOf } from './samplers/index.js';
import { countTrials, countTrialsAtMost, plan, trialKey } from './space.js';

/** Flattens to path -> canonical JSON; lists are leaves (shown whole). */
function flatten(value: unknown, path = '', out: Map<string, string> = new Map()): Map<string, string> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, path ? `${path}.${k}` : k, out);
  } else if (value !== undefined && value !== null) out.set(path, canonicalJson(value));
  return out;
}

/** The change of the trainer's files' content hash (`sha256:<hex>`), when both are known and differ. */
export function trainerFilesChange(before: string | null, after: string | null): { path: string; text: string } | null {
  if (before === null || after === null || before === after) return null;
  const short = (h: string) => h.replace(/^sha256:/, '').slice(0, 12);
  return { path: 'trainer files', text: `the trainer's files changed (content hash ${short(before)} -> ${short(after)})` };
}

/** Human-readable changes from one definition to another: "trainer.epochs: 5 -> 10". */
export function describeChanges(before: unknown, after: unknown): { path: string; text: string }[] {
  const a = flatten(before);
  const b = flatten(after);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  return paths
    .filter((p) => a.get(p) !== b.get(p))
    .map((p) => ({ path: p, text: `${p}: ${a.get(p) ?? '(not set)'} -> ${b.get(p) ?? '(not set)'}` }));
}

// A one-kind sweep's schedule.kind decides every trial; a varied kind's is not in the identity (definition.ts).
const extendable = (path: string) => path !== 'schedule.kind' && EXTENDABLE.includes(path.split('.')[0]);

export interface Registration {
  record: SweepRecord;
  /** The definition the run uses: the file's, with legacy values where the file is silent and the stored sweep predates a key. */
  sweep: Sweep;
  /** --replace: trials removed because the new definition does not plan them (0 otherwise). */
  removed: number;
  /** The sweep existed with this very plan: the same definition and trainer steps (registerTrials). */
  resumed: boolean;
}

export interface RegisterOptions {
  file: string;
  /** Top-level keys the file sets. */
  written: Set<string>;
  extend: boolean;
  /** Replace a changed definition while none of the sweep's trials finished (complete, diverged or pruned). */
  replace?: boolean;
  /** With replace: whether a run working on the sweep is alive (liveness.ts), which refuses the replacement. */
  isRunAlive?: (run: RunRecord) => boolean;
  steps: number;
  trainerHash: string | null;
  /** Lines for the user (with replace: the process groups of dead runs that were ended). */
  onNotice?: (line: string) => void;
  /** Throws (a UsageError) when the run's flags cannot apply to the sweep as it trains, legacy values included; called before anything is written. */
  check?: (sweep: Sweep) => void;
}

/**
 * How a sweep file differs from the sweep as stored: the definition the file means (with legacy
 * values where the file is silent and the stored sweep predates a key), and the changes to its
 * identity and trainer files. No changes: the file runs that sweep's trials as they were meant.
 */
export function compareWithStored(existing: SweepRecord, parsed: Sweep, o: Pick<RegisterOptions, 'written' | 'trainerHash'>): { sweep: Sweep; changes: { path: string; text: string }[]; legacy: string[] } {
  const stored = upgradeDefinition(existing.definition);
  const sweep = { ...parsed };
  const legacy: string[] = [];
  for (const key of Object.keys(LEGACY) as (keyof Sweep)[]) {
    if (!o.written.has(key) && !(key in existing.definition)) {
      (sweep as Record<string, unknown>)[key] = stored[key];
      legacy.push(key);
    }
  }
  // A command sweep stored before steps_per_epoch was kept beside steps (schema of its definition,
  // not of the store): the file's steps_per_epoch is read as that sweep always had it, absent.
  const storedTrainer = existing.definition.trainer as Record<string, unknown> | undefined;
  if (sweep.trainer.kind === 'command' && 'steps_per_epoch' in sweep.trainer && storedTrainer?.kind === 'command' && !('steps_per_epoch' in storedTrainer)) {
    const { steps_per_epoch: _kept, ...trainer } = sweep.trainer;
    sweep.trainer = trainer as Sweep['trainer'];
  }
  // The same for the trainer's keys a stored sweep predates (definition.ts TRAINER_LEGACY), e.g.
  // mlp's engine: silent file, older sweep -> the legacy value (tfjs), not the default.
  for (const [key, value] of Object.entries(TRAINER_LEGACY[sweep.trainer.kind] ?? {})) {
    const path = trainerLegacyPath(key);
    if (!o.written.has(path) && storedTrainer?.kind === sweep.trainer.kind && !(key in storedTrainer)) {
      sweep.trainer = { ...sweep.trainer, [key]: value };
      legacy.push(path);
    }
  }
  const changes = describeChanges(identity(stored), identity(sweep));
  const files = trainerFilesChange(existing.trainerHash, o.trainerHash);
  if (files) changes.push(files);
  return { sweep, changes, legacy };
}

/** What a changed file would drop of the trials the stored definition planned (and `run` registered). */
interface Dropped {
  count: number;
  /** One of them: its varied parameters and repeat. */
  example: string;
  /** They are all still planned without budget.max_trials: the cap that keeps them all. */
  maxTrialsNeeded: number | null;
}

/**
 * The trials the stored definition plans that the new one no longer does, or null when it drops
 * none. A change that drops none only adds configs (values added, more trials, repeats or
 * max_trials, a fixed value made a parameter that keeps it); one that drops some is not an
 * extension: those trials would stay in the sweep, counted and ranked (and run, if waiting) under
 * a definition that no longer has them. Trials left over from older changes (an older lrsweep's
 * --extend could drop values) are not the file's doing and are not counted. Streams the old
 * plan against a map of the new one's keys (at most MAX_TRIALS short strings).
 */
async function droppedTrials(stored: Sweep, sweep: Sweep, steps: number): Promise<Dropped | null> {
  const keysOf = async (s: Sweep) => {
    const keys = new Map<string, number>();
    for (const t of plan(s, steps)) {
      keys.set(trialKey(t.hash, t.repeat), keys.size);
      if (keys.size % 5000 === 0) await yieldToEvents();
    }
    return keys;
  };
  const planned = await keysOf(sweep);
  let count = 0;
  let example = '';
  const missing: string[] = [];
  let n = 0;
  for (const t of plan(stored, steps)) {
    if (++n % 5000 === 0) await yieldToEvents();
    const key = trialKey(t.hash, t.repeat);
    if (planned.has(key)) continue;
    if (count++ === 0) {
      // Its own varied keys: in a sweep whose kind varies, a config has only its kind's.
      const varied = Object.keys(stored.parameters).filter((k) => k in t.config);
      example = `${(varied.length > 0 ? varied : Object.keys(t.config)).map((k) => `${k}=${canonicalJson(t.config[k])}`).join(', ')}, repeat ${t.repeat}`;
    }
    if (missing.length < 100_000) missing.push(key);
  }
  if (count === 0) return null;
  // Raising repeats under a cap moves later configs' repeats past it: say which cap keeps them.
  let maxTrialsNeeded: number | null = null;
  if (sweep.budget.max_trials !== null && missing.length === count) {
    const uncapped = await keysOf({ ...sweep, budget: { ...sweep.budget, max_trials: null } });
    if (missing.every((k) => uncapped.has(k))) maxTrialsNeeded = missing.reduce((m, k) => Math.max(m, uncapped.get(k)! + 1), 0);
  }
  return { count, example: cut(example, 200), maxTrialsNeeded };
}

function describeDropped(d: Dropped, max: number | null): string {
  const what = `${d.count} of its trials (e.g. ${d.example})`;
  return d.maxTrialsNeeded === null ? `the file no longer has ${what}`
    : `budget.max_trials: ${max} now stops before ${what}`;
}

export async function registerSweep(storage: Storage, parsed: Sweep, o: RegisterOptions): Promise<Registration> {
  let existing = await storage.getSweep(parsed.name);
  if (!existing) {
    o.check?.(parsed);
    try {
      const record = await storage.createSweep({
        name: parsed.name, definition: parsed as unknown as Record<string, unknown>, file: o.file, metric: parsed.objective.metric,
        goal: parsed.objective.goal, steps: o.steps, trainerHash: o.trainerHash,
      });
      return { record, sweep: parsed, removed: 0, resumed: false };
    } catch (e) {
      // Another run created it between our read and our write (two runs of a new sweep at once):
      // take it as an existing sweep; any other failure stands.
      existing = await storage.getSweep(parsed.name);
      if (!existing) throw e;
    }
  }
  const { sweep, changes, legacy } = compareWithStored(existing, parsed, o);
  o.check?.(sweep);
  const replacing = changes.length > 0 && o.replace === true;
  if (replacing) await checkReplaceable(storage, existing, changes, o);
  else if (changes.length > 0) {
    const list = changes.map((c) => c.text).join('; ');
    // Where --extend cannot take the change, --replace can while none of the sweep's trials finished
    // (a fixed `run:` after every trial failed): the message says so, or that way out stays unknown.
    const counts = await storage.counts(existing.id);
    const replace = counts.complete + counts.diverged + counts.pruned === 0 ? '; none of its trials finished, so run --replace makes this file its definition' : '';
    const stored = upgradeDefinition(existing.definition);
    if (isAdaptive(sweep) || isAdaptive(stored)) {
      checkAdaptiveExtension(stored, sweep, changes, o.extend, `sweep "${sweep.name}" already exists in ${storage.where} with another definition`, replace);
      return updated(storage, existing, sweep, legacy, o, false);
    }
    const blocked = changes.filter((c) => !extendable(c.path));
    const where = storage.where;
    const dropped = blocked.length === 0 ? await droppedTrials(upgradeDefinition(existing.definition), sweep, o.steps) : null;
    const drops = dropped ? describeDropped(dropped, sweep.budget.max_trials) : '';
    const fix = dropped?.maxTrialsNeeded ? `set budget.max_trials to ${dropped.maxTrialsNeeded} or more` : 'keep their values in the file';
    if (!o.extend) {
      throw new DefinitionChangedError(blocked.length > 0
        ? `sweep "${sweep.name}" already exists in ${where} with another definition (${list}): these changes make old and new trials incomparable, so give the sweep another name${replace}`
        : dropped
          ? `sweep "${sweep.name}" already exists in ${where} with another definition (${list}): ${drops}, and a sweep keeps every trial it has: ${fix}${dropped.maxTrialsNeeded ? ' and run with --extend' : ''}, or give the sweep another name${replace}`
          : `sweep "${sweep.name}" already exists in ${where} with another definition (${list}): run with --extend to add the new configs, or give the sweep another name`);
    }
    // A one-kind sweep's configs carry no `kind`; a sweep over kinds stores it in each config: the
    // stored trials would not be found again among the new file's configs.
    if (blocked.some((c) => c.path === 'schedule.kind') && sweep.parameters?.kind !== undefined && stored.parameters?.kind === undefined) {
      throw new DefinitionChangedError(
        `--extend cannot turn sweep "${sweep.name}", stored with one schedule kind (${String(stored.schedule.kind ?? DEFAULT_KIND)}), into a sweep over kinds (parameters.kind): a sweep over kinds stores each config's kind, so its ${counts.complete} complete trials would not be found again; give the sweep another name${replace}`);
    }
    if (blocked.length > 0) {
      throw new DefinitionChangedError(
        `--extend only adds configs, but these changes would make old and new trials incomparable (${blocked.map((c) => c.text).join('; ')}): give the sweep another name${replace}`);
    }
    if (dropped) {
      throw new DefinitionChangedError(`--extend only adds configs, but ${drops}: ${fix}, or give the sweep another name${replace}`);
    }
  }
  return updated(storage, existing, sweep, legacy, o, replacing, changes.length === 0);
}

/** Stores the file's definition where it changed (and, with --replace, removes the trials it does not plan). */
async function updated(storage: Storage, existing: SweepRecord, sweep: Sweep, legacy: string[], o: RegisterOptions, replacing: boolean, unchanged = false): Promise<Registration> {
  // Keys the stored sweep predates stay absent from what is stored while the file is silent on
  // them: stored, they would read as chosen, and the next run of the same file (silent, so the
  // default) would count as a change.
  const toStore: Record<string, unknown> = { ...sweep };
  for (const key of legacy) {
    const [section, inner] = key.split('.');
    if (inner === undefined) delete toStore[key];
    else {
      const { [inner]: _legacy, ...rest } = toStore[section] as Record<string, unknown>;
      toStore[section] = rest;
    }
  }
  const changed = canonicalJson(toStore) !== canonicalJson(existing.definition) || o.file !== existing.file || o.steps !== existing.steps
    || o.trainerHash !== existing.trainerHash || existing.status !== 'active';
  // --replace removes the trials the new definition does not plan before storing it: cut short in
  // between, the old definition stays and running --replace again finishes (the other way round,
  // the next run would see no change and train the old trials under the new definition).
  const removed = replacing ? await removeUnplanned(storage, existing.id, sweep, o.steps) : 0;
  if (changed) await storage.updateSweep(existing.id, { definition: toStore, file: o.file, steps: o.steps, trainerHash: o.trainerHash });
  return {
    record: { ...existing, definition: sweep as unknown as Record<string, unknown>, file: o.file, steps: o.steps, status: 'active' }, sweep, removed,
    resumed: unchanged && o.steps === existing.steps,
  };
}

/** What --extend may change on a sweep whose trials an adaptive sampler suggests: only how many there may be, upwards. */
const ADAPTIVE_EXTENDABLE = ['trials', 'budget.max_trials'];

/**
 * An adaptive sweep (or a change to or from one) with another definition: --extend may raise
 * `trials` or budget.max_trials (the sampler then suggests more configs from the same history);
 * anything else is refused (DefinitionChangedError): its trials were suggested from the stored
 * space and history, so another space, repeats, seed or sampler would leave them outside the file
 * or unlike the trials to come, and lowering the count would disown trials the sweep has.
 */
function checkAdaptiveExtension(stored: Sweep, sweep: Sweep, changes: { path: string; text: string }[], extend: boolean, head: string, replace: string): void {
  const kind = methodOf((isAdaptive(sweep) ? sweep : stored).method).kind;
  const cap = (s: Sweep) => s.budget.max_trials ?? Infinity;
  const blocked = changes.filter((c) => !ADAPTIVE_EXTENDABLE.includes(c.path)
    || (c.path === 'trials' && (sweep.trials ?? 0) < (stored.trials ?? 0))
    || (c.path === 'budget.max_trials' && cap(sweep) < cap(stored)));
  const list = (cs: { text: string }[]) => cs.map((c) => c.text).join('; ');
  if (blocked.length > 0) {
    throw new DefinitionChangedError(`${head} (${list(changes)}): method ${kind} suggests its trials from the sweep's space and results, so --extend only raises trials or budget.max_trials; ` +
      `give the sweep another name${replace}`);
  }
  if (!extend) throw new DefinitionChangedError(`${head} (${list(changes)}): run with --extend to let method ${kind} suggest more configs, or give the sweep another name`);
}

/** Trials added per transaction while registering: big enough to be quick, small enough to let Ctrl-C in. */
export const REGISTER_BATCH = 5_000;

export interface TrialsOptions {
  /** Registration: the sweep existed with this plan. */
  resumed: boolean;
  /** Aborting it stops registering between batches (a later run adds the rest). */
  signal?: AbortSignal;
  /** Called after every batch of a sweep bigger than one batch. */
  onRegistering?: (added: number, total: number) => void;
  batch?: number;
}

/**
 * Adds the sweep's planned trials it does not have yet (each once: the storage skips a config and
 * repeat it has); returns how many were added. A resumed sweep that has as many trials as its plan
 * can have (countTrialsAtMost: an upper bound, exact for most sweeps) has them all, since a sweep
 * holds only trials its definition plans (--extend refuses a change that drops some, --replace
 * removes them): it is not planned again, which for 10^6 trials took minutes before its first
 * trial. One cut short (Ctrl-C, a crash between batches) has fewer and is completed here; so is a
 * sweep the bound overcounts (its plan is walked on every resume, adding nothing, as before).
 */
export async function registerTrials(storage: Storage, sweepId: number, sweep: Sweep, steps: number, o: TrialsOptions): Promise<number> {
  if (isAdaptive(sweep)) return 0; // its trials are created as results arrive (ask.ts)
  const total = countTrials(sweep);
  if (o.resumed && totalOf(await storage.counts(sweepId)) === countTrialsAtMost(sweep)) return 0;
  const size = o.batch ?? REGISTER_BATCH;
  let added = 0;
  let batch: NewTrial[] = [];
  const write = async () => {
    added += await storage.addTrials(sweepId, batch);
    batch = [];
    if (total > size) o.onRegistering?.(added, total);
    await yieldToEvents();
  };
  for (const t of plan(sweep, steps)) {
    if (o.signal?.aborted) break;
    batch.push({ configHash: t.hash, repeat: t.repeat, params: t.config, seed: t.seed });
    if (batch.length === size) await write();
  }
  if (batch.length > 0 && !o.signal?.aborted) await write();
  return added;
}

/**
 * --replace: refused (DefinitionChangedError, exit 2) when some of the sweep's trials finished (a
 * sweep keeps every trial it finished) or a live run works on it; otherwise the runs found dead
 * are ended, their processes too, and their trials put back to waiting, so that none is left held.
 */
async function checkReplaceable(storage: Storage, existing: SweepRecord, changes: { text: string }[], o: RegisterOptions): Promise<void> {
  const name = existing.name;
  const counts = await storage.counts(existing.id);
  const finished = counts.complete + counts.diverged + counts.pruned;
  if (finished > 0) {
    const pruned = counts.pruned > 0 ? `, ${counts.pruned} pruned` : '';
    throw new DefinitionChangedError(`--replace: sweep "${name}" has ${finished} finished trial${finished === 1 ? '' : 's'} (${counts.complete} complete, ${counts.diverged} diverged${pruned}), ` +
      `and a sweep keeps every trial it finished, so its definition cannot be replaced (${cut(changes.map((c) => c.text).join('; '), 300)}): ` +
      `give the sweep another name, or delete it first (${CLI} delete ${name})`);
  }
  const alive = o.isRunAlive ?? (() => true);
  const live = (await storage.runs(existing.id)).filter((r) => r.status === 'running' && alive(r));
  if (live.length > 0) {
    throw new DefinitionChangedError(`--replace: sweep "${name}" is being run (${live.map((r) => `run ${r.id}, pid ${r.pid} on ${r.host}`).join('; ')}): ` +
      'stop it first, then run with --replace again');
  }
  // What dead runs left running (command trainers' processes) is ended here, as run does after
  // registering, with the grace period of the trainer that started them (the stored definition's).
  const stored = upgradeDefinition(existing.definition);
  await recoverSweep(storage, existing.id, alive, {}, { onNotice: o.onNotice, graceMs: leftoverGraceMs({ kind: stored.trainer.kind, options: stored.trainer }) });
}

/** Trials to look at per read while finding the ones a replaced definition no longer plans. */
const PAGE = 10_000;

/** --replace: removes the sweep's trials the new definition does not plan as they are (config, repeat and seed). */
async function removeUnplanned(storage: Storage, sweepId: number, sweep: Sweep, steps: number): Promise<number> {
  const planned = new Map<string, number>();
  // An adaptive sweep plans nothing: every trial the old definition had goes (none finished: checkReplaceable).
  for (const t of isAdaptive(sweep) ? [] : plan(sweep, steps)) {
    planned.set(trialKey(t.hash, t.repeat), t.seed);
    if (planned.size % 5000 === 0) await yieldToEvents();
  }
  const unplanned: number[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await storage.trials(sweepId, { limit: PAGE, offset });
    // A suggested trial (origin startup or model) is planned by no file.
    for (const t of page) if (t.origin !== 'plan' || planned.get(trialKey(t.configHash, t.repeat)) !== t.seed) unplanned.push(t.id);
    if (page.length < PAGE) break;
  }
  let removed = 0;
  for (let i = 0; i < unplanned.length; i += PAGE) removed += await storage.removeTrials(sweepId, unplanned.slice(i, i + PAGE));
  return removed;
}
