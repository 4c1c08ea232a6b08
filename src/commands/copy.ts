// `lrsweep copy --from DB --to DB [SWEEP...]`: moves sweeps, their trials and every metric point
// of every attempt between databases (SQLite files, PostgreSQL schemas, either way round): a
// finished PostgreSQL sweep into a SQLite file to share, a local sweep into PostgreSQL to go on
// on many machines. Trials keep their numbers. Idempotent: a sweep already in --to with the same
// definition gets only what it lacks (new trials, and results for trials it has not finished), so
// copying twice changes nothing. A sweep there with another definition is refused, as is one
// whose trials the two databases number differently; both are checked for every sweep before
// anything is written. Trials a run in --from holds (queued, running) arrive waiting: no run in
// --to holds them, and the next `lrsweep run` there runs them.

import type { Argv } from 'yargs';
import { UsageError, show } from '../core/errors.js';
import { openStorage, sameStore, shownDb } from '../storage/open.js';
import {
  DefinitionChangedError, ImportConflictError,
  type ImportedTrial, type Storage, type SweepRecord, type TrialRecord,
} from '../storage/types.js';
import { identity, upgradeDefinition } from '../sweep/definition.js';
import { describeChanges, trainerFilesChange } from '../sweep/register.js';
import { emit, type Output } from './common.js';
import { FINAL_STATES } from '../core/trial.js';

export const command = 'copy [sweeps..]';
export const describe = 'Copy sweeps (trials, results, every metric point) from one database to another';

export function builder(y: Argv) {
  return y
    .positional('sweeps', { type: 'string', array: true, describe: 'Sweep names (default: every sweep in --from)' })
    .option('from', { type: 'string', nargs: 1, demandOption: true, describe: 'The database to read: a SQLite file, or postgres://...' })
    .option('to', { type: 'string', nargs: 1, demandOption: true, describe: 'The database to write (created when missing): a SQLite file, or postgres://...?schema=NAME' })
    .example('$0 copy --from postgres://lab@db.example/sweeps --to cawr-grid.db cawr-grid', 'A sweep from PostgreSQL into a SQLite file to share')
    .example('$0 copy --from lrsweep.db --to postgres://lab@db.example/sweeps?schema=team_a', 'Every local sweep into PostgreSQL, to go on on many machines');
}

export interface SweepCopy {
  sweep: string;
  /** The sweep was new in --to (else the copy filled in a sweep there). */
  created: boolean;
  /** Trials of the sweep in --from. */
  trials: number;
  /** Trials --to did not have. */
  added: number;
  /** Trials --to had but had not finished, whose results came from --from. */
  filledIn: number;
  /** Points (one per attempt and report) copied with those trials. */
  points: number;
  /** Trials --from's runs held (queued, running), written as waiting. */
  madeWaiting: number;
}

export interface CopyResult {
  from: string;
  to: string;
  sweeps: SweepCopy[];
}

/** Trials read and written at once: their points are held in memory meanwhile. */
const CHUNK = 500;

const HELD = new Set(['queued', 'running']);
const FINAL = new Set<string>(FINAL_STATES);
const key = (t: { configHash: string; repeat: number }) => `${t.configHash}\0${t.repeat}`;

/** How --from's definition differs from the one in --to (to's -> from's), in the terms `lrsweep run` compares them (budget aside). */
function definitionChanges(to: SweepRecord, from: SweepRecord): string[] {
  const changes = describeChanges(identity(upgradeDefinition(to.definition)), identity(upgradeDefinition(from.definition)));
  const files = trainerFilesChange(to.trainerHash, from.trainerHash);
  return [...changes, ...(files ? [files] : [])].map((c) => c.text);
}

/** The first trial the two stores number differently, in words, or null. */
function numberingDifference(source: TrialRecord[], target: TrialRecord[]): string | null {
  const byKey = new Map(target.map((t) => [key(t), t]));
  const byNumber = new Map(target.map((t) => [t.number, t]));
  for (const t of source) {
    const same = byKey.get(key(t));
    const other = byNumber.get(t.number);
    if (same && same.number !== t.number) return `config ${t.configHash.slice(0, 12)} repeat ${t.repeat} is trial ${t.number} in --from but trial ${same.number} in --to`;
    if (!same && other) return `trial ${t.number} is config ${t.configHash.slice(0, 12)} repeat ${t.repeat} in --from but config ${other.configHash.slice(0, 12)} repeat ${other.repeat} in --to`;
  }
  return null;
}

/** Whether --to lacks the trial, or lacks a result --from has for it (importTrials decides again, atomically). */
function wanted(t: TrialRecord, here: TrialRecord | undefined): boolean {
  return !here || (FINAL.has(t.state) && !FINAL.has(here.state) && !HELD.has(here.state));
}

function importedOf(t: TrialRecord, points: ImportedTrial['points']): ImportedTrial {
  return {
    number: t.number, configHash: t.configHash, repeat: t.repeat, params: t.params, seed: t.seed,
    state: HELD.has(t.state) ? 'waiting' : (t.state as ImportedTrial['state']), objective: t.objective, attempts: t.attempts, error: t.error,
    createdAt: t.createdAt, startedAt: t.startedAt, finishedAt: t.finishedAt, durationMs: t.durationMs, provenance: t.provenance, origin: t.origin, points,
  };
}

