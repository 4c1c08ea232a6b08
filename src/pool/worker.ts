// The pool's worker: computes the trial's LR curve with the WASM engine and trains. Everything
// expensive is loaded once per worker and kept: the WASM module (on first curve), tfjs and its
// backend (on the first trial that needs them), data sets, and the curve buffer. Workers never
// touch storage; the outcome goes back to the main thread.

import { fillCurve } from '../wasm/engine.js';
import { resolveSchedule, validateRequest } from '../schedule/validate.js';
import { toFamily } from '../schedule/params.js';
import { trainerEntry } from '../train/registry.js';
import type { TrialOutcome, TrialTask } from './messages.js';

let curveBuffer = new Float64Array(0);

function curveFor(task: TrialTask): Float64Array {
  const schedule = resolveSchedule(task.schedule);
  validateRequest(schedule, { steps: task.steps });
  if (curveBuffer.length < task.steps) curveBuffer = new Float64Array(task.steps);
  const lrs = curveBuffer.subarray(0, task.steps);
  fillCurve(toFamily(schedule), 0, lrs);
  return lrs;
}

export default async function runTrial(task: TrialTask): Promise<TrialOutcome> {
  const began = performance.now();
  task.started?.postMessage(began);
  task.started?.close();
  const trainer = await trainerEntry(task.trainer.kind).load();
  const [epochs] = await trainer.train({ config: task.trainer, seed: task.seed, curves: [curveFor(task)], backend: task.backend });
  return { trialId: task.trialId, epochs, duration_ms: performance.now() - began };
}
