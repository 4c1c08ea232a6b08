// Whether a trial row in the database is a trial this machine's sweep file plans: parameters that
// hash to the row's config hash, and the seed the sweep's seeding gives that config and repeat. A
// run trains a row's params with the row's seed, so a row edited in the database (a learning rate
// of someone's choosing, another seed) would be trained and ranked under the unchanged config.
// Both ways trials are taken check every claimed row before it starts, with this one function:
// `run` on SQLite (source.ts StorageSource) and the queue's workers (serve/).
//
// An anchor (origin anchor: the predict sampler's runs planned from the file) must be one of the
// anchors the file plans, whatever the space: an anchor often lies outside it (a constant LR).
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
import type { Config, ParamSpec, Sweep } from './definition.js';
import { configHash } from './hash.js';
import { anchorPlansOf, isAdaptive, methodOf } from './samplers/index.js';
import { configOfValues, normalizeConfig, ownConfig, plan, seedOf, trialKey } from './space.js';

/** Why a row is not the trial the file plans, or null when it is. */
export type RowCheck = (t: TrialRecord) => string | null;

/** Why a varied value is outside its parameter's space in the file, or null when inside. */
function outsideSpace(spec: ParamSpec, v: unknown): string | null {
  if ('values' in spec) return spec.values.some((x) => x === v) ? null : `not one of ${show(spec.values)}`;
  if (typeof v !== 'number' || !Number.isFinite(v)) return 'not a number';
  if (v < spec.min || v > spec.max) return `outside [${spec.min}, ${spec.max}]`;
  if (spec.distribution === 'int_uniform' && !Number.isInteger(v)) return 'not an integer';
  return null;
}

/**
 * A suggested trial (origin startup or model: an adaptive sampler created it while the sweep ran):
 * each varied parameter inside the file's space (values lists, bounds, integers), and its whole
 * config the one the file builds from those values (fixed keys, derived cycles), so a database
 * user can choose points inside the space the file allows, never outside it.
 */
function suggestedCheck(sweep: Sweep, steps: number, t: Pick<TrialRecord, 'params' | 'configHash'>): string | null {
  const params = t.params as Config;
  // A sweep whose kind varies: the trial's kind decides which varied keys it has (ownConfig drops the rest).
  const own = (key: string) => params.kind === undefined || key === 'kind' || ownConfig({ ...params, [key]: 0 })[key] !== undefined;
  for (const [key, spec] of Object.entries(sweep.parameters)) {
    if (!own(key)) continue;
    const why = outsideSpace(spec, params[key]);
    if (why !== null) return `its ${key} ${show(params[key] ?? null)} lies outside the sweep file's space (${why})`;
  }
  const varied = Object.fromEntries(Object.keys(sweep.parameters).filter(own).map((k) => [k, params[k]]));
  const built = configOfValues(sweep, steps, varied);
  if ('problem' in built) return `its params ${show(t.params)} are not a config the sweep file allows (${built.problem})`;
  if (built.hash !== t.configHash) return `its params ${show(t.params)} are not the config the sweep file builds from its parameters`;
  return null;
}

/**
 * The check for one sweep as this machine's file plans it (`steps`: the trainer's step count).
 * One rule for every way a trial comes to exist: its params hash to its config hash and its seed
 * is the one the sweep's seeding gives; then a planned trial (origin plan) must be of a sweep
 * whose sampler plans (and, with `planned`, among the trials the file plans), a suggested one
 * (origin startup or model) of an adaptive sweep and inside the file's space (suggestedCheck).
 */
export function planCheck(sweep: Sweep, steps: number, o: { planned?: boolean } = {}): RowCheck {
  let planned: Set<string> | null = null;
  let anchors: Set<string> | null = null;
  const adaptive = isAdaptive(sweep);
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
    const method = methodOf(sweep.method).kind;
    if (t.origin === 'anchor') {
      // An anchor's config comes from the file alone (samplers' `anchors`): it must be one of them.
      anchors ??= new Set(anchorHashes(sweep, steps));
      return anchors.has(t.configHash) ? null : `its origin is anchor, but its params ${show(t.params)} are none of the anchors method ${method} plans from the sweep file`;
    }
    if (t.origin === 'plan') {
      if (adaptive) return `its origin is plan, but method ${method} plans no trials (it suggests them as results arrive)`;
    } else {
      if (!adaptive) return `its origin is ${t.origin}, but method ${method} suggests no trials (it plans them all)`;
      return suggestedCheck(sweep, steps, t);
    }
    if (!o.planned) return null;
    if (planned === null) {
      planned = new Set();
      for (const p of plan(sweep, steps)) planned.add(trialKey(p.hash, p.repeat));
    }
    if (!planned.has(trialKey(t.configHash, t.repeat))) return `the sweep file plans no trial of config ${t.configHash}, repeat ${t.repeat} (params ${show(t.params)})`;
    return null;
  };
}

/** The config hashes of the anchors the file plans (none for a sampler without anchors); an anchor the file refuses has none. */
export function anchorHashes(sweep: Sweep, steps: number): string[] {
  return [...anchorMarks(sweep, steps).keys()];
}

/**
 * The anchors the file plans by config hash: each one's name, and whether it lies inside the
 * file's space (a config its parameters can give: ranked like any trial) or outside it (not
 * ranked: a constant LR, say, that no config of the space has).
 */
export function anchorMarks(sweep: Sweep, steps: number): Map<string, { name: string; inside: boolean }> {
  const out = new Map<string, { name: string; inside: boolean }>();
  for (const a of anchorPlansOf(sweep, steps)) {
    const built = configOfValues(sweep, steps, a.values);
    if ('problem' in built || out.has(built.hash)) continue;
    out.set(built.hash, { name: a.name, inside: suggestedCheck(sweep, steps, { params: built.config, configHash: built.hash }) === null });
  }
  return out;
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
