// The library's curve functions: validate once (resolveSchedule), then let the WASM engine
// produce the values. Each takes parameters or an already resolved schedule.

import type { CurveArray } from '../wasm/engine.js';
import type { ScheduleInput } from './params.js';
import { resolveSchedule, type ResolvedSchedule } from './schedule.js';
import type { CurveRequest } from './validate.js';

type Params = ScheduleInput | ResolvedSchedule;

/**
 * The learning rates of training steps start .. start + steps - 1: value i is the LR used for
 * step start + i, exactly as the reference's step() loop produces it (see README: Exactness).
 * Throws ParamError, naming the parameter, the rule and the value, before any work.
 */
export function curve(params: Params, request: CurveRequest & { dtype: 'f32' }): Float32Array;
export function curve(params: Params, request: CurveRequest): Float64Array;
export function curve(params: Params, request: CurveRequest): CurveArray {
  return resolveSchedule(params).curve(request);
}

/**
 * The values of steps start .. start + out.length - 1, written into the caller's array (its type
 * picks the dtype), as curve() would return them; returns out. For callers that reuse a buffer:
 * no allocation per call. Throws ParamError like curve(), and for an out of any other type.
 */
export function curveInto<T extends CurveArray>(params: Params, out: T, options: { start?: number } = {}): T {
  return resolveSchedule(params).into(out, options.start ?? 0);
}

/**
 * The same values in chunks of bounded size, for curves longer than memory (10^8 steps and
 * more). Each chunk is a view that is valid until the next iteration: copy what you keep.
 */
export function curveChunks(params: Params, request: CurveRequest & { chunk?: number }): Generator<CurveArray> {
  return resolveSchedule(params).chunks(request);
}

/** How many restarts (cycle starts) fall on steps start + 1 .. start + steps - 1. */
export function countRestarts(params: Params, request: CurveRequest): number {
  return resolveSchedule(params).restarts(request);
}

/**
 * The momentum (or Adam beta1) the reference sets at steps start .. start + steps - 1, beside the
 * LRs of curve(): one_cycle with cycle_momentum (torch's OneCycleLR cycles it inversely to the LR).
 * Throws ParamError (key momentum) for a schedule that sets none.
 */
export function momentumCurve(params: Params, request: CurveRequest & { dtype: 'f32' }): Float32Array;
export function momentumCurve(params: Params, request: CurveRequest): Float64Array;
export function momentumCurve(params: Params, request: CurveRequest): CurveArray {
  return resolveSchedule(params).momentum(request);
}
