// A sweep's session on this machine: a run opened for it (its heartbeat the lease on every trial
// it holds), the queue source its trials come from (for an adaptive sweep, asking the sampler when
// a slot is free and no job waits: ask.ts), and the dispatcher that trains them. Opened
// once the trainer's files are checked anew; closed by handing back what it took and never started.

import { hostname } from 'node:os';
import { askAndAdd } from '../ask.js';
import type { LossPoint } from '../../predict/index.js';
import { Dispatcher } from '../dispatch.js';
import { editedRowMessage, planCheck } from '../plan-check.js';
import { stepsOf } from '../progress.js';
import { isAdaptive } from '../samplers/index.js';
import { QueueSource, type Asking } from '../source.js';
import { trainingFor } from '../training.js';
import type { Machine, Serving, Session } from './machine.js';
import { mismatch, refuse, reportProgress } from './served-sweep.js';
import { endLeftovers, enqueueTrials } from './upkeep.js';

/** Opens a run for the sweep, once its trainer files are checked anew (null when they differ now). */
export async function openSession(m: Machine, s: Serving): Promise<Session | null> {
  const { storage, queue, o } = m;
  const { item } = s;
  endLeftovers(m, s);
  const why = await mismatch(s, await storage.getSweep(item.record.name), true);
  if (why) {
    refuse(m, s, why);
    return null;
  }
  s.training ??= trainingFor(item.loaded, item.sweep, item.record, { workers: o.workers, backend: o.backend, hash: item.hash, trialsDir: o.trialsDir, where: storage.where });
  const runId = await storage.beginRun(item.record.id, { pid: process.pid, host: hostname(), workers: o.workers, backend: o.backend });
  m.own.add(runId);
  s.lastRunId = runId;
  // Only trials this file plans run here: a job naming another (the stored definition changed
  // since the last heartbeat's check) stops serving the sweep at once.
  s.rowCheck ??= planCheck(item.sweep, item.loaded.trainer.steps, { planned: true });
  const training = s.training;
  // An adaptive sampler: this worker asks when it has a free slot and no job waits (ask.ts says how
  // asks on many machines take turns), after committing what ended here, so its history has it.
  const prunedSteps = new Map<number, number>(); // pruned trials' last steps, read once (ask.ts)
  const curves = new Map<number, LossPoint[]>(); // complete trials' curves a sampler reads (ask.ts), read once
  const adaptive: Asking | undefined = isAdaptive(item.sweep) ? {
    slots: training.executor.slots,
    perSlot: training.cohortSize,
    ask: async (configs) => {
      await dispatcher.commitNow();
      const added = await askAndAdd(storage, item.record.id, item.sweep, item.loaded.trainer.steps, configs, prunedSteps, curves);
      if (added.length > 0) await enqueueTrials(queue, item.record.id, added, training.cohortSize);
      s.counts.waiting += added.length;
      return added.length;
    },
  } : undefined;
  const source = new QueueSource(storage, queue, item.record.id, runId, {
    row: s.rowCheck,
    onForeign: async (trial, row) => {
      let why: string | null = null;
      try {
        why = await mismatch(s, await storage.getSweep(item.record.name), false);
      } catch {
        // the reason below will do; the next heartbeat compares the definitions again
        why = `the queue handed it trial ${trial.number}, which this worker's file does not plan`;
      }
      if (why !== null) return refuse(m, s, why);
      // The definition matches, so the trial row itself was changed: nothing this worker can
      // check again will clear that, so it does not serve the sweep again.
      s.untrusted = true;
      refuse(m, s, row, editedRowMessage(item.sweep.name, trial, row));
    },
  }, adaptive);
  const before = s.ran;
  const steps = stepsOf(item.loaded);
  const dispatcher: Dispatcher = new Dispatcher({
    storage, executor: s.training.executor, sweep: item.sweep, sweepId: item.record.id, runId, counts: s.counts, best: s.best, source,
    provenance: s.training.provenance, unitFor: s.training.unitFor, tally: o.tally, steps,
    prune: o.prune?.({ storage, sweepId: item.record.id, sweep: item.sweep, steps, commit: async (): Promise<void> => dispatcher.commitNow(), signal: o.signal, onNotice: o.onNotice }) ?? undefined,
    onRecorded(n, b) {
      s.ran = before + n;
      s.best = b;
      reportProgress(m, s);
    },
  });
  if (m.stopped) dispatcher.stop();
  return { runId, source, dispatcher, lapsed: false, closing: false };
}

/**
 * Ends the sweep's session: what it took and never started goes back (trials waiting, jobs to
 * the queue); the run ends. `lost` (the database stopped answering): the run is only ended.
 */
export async function closeSession(m: Machine, s: Serving, status: 'finished' | 'interrupted' | 'failed', lost: boolean): Promise<void> {
  const session = s.session!;
  session.closing = true;
  if (m.beating) await m.beating;
  if (!lost) {
    await m.storage.releaseRun(session.runId);
    await session.source.close();
  }
  await m.storage.endRun(session.runId, status);
  m.own.delete(session.runId);
  s.session = null;
}