interface Plan {
  sweep: SweepRecord;
  trials: TrialRecord[];
  existing: SweepRecord | null;
  targetTrials: TrialRecord[];
}

/** Opens a store for --from or --to: storage's messages name the flag --db; here it is --from or --to. */
async function openAs(flag: '--from' | '--to', db: string, mode: 'read' | 'write'): Promise<Storage> {
  try {
    return await openStorage(db, mode);
  } catch (e) {
    // The same error (its class decides the exit code), naming the flag the user typed.
    if (e instanceof Error && e.message.startsWith('--db')) e.message = e.message.replace(/--db\b/g, flag);
    throw e;
  }
}

export async function copy(o: { from: string; to: string; sweeps?: string[] }): Promise<CopyResult> {
  if (sameStore(o.from, o.to)) throw new UsageError(`--to: ${show(shownDb(o.to))} is the database --from reads; copy into another one`);
  const source = await openAs('--from', o.from, 'read');
  let target: Storage | null = null;
  try {
    const all = await source.listSweeps();
    const names = o.sweeps?.length ? [...new Set(o.sweeps)] : all.map((s) => s.name);
    const unknown = names.filter((n) => !all.some((s) => s.name === n));
    if (unknown.length > 0) {
      throw new UsageError(`SWEEP: no sweep named ${unknown.map((n) => show(n)).join(', ')} in ${source.where}${all.length ? `; sweeps there: ${all.map((s) => s.name).join(', ')}` : ' (it has no sweeps yet)'}`);
    }
    target = await openAs('--to', o.to, 'write');
    // Every sweep is checked before anything is written.
    const plans: Plan[] = [];
    const refusals: string[] = [];
    const conflicts: string[] = [];
    for (const name of names) {
      const sweep = all.find((s) => s.name === name)!;
      const existing = await target.getSweep(name);
      const trials = await source.trials(sweep.id);
      const targetTrials = existing ? await target.trials(existing.id) : [];
      if (existing) {
        const changes = definitionChanges(existing, sweep);
        if (changes.length > 0) refusals.push(`sweep "${name}" has another definition in ${target.where} than in ${source.where} (${changes.join('; ')})`);
        const difference = numberingDifference(trials, targetTrials);
        if (difference) conflicts.push(`sweep "${name}": ${difference}`);
      }
      plans.push({ sweep, trials, existing, targetTrials });
    }
    if (refusals.length > 0) throw new DefinitionChangedError(`${refusals.join('; ')}: nothing was copied; copy into another database, or rename the sweep in one of them`);
    if (conflicts.length > 0) throw new ImportConflictError(`the two databases number these trials differently, so a copy cannot keep the numbers (${conflicts.join('; ')}): nothing was copied; copy into another database`);

    const copied: SweepCopy[] = [];
    for (const p of plans) copied.push(await copySweep(source, target, p));
    return { from: source.where, to: target.where, sweeps: copied };
  } finally {
    await source.close();
    await target?.close();
  }
}

async function copySweep(source: Storage, target: Storage, p: Plan): Promise<SweepCopy> {
  const { id: _id, ...record } = p.sweep;
  const into = p.existing ?? (await target.importSweep(record));
  const here = new Map(p.targetTrials.map((t) => [key(t), t]));
  const todo = p.trials.filter((t) => wanted(t, here.get(key(t))));
  const result: SweepCopy = { sweep: p.sweep.name, created: p.existing === null, trials: p.trials.length, added: 0, filledIn: 0, points: 0, madeWaiting: 0 };
  for (let i = 0; i < todo.length; i += CHUNK) {
    const chunk = todo.slice(i, i + CHUNK);
    const points = await source.attemptPoints(chunk.map((t) => t.id));
    const batch = chunk.map((t) => importedOf(t, points.get(t.id) ?? []));
    const { added, replaced } = await target.importTrials(into.id, batch);
    result.added += added;
    result.filledIn += replaced;
    result.points += batch.reduce((n, t) => n + t.points.length, 0);
    result.madeWaiting += chunk.filter((t) => HELD.has(t.state)).length;
  }
  return result;
}

export function present(r: CopyResult): Output {
  if (r.sweeps.length === 0) return { stdout: `nothing to copy: ${r.from} has no sweeps\n` };
  const lines = r.sweeps.map((s) => {
    const there = s.trials - s.added - s.filledIn;
    const what = `${s.trials} trials: ${s.added} new, ${s.filledIn} with results filled in, ${there} already there; ${s.points} points`;
    const note = s.madeWaiting > 0
      ? `\n  ${s.madeWaiting} trials were queued or running in ${r.from}: they are waiting in ${r.to}, where no run holds them (\`lrsweep run\` there runs them)`
      : '';
    return `${s.created ? 'copied' : 'filled in'} sweep ${s.sweep} (${what})${note}`;
  });
  return { stdout: `${r.from} -> ${r.to}\n${lines.join('\n')}\n` };
}

type Args = Awaited<ReturnType<typeof builder>['argv']>;

export async function handler(argv: Args): Promise<void> {
  emit(present(await copy({ from: argv.from, to: argv.to, sweeps: argv.sweeps })));
}
