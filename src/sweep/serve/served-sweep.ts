// A sweep as the serve loop holds it (Serving): its counts and state, the progress it reports,
// whether this machine's file still matches the stored sweep, and the two ways it stops being
// served here: refused (the files differ, or a trial row was edited) and cancelled.

import type { SweepRecord } from '../../storage/types.js';
import { bestTrialObjective } from '../ranking.js';
import { compareWithStored } from '../register.js';
import { trainerHash } from '../training.js';
import type { Machine, ServedSweep, Serving } from './machine.js';

/** A sweep to serve, with its counts and best trial as stored now. */
export async function newServing(m: Machine, item: ServedSweep): Promise<Serving> {
  return { item, training: null, counts: await m.storage.counts(item.record.id), best: await bestTrialObjective(m.storage, item.record.id, item.sweep, item.loaded.trainer.steps),
    ran: 0, lastRunId: -1, session: null, state: item.record.status === 'cancelled' ? 'cancelled' : 'serving', refusal: null };
}

/** Tells the caller where the sweep stands (ServeOptions.onProgress). */
export function reportProgress(m: Machine, s: Serving): void {
  m.o.onProgress?.(s.item.sweep.name, {
    counts: s.counts, ranHere: s.ran, bestTrial: s.best, reached: s.session?.dispatcher.reached() ?? { epochs: null, steps: null },
    stepsInFlight: s.session ? s.session.dispatcher.stepsInFlight() : 0, stepsPerTrial: s.item.loaded.trainer.steps });
}

/**
 * Whether this machine's file still matches the stored sweep: its definition and, when
 * `files`, its trainer files hashed anew (a hash that cannot be made counts as a change). The
 * differences, or null.
 */
export async function mismatch(s: Serving, record: SweepRecord | null, files: boolean): Promise<string | null> {
  if (!record) return 'the sweep is gone from the database';
  let hash = s.item.hash;
  if (files) {
    try {
      hash = await trainerHash(s.item.loaded);
    } catch (e) {
      return `the trainer's files cannot be read here (${(e as Error).message.split('\n')[0]})`;
    }
  }
  const { changes } = compareWithStored(record, s.item.loaded.sweep, { written: s.item.loaded.written, trainerHash: hash });
  if (changes.length > 0) return changes.map((c) => c.text).join('; ');
  s.item.hash = hash;
  return null;
}

/** Stops serving the sweep; `sentence`: the whole refusal, when it is not that the files differ (an edited trial row). */
export function refuse(m: Machine, s: Serving, why: string, sentence?: string): void {
  if (s.state !== 'serving') return;
  s.state = 'refused';
  s.refusal = sentence ?? `sweep ${s.item.sweep.name}: this worker's files no longer match the sweep (${why})`;
  s.session?.dispatcher.stop(sentence ? 'interrupted: the sweep was refused' : 'interrupted: this worker\'s files no longer match the sweep');
  m.o.onNotice?.(sentence ?? `${s.refusal}: it takes no more of its trials until they do`);
}

/** Stops serving a sweep that was cancelled (`lrsweep cancel`): its trials here are interrupted. */
export function cancel(m: Machine, s: Serving): void {
  if (s.state !== 'serving') return;
  s.state = 'cancelled';
  s.session?.source.cancel();
  s.session?.dispatcher.stop('interrupted: the sweep was cancelled');
  m.o.onNotice?.(`sweep ${s.item.sweep.name} was cancelled: its trials here are interrupted, and no more are taken until it is run again`);
}
