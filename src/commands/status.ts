// `lrsweep status [NAME]`: every sweep's trial counts, or one sweep's counts, its best config,
// and the runs working on it.

import type { Argv } from 'yargs';
import { totalOf, TRIAL_STATES, type StateCounts } from '../core/trial.js';
import { render, type TableFormat } from '../io/table.js';
import { openStorage } from '../storage/open.js';
import { TRIAL_ORIGINS, type QueueDepth, type RunRecord, type Storage, type SweepRecord, type TrialOrigin } from '../storage/types.js';
import { emit, openSweep, withDb, withFormat, type Output } from './common.js';
import { isRunAlive } from '../sweep/liveness.js';
import { describeMethod, isAdaptive } from '../sweep/samplers/index.js';
import { describePruner } from '../sweep/pruners/index.js';
import type { PrunerSpec } from '../sweep/pruners/index.js';
import { upgradeDefinition, type MethodSpec } from '../sweep/definition.js';
import { rankedConfigs } from '../sweep/ranking.js';
import { countTrials } from '../sweep/space.js';
import { endedReason } from '../sweep/ended.js';

export const command = 'status [name]';
export const describe = 'Trial counts per state, for every sweep or one';

export function builder(y: Argv) {
  return withFormat(withDb(y))
    .positional('name', { type: 'string', describe: 'A sweep name (default: all sweeps)' })
    .example('$0 status', 'All sweeps in lrsweep.db')
    .example('$0 status quickstart --format json', 'One sweep, with the runs working on it, as JSON');
}

export interface SweepStatus extends StateCounts {
  sweep: string;
  trials: number;
  /** The best config's mean objective over its repeats (what `best` ranks by). */
  best_config: number | null;
  metric: string;
  goal: string;
  status: SweepRecord['status'];
}

/** A run (a `lrsweep run`, or a worker) recorded as working on the sweep, with the trials it holds. */
export interface RunStatus extends RunRecord {
  running: number;
  queued: number;
  /**
   * Whether it is alive (liveness.ts: its process on this host, else its heartbeat): a run killed
   * without ending stays recorded as running, and its trials are taken back by the next run.
   */
  alive: boolean;
}

export interface StatusResult {
  sweeps: SweepStatus[];
  /** With a name: the runs that are working on the sweep now. */
  runs: RunStatus[] | null;
  /** With a name, on PostgreSQL: the sweep's jobs in the queue (null when it has none, or on SQLite). */
  queue: QueueDepth | null;
  /** With a name: the sampler that decides its configs and its options (`grid (order: shuffled)`). */
  sampler?: string;
  /** With a name: the sweep's stored pruner (`successive_halving:reduction=3`), when it has one. */
  pruner?: string;
  /** An adaptive sampler's sweep: its trials by where they came from. */
  origins?: Record<TrialOrigin, number>;
  /** An adaptive sampler's sweep: the trials it has not created yet (0: none is left to create, what its space gives is created, or its sampler ended). */
  toCreate?: number;
  /** An adaptive sampler's sweep that is done before creating what its space gives: why (sweep/ended.ts), else absent. */
  ended?: string;
}

async function runsOf(storage: Storage, sweepId: number): Promise<RunStatus[]> {
  const open = (await storage.runs(sweepId)).filter((r) => r.status === 'running');
  const held = [...await storage.trials(sweepId, { state: 'running' }), ...await storage.trials(sweepId, { state: 'queued' })];
  return open.map((r) => ({
    ...r,
    running: held.filter((t) => t.runId === r.id && t.state === 'running').length,
    queued: held.filter((t) => t.runId === r.id && t.state === 'queued').length,
    alive: isRunAlive(r, { shared: storage.capabilities.shared }),
  }));
}

async function queueOf(storage: Storage, sweepId: number): Promise<QueueDepth | null> {
  if (!storage.capabilities.queue) return null;
  let queue;
  try {
    queue = await storage.openQueue(); // a reader: storage is opened for reading
  } catch {
    return null; // no queue yet: nothing was ever enqueued in this store
  }
  try {
    return await queue.depth(sweepId);
  } finally {
    await queue.close();
  }
}

async function statusOf(storage: Storage, s: SweepRecord): Promise<SweepStatus> {
  const counts = await storage.counts(s.id);
  // Ranked as `best` ranks (anchors outside the space left out).
  const best = (await rankedConfigs(storage, s.id, upgradeDefinition(s.definition), s.steps, 1)).configs[0]?.objective ?? null;
  return { sweep: s.name, trials: totalOf(counts), ...counts, best_config: best, metric: s.metric, goal: s.goal, status: s.status };
}

