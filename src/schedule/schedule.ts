// A validated schedule: parameters checked once, defaults filled, and the operations that need a
// valid schedule (curves, windows, restarts, exact extremes) on one value. Building one is the only
// validation; its methods only check the window they are asked for (O(1): where a zero-length
// cycle would start is found once, here).

import { ParamError, show, type Problem } from '../core/errors.js';
import { fillCurve, curveChunks as engineChunks, cycleAt, type CurveArray } from '../wasm/engine.js';
import { cycleRuns, zeroLengthCycle } from './cycles.js';
import { extremes, type CurvePoint } from './extremes.js';
import type { Family } from './family.js';
import { keyRef, kindOf } from './kinds/index.js';
import type { ScheduleKind } from './kinds/kind.js';
import { toReferenceNames, type ScheduleInput, type ScheduleParams } from './params.js';
import { boundsProblems, validateSchedule, MAX_STEP, type CurveRequest } from './validate.js';

export class ResolvedSchedule {
  readonly params: ScheduleParams;
  readonly kind: ScheduleKind;
  readonly family: Family;
  /** Where a zero-length cycle starts (cycle_mult < 1 without warmup), or null: steps from there on do not exist. */
  readonly zeroLength: { cycle: number; step: number } | null;

  constructor(input: ScheduleInput) {
    this.params = validateSchedule(input);
    this.kind = kindOf(this.params.schedule);
    this.family = this.kind.toFamily(this.params);
    this.zeroLength = zeroLengthCycle(this.family, MAX_STEP);
  }

  get name(): ScheduleParams['schedule'] {
    return this.params.schedule;
  }

  /** The reference name of the parameter that plays `part` in this kind (the floor: min_lr, or eta_min). */
  keyName(part: 'peak' | 'floor' | 'length'): string {
    return keyRef(this.kind, part)!;
  }

  /** The first step that cannot be produced. */
  get end(): number {
    return this.zeroLength?.step ?? MAX_STEP;
  }

  /** The parameters in the reference's names (sweep files, storage), defaults filled in. */
  referenceParams(): { schedule: ScheduleParams['schedule'] } & Record<string, unknown> {
    return toReferenceNames(this.params);
  }

  /** Problems of a window of this schedule: bounds, and steps past a zero-length cycle. */
  windowProblems(request: CurveRequest): Problem[] {
    const problems = boundsProblems(request);
    if (problems.length > 0 || this.zeroLength === null) return problems;
    const start = request.start ?? 0;
    if (start + request.steps > this.zeroLength.step) {
      const { cycle, step } = this.zeroLength;
      problems.push({
        key: 'cycle_mult',
        message: `cycle_mult=${this.family.cycleMult} shrinks cycle ${cycle} to zero length at step ${step} (the reference divides by zero there), ` +
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
    fillCurve(this.family, request.start ?? 0, out);
    return out;
  }

  /** Fills a caller's buffer (its type picks the dtype) with steps start .. start + out.length - 1. */
  into<T extends CurveArray>(out: T, start = 0): T {
    if (!(out instanceof Float64Array) && !(out instanceof Float32Array)) {
      const got = typeof out === 'object' && out !== null ? (out as object).constructor?.name ?? 'object' : show(out);
      throw new ParamError([{ key: 'out', message: `out must be a Float64Array or a Float32Array, got ${got}` }]);
    }
    this.checkWindow({ steps: out.length, start });
    fillCurve(this.family, start, out);
    return out;
  }

  /** The same values in chunks of bounded size; each chunk is a view valid until the next one. */
  chunks(request: CurveRequest & { chunk?: number }): Generator<CurveArray> {
    this.checkWindow(request);
    return engineChunks(this.family, request.start ?? 0, request.steps, request.dtype !== 'f32', request.chunk);
  }

  /** The LR of one step. */
  lrAt(step: number): number {
    return this.curve({ start: step, steps: 1 })[0];
  }

  /** Number of the cycle holding step t (0 for the first). */
  cycleAt(step: number): number {
    this.checkWindow({ start: step, steps: 1 });
    return cycleAt(this.family, step);
  }

  /** How many restarts (cycle starts) fall on steps start + 1 .. start + steps - 1. */
  restarts(request: CurveRequest): number {
    this.checkWindow(request);
    if (request.steps < 2) return 0;
    const start = request.start ?? 0;
    // Where max_cycles ends the schedule, the cycle count moves on once more but the LR stays at
    // min_lr: that step is no restart (fit's restarts leave it out too).
    const { maxCycles } = this.family;
    const cycle = (t: number) => Math.min(cycleAt(this.family, t), maxCycles === null ? Infinity : Math.max(maxCycles - 1, 0));
    return cycle(start + request.steps - 1) - cycle(start);
  }

  /** Cycle starts below `limit`, grouped into runs of equal length (see cycles.ts). */
  cycleRuns(limit: number): ReturnType<typeof cycleRuns> {
    return cycleRuns(this.family, limit);
  }

  /** The curve over a window as each column's exact minimum and maximum (see extremes.ts). */
  extremes(start: number, steps: number, columns: number): CurvePoint[] {
    this.checkWindow({ start, steps });
    return extremes(this.family, start, steps, columns);
  }
}

/** Validates a schedule's parameters once; throws ParamError naming every problem. */
export function resolveSchedule(input: ScheduleInput | ResolvedSchedule): ResolvedSchedule {
  return input instanceof ResolvedSchedule ? input : new ResolvedSchedule(input);
}
