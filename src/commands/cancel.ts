// `lrsweep cancel NAME --db postgres://...`: stop a sweep on every machine. Jobs no worker has
// taken are cancelled; workers see the sweep cancelled within a heartbeat, interrupt its trials
// (as Ctrl-C does) and take no more of it. Running the sweep again resumes it.

import type { Argv } from 'yargs';
import { UsageError } from '../core/errors.js';
import { capabilitiesOf, shownDb } from '../storage/open.js';
import { HEARTBEAT_MS } from '../sweep/liveness.js';
import { CLI, dbFlag, emit, openSweep, withDb, type Output } from './common.js';

export const command = 'cancel <name>';
export const describe = 'Stop a sweep on every machine (PostgreSQL --db): workers interrupt its trials and take no more';

export function builder(y: Argv) {
  return withDb(y)
    .positional('name', { type: 'string', demandOption: true, describe: 'The sweep\'s name' })
    .example('$0 cancel cawr-grid --db postgres://me@db-host/sweeps', 'Stop cawr-grid everywhere; `lrsweep run` resumes it');
}

type Args = Awaited<ReturnType<typeof builder>['argv']>;

export interface Cancelled {
  sweep: string;
  file: string | null;
  jobs: number;
}

export async function cancel(o: { db: string; name: string }): Promise<Cancelled> {
  if (!capabilitiesOf(o.db).queue) {
    throw new UsageError(`--db: cancel stops workers that share a PostgreSQL database (postgres://...); on ${shownDb(o.db)} (SQLite) a sweep runs in one \`${CLI} run\`, which Ctrl-C stops`);
  }
  const { storage, sweep } = await openSweep(o.db, o.name, 'write');
  try {
    await storage.setSweepStatus(sweep.id, 'cancelled');
    const queue = await storage.openQueue();
    try {
      const { waiting } = await queue.depth(sweep.id);
      await queue.cancelWaiting(sweep.id);
      return { sweep: sweep.name, file: sweep.file, jobs: waiting };
    } finally {
      await queue.close();
    }
  } finally {
    await storage.close();
  }
}

export function presentCancel(c: Cancelled, db: string): Output {
  return {
    stdout: `sweep ${c.sweep} cancelled: ${c.jobs} waiting jobs dropped; workers interrupt its running trials within ${HEARTBEAT_MS / 1000} s and take no more\n` +
      `resume it with: ${CLI} run ${c.file ?? 'SWEEP_FILE'}${dbFlag(db)}\n`,
  };
}

export async function handler(argv: Args): Promise<void> {
  emit(presentCancel(await cancel({ db: argv.db, name: argv.name }), argv.db));
}