export async function status(o: { db: string; name?: string }): Promise<StatusResult> {
  if (o.name === undefined) {
    const storage = await openStorage(o.db, 'read');
    try {
      const sweeps = [];
      for (const s of await storage.listSweeps()) sweeps.push(await statusOf(storage, s));
      return { sweeps, runs: null, queue: null };
    } finally {
      await storage.close();
    }
  }
  const { storage, sweep } = await openSweep(o.db, o.name);
  try {
    const method = sweep.definition.method as MethodSpec | undefined;
    return {
      sweeps: [await statusOf(storage, sweep)], runs: await runsOf(storage, sweep.id), queue: await queueOf(storage, sweep.id),
      ...(method === undefined ? {} : { sampler: describeMethod(method) }),
      ...(sweep.definition.pruner === undefined ? {} : { pruner: describePruner(sweep.definition.pruner as PrunerSpec) }),
      ...(method !== undefined && isAdaptive({ method }) ? { origins: await originsOf(storage, sweep.id), ...await toCreateOf(storage, sweep) } : {}),
    };
  } finally {
    await storage.close();
  }
}

/** An adaptive sweep's trials not created yet: what its sampler can create over the stored steps, less those it has; none once its sampler ended, and why. */
async function toCreateOf(storage: Storage, sweep: SweepRecord): Promise<{ toCreate: number; ended?: string }> {
  const definition = upgradeDefinition(sweep.definition);
  const toCreate = Math.max(0, countTrials(definition, sweep.steps) - totalOf(await storage.counts(sweep.id)));
  const ended = toCreate > 0 ? await endedReason(storage, sweep.id, definition, sweep.steps) : null;
  return ended === null ? { toCreate } : { toCreate: 0, ended };
}

/** How many of the sweep's trials came from each origin (read for adaptive sweeps, whose trials are few). */
async function originsOf(storage: Storage, sweepId: number): Promise<Record<TrialOrigin, number>> {
  const out = Object.fromEntries(TRIAL_ORIGINS.map((o) => [o, 0])) as Record<TrialOrigin, number>;
  for (const t of await storage.trials(sweepId)) out[t.origin]++;
  return out;
}

const COLUMNS = ['sweep', 'trials', ...TRIAL_STATES, 'best_config', 'metric', 'goal'];

export function present(r: StatusResult, format: TableFormat): Output {
  if (format === 'json') return { stdout: `${JSON.stringify(r.runs === null ? r.sweeps : { ...r.sweeps[0], sampler: r.sampler, ...(r.pruner ? { pruner: r.pruner } : {}), ...(r.origins ? { origins: r.origins, to_create: r.toCreate, ...(r.ended ? { ended: r.ended } : {}) } : {}), runs: r.runs, queue: r.queue }, null, 2)}\n` };
  let text = render(r.sweeps.map((s) => ({ ...s, sweep: s.status === 'cancelled' ? `${s.sweep} (cancelled)` : s.sweep })), COLUMNS, format);
  if (format === 'table' && r.sampler !== undefined) {
    const created = r.ended ? `done, nothing more is created: ${r.ended}` : r.toCreate === 0 ? 'all created' : 'created as results arrive';
    const origins = r.origins ? `; trials by origin: ${TRIAL_ORIGINS.map((o) => `${r.origins![o]} ${o}`).join(', ')} (${created})` : '';
    text += `sampler: ${r.sampler}${origins}\n`;
  }
  if (format === 'table' && r.pruner !== undefined) text += `pruner: ${r.pruner} (trials a run or worker trains with --pruner are judged by that one instead)\n`;
  if (format === 'table' && r.runs && r.runs.length > 0) {
    text += render(r.runs.map((run) => ({ run: run.id, alive: run.alive ? 'yes' : 'no', host: run.host, pid: run.pid, workers: run.workers, running: run.running, queued: run.queued,
      backend: run.backend, started: run.startedAt, heartbeat: run.heartbeatAt })),
    ['run', 'alive', 'host', 'pid', 'workers', 'running', 'queued', 'backend', 'started', 'heartbeat'], 'table');
    const dead = r.runs.filter((run) => !run.alive);
    const held = dead.reduce((n, run) => n + run.running + run.queued, 0);
    if (dead.length > 0) {
      text += `run${dead.length === 1 ? '' : 's'} ${dead.map((run) => run.id).join(', ')} ended without saying so (killed, or its machine lost)` +
        `${held > 0 ? `: ${held === 1 ? 'the 1 trial it holds is' : `the ${held} trials it holds are`} not really running; the sweep's next run or worker runs ${held === 1 ? 'it' : 'them'} again` : ''}\n`;
    }
  }
  if (format === 'table' && r.queue) text += `queue: ${r.queue.waiting} jobs waiting, ${r.queue.active} taken by workers\n`;
  return { stdout: text };
}

type Args = Awaited<ReturnType<typeof builder>['argv']>;

export async function handler(argv: Args): Promise<void> {
  emit(present(await status({ db: argv.db, name: argv.name }), argv.format));
}
