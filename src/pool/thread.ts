// A thread of the pool (pool.ts runs it in Piscina's worker threads): computes a unit's LR
// curves with the WASM engine (one members x steps block, reused) and trains. Everything
// expensive is loaded once per thread and kept: the WASM modules, tfjs and its backend (loaded
// only for a trainer that uses it: not for the mlp's wasm engine), trainer modules, data sets. Threads never touch storage; events go back on the unit's port.

import type { MessagePort } from 'node:worker_threads';
import type { MetricPoint } from '../core/trial.js';
import { fromReferenceNames } from '../schedule/params.js';
import { resolveSchedule } from '../schedule/schedule.js';
import { usesTfjs, type Metrics, type Point, type Tf } from '../train/contract.js';
import { loadTrainer } from '../train/registry.js';
import type { WorkUnit } from './messages.js';
import type { ThreadMessage } from './pool.js';

let block = new Float64Array(0);

/** Every member's curve, as views into one reused members x steps block. */
function curvesFor(unit: WorkUnit): Float64Array[] {
  const size = unit.members.length * unit.steps;
  if (block.length < size) block = new Float64Array(size);
  return unit.members.map((m, i) => {
    const out = block.subarray(i * unit.steps, (i + 1) * unit.steps);
    if (m.curve) {
      if (m.curve.length !== unit.steps) throw new Error(`a given curve must have ${unit.steps} values, got ${m.curve.length}`);
      out.set(m.curve);
      return out;
    }
    return resolveSchedule(fromReferenceNames(m.params)).into(out);
  });
}

/** A trainer's report as a stored point; a malformed report is the trainer's bug and fails the trial. */
export function toPoint(point: Point, metrics: Metrics): MetricPoint {
  const p = point as { epoch?: unknown; step?: unknown };
  const epoch = p.epoch === undefined ? null : p.epoch;
  const step = p.step === undefined ? null : p.step;
  if (epoch === null && step === null) throw new Error(`report(point, metrics): point must be { epoch } or { step }, got ${JSON.stringify(point)}`);
  if (epoch !== null && !(Number.isInteger(epoch) && (epoch as number) >= 1)) throw new Error(`report(): epoch must be an integer >= 1, got ${String(epoch)}`);
  if (step !== null && !(Number.isInteger(step) && (step as number) >= 0)) throw new Error(`report(): step must be an integer >= 0, got ${String(step)}`);
  const values: Record<string, number> = {};
  for (const [name, v] of Object.entries(metrics ?? {})) {
    if (typeof v !== 'number') throw new Error(`report(): metric ${name} must be a number, got ${typeof v}`);
    values[name] = v;
  }
  return { epoch: epoch as number | null, step: step as number | null, values };
}

const abortedOf = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')!.get!;

/**
 * The trainer's signal. Its listeners fire when the pool's abort message arrives, which needs the
 * worker's event loop; `aborted` and `throwIfAborted()` also read the shared stop flag, so a
 * synchronous training loop that checks them between steps stops at once.
 */
function stopSignal(controller: AbortController, flag: Int32Array | undefined, entries: readonly number[] = [0]): AbortSignal {
  const signal = controller.signal;
  if (!flag) return signal;
  const stopped = () => entries.some((i) => Atomics.load(flag, i) === 1) || abortedOf.call(signal);
  Object.defineProperty(signal, 'aborted', { get: stopped });
  Object.defineProperty(signal, 'throwIfAborted', {
    value: () => {
      if (stopped()) throw (signal.reason as Error | undefined) ?? new Error('stopped');
    },
  });
  return signal;
}

export default async function runUnit({ unit, port, flag }: { unit: WorkUnit; port: MessagePort; flag?: Int32Array }): Promise<void> {
  const post = (m: ThreadMessage) => port.postMessage(m);
  const controller = new AbortController();
  const signal = stopSignal(controller, flag);
  // Member k's signal: its own stop (flag entry 1 + k: a pruner stopped its trial) or the unit's.
  const memberControllers = unit.members.map(() => new AbortController());
  const memberSignals = memberControllers.map((c, k) => stopSignal(c, flag && flag.length > 1 + k ? flag : undefined, [0, 1 + k]));
  port.on('message', (m: { type: string; reason?: string; member?: number }) => {
    if (m.type === 'abort') {
      controller.abort(new Error(m.reason));
      for (const c of memberControllers) if (!c.signal.aborted) c.abort(new Error(m.reason));
    }
    if (m.type === 'stopMember' && m.member !== undefined) memberControllers[m.member]?.abort(new Error(m.reason));
  });
  try {
    // Stopped while it waited in the queue: nothing to train, and it never started (its trials
    // go back to waiting, not interrupted).
    if (signal.aborted) return;
    post({ type: 'started' });
    const trainer = await loadTrainer(unit.trainer);
    // tfjs is loaded only for a trainer that uses it with these options: the mlp's wasm engine never loads it.
    const tf = usesTfjs(trainer, unit.options) ? await (await import('../train/backend.js')).loadTf(unit.backend) : (null as unknown as Tf);
    const curves = curvesFor(unit);
    const base = { options: unit.options, seed: unit.seed, tf, backend: unit.backend, perStep: unit.perStep, signal };
    if (unit.members.length > 1 || (unit.lockstep && trainer.trainCohort)) {
      if (!trainer.trainCohort) throw new Error('this trainer cannot train cohorts (it has no trainCohort)');
      await trainer.trainCohort({ ...base, curves, memberSignals, report: (member, point, metrics) => post({ type: 'point', member, point: toPoint(point, metrics) }) });
    } else {
      await trainer.train({ ...base, curve: curves[0], report: (point, metrics) => post({ type: 'point', member: 0, point: toPoint(point, metrics) }) });
    }
  } finally {
    post({ type: 'done' });
    port.close();
  }
}
