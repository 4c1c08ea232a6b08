// `lrsweep delete NAME`: remove a sweep from the database (its trials, their metrics, its runs,
// and on PostgreSQL its queue's jobs), so that its name can be used again, e.g. for a fixed
// definition. Refused while a live run works on it. With --trial-folder, also its trial folder
// (<trials-dir>/NAME, what a command trainer's trials wrote): a sweep created again under the name
// refuses a folder another sweep of that name left (its scripts could resume from those
// checkpoints), so that folder must go too before the name runs again with a command trainer.

import { rmSync } from 'node:fs';
import type { Argv } from 'yargs';
import { UsageError } from '../core/errors.js';
import { isRunAlive } from '../sweep/liveness.js';
import { ownsSweepDir, sweepDirOwner, trialRoot } from '../train/command/index.js';
import { CLI, dbFlag, emit, openSweep, withDb, type Output } from './common.js';

export const command = 'delete <name>';
export const describe = 'Remove a sweep with its trials, metrics and runs (refused while a run works on it)';

export function builder(y: Argv) {
  return withDb(y)
    .positional('name', { type: 'string', demandOption: true, describe: 'The sweep\'s name' })
    .option('trial-folder', { type: 'boolean', default: false, describe: 'Also remove its trial folder (<trials-dir>/NAME: command trainers\' files, logs and checkpoints)' })
    .option('trials-dir', { type: 'string', nargs: 1, describe: 'Where trial folders are  [default: $LRSWEEP_TRIALS_DIR, else ./lrsweep-trials]' })
    .example('$0 delete pytorch-example', 'Remove the sweep; running its file again starts it afresh')
    .example('$0 delete pytorch-example --trial-folder', 'The same, and its folder in ./lrsweep-trials');
}

type Args = Awaited<ReturnType<typeof builder>['argv']>;

export interface Deleted {
  sweep: string;
  file: string | null;
  trials: number;
  /** PostgreSQL: jobs dropped from its queue (null on SQLite). */
  jobs: number | null;
  /** The trial folder removed, or, when kept, the one a new sweep of the name would refuse (null: none). */
  folder: { dir: string; removed: boolean } | null;
}

export async function deleteSweep(o: { db: string; name: string; trialFolder: boolean; trialsDir?: string }): Promise<Deleted> {
  const root = trialRoot(o.trialsDir);
  const { storage, sweep } = await openSweep(o.db, o.name, 'write');
  let trials: number;
  let jobs: number | null;
  let owner: ReturnType<typeof sweepDirOwner>;
  try {
    // The folder is checked before anything is removed: one another sweep of the name owns stays,
    // and so does everything else (its key: train/command/trial-dir.ts sweepDirKey).
    owner = sweepDirOwner(root, sweep.name);
    if (o.trialFolder && owner && !ownsSweepDir(owner.key, storage.where, sweep.createdAt)) {
      throw new UsageError(`--trial-folder: ${owner.dir} ${owner.key === null ? 'does not say which sweep it holds (its sweep.json is missing, unreadable or has no key)'
        : `holds the trials of another sweep named ${sweep.name} (${owner.key}), not of this one (created ${sweep.createdAt})`}: nothing was deleted; ` +
        'remove that folder yourself, or leave out --trial-folder');
    }
    const { shared } = storage.capabilities;
    const done = await storage.deleteSweep(sweep.id, (run) => isRunAlive(run, { shared }));
    if (!done.deleted) {
      const runs = done.live.map((r) => `run ${r.id} (pid ${r.pid} on ${r.host})`).join(', ');
      throw new UsageError(`sweep ${sweep.name} is being run: ${runs} ${done.live.length === 1 ? 'works' : 'work'} on it; ` +
        `stop ${done.live.length === 1 ? 'it' : 'them'} first (Ctrl-C${shared ? `, or ${CLI} cancel ${sweep.name}${dbFlag(o.db)}` : ''}), then delete: nothing was deleted`);
    }
    trials = done.trials;
    jobs = await storage.dropQueue(sweep.id);
  } finally {
    await storage.close();
  }
  let folder: Deleted['folder'] = null;
  if (owner) {
    if (o.trialFolder) rmSync(owner.dir, { recursive: true, force: true });
    folder = { dir: owner.dir, removed: o.trialFolder };
  }
  return { sweep: sweep.name, file: sweep.file, trials, jobs, folder };
}

export function presentDelete(d: Deleted, db: string): Output {
  const lines = [`deleted sweep ${d.sweep}: ${d.trials} trials with their metrics and runs${d.jobs === null ? '' : `, and ${d.jobs} queue jobs`}`];
  if (d.folder?.removed) lines.push(`removed its trial folder ${d.folder.dir}`);
  else if (d.folder) lines.push(`kept its trial folder ${d.folder.dir}: a new sweep named ${d.sweep} refuses it until it is removed (rm -r ${JSON.stringify(d.folder.dir)})`);
  if (d.file) lines.push(`run it afresh with: ${CLI} run ${d.file}${dbFlag(db)}`);
  return { stdout: `${lines.join('\n')}\n` };
}

export async function handler(argv: Args): Promise<void> {
  emit(presentDelete(await deleteSweep({ db: argv.db, name: argv.name, trialFolder: argv['trial-folder'], trialsDir: argv['trials-dir'] }), argv.db));
}
