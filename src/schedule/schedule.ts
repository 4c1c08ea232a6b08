// A validated schedule: parameters checked once, defaults filled, and the operations that need a
// valid schedule (curves, windows, restarts, exact extremes) on one value. Building one is the only
// validation; its methods only check the window they are asked for (O(1): where a zero-length
// cycle would start is found once, here). A kind is either a cycle family (the engine's kernels,
// wasm/engine.ts) or computes its own curve (kinds/kind.ts OwnCurve: timm_cosine,
// hf_cosine_restarts, wsd, one_cycle); the methods here are the same for both.

import { ParamError, show, type Problem } from '../core/errors.js';
import { fillCurve, curveChunks as engineChunks, cycleAt, type CurveArray } from '../wasm/engine.js';
import { cycleRuns, zeroLengthCycle } from './cycles.js';
import { extremes, extremesOf, type CurvePoint } from './extremes.js';
import type { Family } from './family.js';
import { keyRef, kindOf } from './kinds/index.js';
import type { OwnCurve, ScheduleKind } from './kinds/kind.js';
import { toReferenceNames, type ScheduleInput, type ScheduleParams } from './params.js';
import { boundsProblems, validateSchedule, MAX_STEP, type CurveRequest } from './validate.js';

export class ResolvedSchedule {
  readonly params: ScheduleParams;
  readonly kind: ScheduleKind;
  /** The cycle family, or null for a kind with its own curve. */
  readonly family: Family | null;
  /** The kind's own curve, or null for a cycle family. */
  readonly own: OwnCurve | null;
  /** Where a zero-length cycle starts (cycle_mult < 1 without warmup), or null: steps from there on do not exist. */
  readonly zeroLength: { cycle: number; step: number } | null;

  constructor(input: ScheduleInput) {
    this.params = validateSchedule(input);
    this.kind = kindOf(this.params.schedule);
    this.family = this.kind.toFamily === null ? null : this.kind.toFamily(this.params);
    this.own = this.family === null ? this.kind.ownCurve!(this.params) : null;
    this.zeroLength = this.family === null ? null : zeroLengthCycle(this.family, MAX_STEP);
  }

  get name(): ScheduleParams['schedule'] {
    return this.params.schedule;
  }

  /** The reference name of the parameter that plays `part` in this kind (the floor: min_lr, or eta_min). */
  keyName(part: 'peak' | 'floor' | 'length'): string {
    return keyRef(this.kind, part) ?? part;
  }

  /** The reference's own call that reproduces it (`lrsweep show`), or null where the kind gives none. */
  nativeCall(): string | null {
    return this.kind.nativeCall?.(this.params) ?? null;
  }

  /** The lowest value the curve can take and what sets it (curve --log needs it above 0). */
  get floor(): { key: string; value: number } {
    if (this.family !== null) return { key: this.keyName('floor'), value: this.family.minLr };
    return this.own!.floor;
  }

  /** The first step that cannot be produced. */
  get end(): number {
    if (this.own !== null) return this.own.end?.step ?? MAX_STEP;
    return this.zeroLength?.step ?? MAX_STEP;
  }

  /** Whether the kind drives a momentum curve too (one_cycle with cycle_momentum). */
  get hasMomentum(): boolean {
    return this.own?.momentum != null;
  }

  /** The parameters in the reference's names (sweep files, storage), defaults filled in. */
  referenceParams(): { schedule: ScheduleParams['schedule'] } & Record<string, unknown> {
    return toReferenceNames(this.params);
  }

  /** Problems of a window of this schedule: bounds, and steps past a zero-length cycle. */
  windowProblems(request: CurveRequest): Problem[] {
    const problems = boundsProblems(request);
    const start = request.start ?? 0;
    const end = this.own?.end;
    if (problems.length === 0 && end && start + request.steps > end.step) {
      problems.push({ key: end.key, message: `${end.message}, got start=${start}, steps=${request.steps}`, ...(end.related ? { related: end.related } : {}) });
    }
    if (problems.length > 0 || this.zeroLength === null) return problems;
    if (start + request.steps > this.zeroLength.step) {
      const { cycle, step } = this.zeroLength;
      problems.push({
        key: 'cycle_mult',
        message: `cycle_mult=${this.family!.cycleMult} shrinks cycle ${cycle} to zero length at step ${step} (the reference divides by zero there), ` +
          `so only steps before ${step} exist, got start=${start}, steps=${request.steps}`,
        related: ['first_cycle_steps', 'warmup_steps'],
      });
    }
    return problems;
  }

  checkWindow(request: CurveRequest): void {
    const problems = this.windowProblems(request);
    if (problems.length > 0) throw new ParamError(problems);
  }

  /** The LRs of steps start .. start + steps - 1 (value i is the LR used for step start + i). */
  curve(request: CurveRequest & { dtype: 'f32' }): Float32Array;
  curve(request: CurveRequest): Float64Array;
  curve(request: CurveRequest): CurveArray {
    this.checkWindow(request);
    const out = request.dtype === 'f32' ? new Float32Array(request.steps) : new Float64Array(request.steps);
    this.fill(request.start ?? 0, out);
    return out;
  }

  /** Writes steps start .. start + out.length - 1 (no checks: callers check the window). */
  fill(start: number, out: CurveArray): void {
    if (this.family !== null) fillCurve(this.family, start, out);
    else this.own!.fill(start, out);
  }

