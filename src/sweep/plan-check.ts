// Whether a trial row in the database is a trial this machine's sweep file plans: parameters that
// hash to the row's config hash, and the seed the sweep's seeding gives that config and repeat. A
// run trains a row's params with the row's seed, so a row edited in the database (a learning rate
// of someone's choosing, another seed) would be trained and ranked under the unchanged config.
// Both ways trials are taken check every claimed row before it starts, with this one function:
// `run` on SQLite (source.ts StorageSource) and the queue's workers (serve/).
//
// Those two checks cost a hash each. `planned` adds a third: that the config is one the file plans
// at all (a row whose params, hash and seed were all made up consistently). That needs every
// planned key in memory, built on the first check by walking the plan: 48 s and tens of MB for a
// sweep of 10^6 trials on a 2-core machine, which a worker (a long-lived process serving a queue
// anyone with database access can write to) pays once, and which `run` on SQLite, started again
// and again on a file whose writer could as well edit the sweep file, does not.

import { show } from '../core/errors.js';
import { CLI } from '../core/cli-name.js';
import type { TrialRecord } from '../storage/types.js';
import type { Config, Sweep } from './definition.js';
import { configHash } from './hash.js';
import { normalizeConfig, plan, seedOf, trialKey } from './space.js';

/** Why a row is not the trial the file plans, or null when it is. */
export type RowCheck = (t: TrialRecord) => string | null;

/** The check for one sweep as this machine's file plans it (`steps`: the trainer's step count). */
export function planCheck(sweep: Sweep, steps: number, o: { planned?: boolean } = {}): RowCheck {
  let planned: Set<string> | null = null;
  return (t) => {
    let hash: string;
    try {
      hash = configHash(normalizeConfig(t.params as Config));
    } catch (e) {
      return `its params ${show(t.params)} are not a config (${(e as Error).message.split('\n')[0]})`;
    }
    if (hash !== t.configHash) return `its params ${show(t.params)} do not hash to its config hash ${t.configHash}`;
    const seed = seedOf(sweep, t.configHash, t.repeat);
    if (seed !== t.seed) return `its seed ${t.seed} is not the seed ${seed} the sweep file plans for it`;
    if (!o.planned) return null;
    if (planned === null) {
      planned = new Set();
      for (const p of plan(sweep, steps)) planned.add(trialKey(p.hash, p.repeat));
    }
    if (!planned.has(trialKey(t.configHash, t.repeat))) return `the sweep file plans no trial of config ${t.configHash}, repeat ${t.repeat} (params ${show(t.params)})`;
    return null;
  };
}

/** The one-line refusal of a sweep with an edited row: which trial, what is wrong, what to do. */
export function editedRowMessage(sweep: string, t: TrialRecord, why: string): string {
  return `sweep ${sweep}: trial ${t.number} was edited in the database (${why}); it was not trained. ` +
    `Put its row back as registered, or delete the sweep (${CLI} delete ${sweep}) and run it again`;
}

/** A claimed trial row is not what the sweep file plans: the run refuses the sweep (exit 1). */
export class EditedTrialError extends Error {
  override name = 'EditedTrialError';
}
