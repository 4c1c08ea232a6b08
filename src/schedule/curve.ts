// The library's curve API: validate, then let the WASM engine produce the values.

import { fillCurve, curveChunks as engineChunks, cycleAt, type CurveArray } from '../wasm/engine.js';
import { toFamily, type ScheduleInput } from './params.js';
import { resolveSchedule, validateRequest, type CurveRequest } from './validate.js';
import { ParamError, show } from '../errors.js';

/**
 * The learning rates of training steps start .. start + steps - 1: value i is the LR used for
 * step start + i, exactly as the reference's step() loop produces it (see README: Exactness).
 * Throws ParamError, naming the parameter, the rule and the value, before any work.
 */
export function curve(params: ScheduleInput, request: CurveRequest & { dtype: 'f32' }): Float32Array;
export function curve(params: ScheduleInput, request: CurveRequest): Float64Array;
export function curve(params: ScheduleInput, request: CurveRequest): CurveArray {
  const schedule = resolveSchedule(params);
  validateRequest(schedule, request);
  const out = request.dtype === 'f32' ? new Float32Array(request.steps) : new Float64Array(request.steps);
  fillCurve(toFamily(schedule), request.start ?? 0, out);
  return out;
}

/**
 * The values of steps start .. start + out.length - 1, written into the caller's array (its type
 * picks the dtype), as curve() would return them; returns out. For callers that reuse a buffer:
 * no allocation per call. Throws ParamError like curve(), and for an out of any other type.
 */
export function curveInto<T extends CurveArray>(params: ScheduleInput, out: T, options: { start?: number } = {}): T {
  if (!(out instanceof Float64Array) && !(out instanceof Float32Array)) {
    const got = typeof out === 'object' && out !== null ? (out as object).constructor?.name ?? 'object' : show(out);
    throw new ParamError([{ key: 'out', message: `out must be a Float64Array or a Float32Array, got ${got}` }]);
  }
  const schedule = resolveSchedule(params);
  const start = options.start ?? 0;
  validateRequest(schedule, { steps: out.length, start, dtype: out instanceof Float32Array ? 'f32' : 'f64' });
  fillCurve(toFamily(schedule), start, out);
  return out;
}

/**
 * The same values in chunks of bounded size, for curves longer than memory (10^8 steps and
 * more). Each chunk is a view that is valid until the next iteration: copy what you keep.
 */
export function curveChunks(params: ScheduleInput, request: CurveRequest & { chunk?: number }): Generator<CurveArray> {
  const schedule = resolveSchedule(params);
  validateRequest(schedule, request);
  return engineChunks(toFamily(schedule), request.start ?? 0, request.steps, request.dtype !== 'f32', request.chunk);
}

/** How many restarts (cycle starts) fall on steps start + 1 .. start + steps - 1. */
export function countRestarts(params: ScheduleInput, request: CurveRequest): number {
  const schedule = resolveSchedule(params);
  validateRequest(schedule, request);
  if (request.steps < 2) return 0;
  const start = request.start ?? 0;
  const f = toFamily(schedule);
  return cycleAt(f, start + request.steps - 1) - cycleAt(f, start);
}