  /**
   * The momentum (or Adam beta1) the reference sets at steps start .. start + steps - 1, beside
   * the LR of curve(); a ParamError for a kind (or a config) that drives none.
   */
  momentum(request: CurveRequest & { dtype: 'f32' }): Float32Array;
  momentum(request: CurveRequest): Float64Array;
  momentum(request: CurveRequest): CurveArray {
    this.checkWindow(request);
    const out = request.dtype === 'f32' ? new Float32Array(request.steps) : new Float64Array(request.steps);
    this.momentumInto(out, request.start ?? 0);
    return out;
  }

  /** Writes the momentum of steps start .. start + out.length - 1 into out (no window check). */
  momentumInto(out: CurveArray, start: number): void {
    const fill = this.own?.momentum;
    if (!fill) {
      const why = this.own === null ? `schedule ${this.name} sets no momentum` : `cycle_momentum is false`;
      throw new ParamError([{ key: 'momentum', message: `momentum needs a schedule that cycles it (one_cycle with cycle_momentum), got ${why}` }]);
    }
    fill(start, out);
  }

  /** Fills a caller's buffer (its type picks the dtype) with steps start .. start + out.length - 1. */
  into<T extends CurveArray>(out: T, start = 0): T {
    if (!(out instanceof Float64Array) && !(out instanceof Float32Array)) {
      const got = typeof out === 'object' && out !== null ? (out as object).constructor?.name ?? 'object' : show(out);
      throw new ParamError([{ key: 'out', message: `out must be a Float64Array or a Float32Array, got ${got}` }]);
    }
    this.checkWindow({ steps: out.length, start });
    this.fill(start, out);
    return out;
  }

  /** The same values in chunks of bounded size; each chunk is a view valid until the next one. */
  chunks(request: CurveRequest & { chunk?: number }): Generator<CurveArray> {
    this.checkWindow(request);
    if (this.family !== null) return engineChunks(this.family, request.start ?? 0, request.steps, request.dtype !== 'f32', request.chunk);
    return this.ownChunks(request.start ?? 0, request.steps, request.dtype === 'f32', request.chunk ?? 1 << 16, (t, out) => this.fill(t, out));
  }

  /** The momentum in chunks, as chunks() gives the LR. */
  momentumChunks(request: CurveRequest & { chunk?: number }): Generator<CurveArray> {
    this.checkWindow(request);
    this.momentumInto(new Float64Array(0), 0); // refuses a schedule without momentum before the first chunk
    return this.ownChunks(request.start ?? 0, request.steps, request.dtype === 'f32', request.chunk ?? 1 << 16, (t, out) => this.momentumInto(out, t));
  }

  private *ownChunks(start: number, steps: number, f32: boolean, chunk: number, fill: (t: number, out: CurveArray) => void): Generator<CurveArray> {
    const buffer = f32 ? new Float32Array(Math.min(chunk, steps)) : new Float64Array(Math.min(chunk, steps));
    for (let done = 0; done < steps; done += chunk) {
      const n = Math.min(chunk, steps - done);
      const view = n === buffer.length ? buffer : buffer.subarray(0, n);
      fill(start + done, view);
      yield view;
    }
  }

  /** The LR of one step. */
  lrAt(step: number): number {
    return this.curve({ start: step, steps: 1 })[0];
  }

  /** Number of the cycle holding step t (0 for the first). */
  cycleAt(step: number): number {
    this.checkWindow({ start: step, steps: 1 });
    return this.family === null ? this.own!.cycleAt(step) : cycleAt(this.family, step);
  }

  /** How many restarts (cycle starts) fall on steps start + 1 .. start + steps - 1. */
  restarts(request: CurveRequest): number {
    this.checkWindow(request);
    if (request.steps < 2) return 0;
    const start = request.start ?? 0;
    if (this.family === null) return this.own!.cycleAt(start + request.steps - 1) - this.own!.cycleAt(start);
    const family = this.family;
    // Where max_cycles ends the schedule, the cycle count moves on once more but the LR stays at
    // min_lr: that step is no restart (fit's restarts leave it out too).
    const { maxCycles } = family;
    const cycle = (t: number) => Math.min(cycleAt(family, t), maxCycles === null ? Infinity : Math.max(maxCycles - 1, 0));
    return cycle(start + request.steps - 1) - cycle(start);
  }

  /** Cycle starts below `limit`, grouped into runs of equal length (see cycles.ts). */
  cycleRuns(limit: number): ReturnType<typeof cycleRuns> {
    return this.family === null ? { runs: [], end: Infinity } : cycleRuns(this.family, limit);
  }

  /** The momentum over a window as each column's exact minimum and maximum (it moves with the LR's phases). */
  momentumExtremes(start: number, steps: number, columns: number, dtype: 'f64' | 'f32' = 'f64'): CurvePoint[] {
    this.checkWindow({ start, steps });
    this.momentumInto(new Float64Array(0), 0); // refuses a schedule without momentum
    const own = this.own!;
    return extremesOf((t, out) => own.momentum!(t, out), (a, b, limit) => own.candidates(a, b, limit), start, steps, columns, dtype);
  }

  /** The curve over a window as each column's exact minimum and maximum (see extremes.ts). */
  extremes(start: number, steps: number, columns: number, dtype: 'f64' | 'f32' = 'f64'): CurvePoint[] {
    this.checkWindow({ start, steps });
    if (this.family !== null) return extremes(this.family, start, steps, columns, dtype);
    const own = this.own!;
    return extremesOf((t, out) => own.fill(t, out), (a, b, limit) => own.candidates(a, b, limit), start, steps, columns, dtype);
  }
}

/** Validates a schedule's parameters once; throws ParamError naming every problem. */
export function resolveSchedule(input: ScheduleInput | ResolvedSchedule): ResolvedSchedule {
  return input instanceof ResolvedSchedule ? input : new ResolvedSchedule(input);
}
