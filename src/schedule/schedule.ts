// A validated schedule: parameters checked once, defaults filled, and the operations that need a
// valid schedule (curves, windows, restarts, exact extremes) on one value. Building one is the only
// validation; its methods only check the window they are asked for (O(1): where a zero-length
// cycle would start is found once, here). A kind of the cycle family computes through the
// engine (wasm/engine.ts); a kind with its own kernel (kinds/kind.ts StepKind) through
// wasm/kinds.ts, with its own end, breakpoints and cycle count.

import { ParamError, show, type Problem } from '../core/errors.js';
import { fillCurve, curveChunks as engineChunks, cycleAt, CHUNK, type CurveArray } from '../wasm/engine.js';
import { fillSteps, stepChunks, type StepKernel } from '../wasm/kinds.js';
import { cycleRuns, zeroLengthCycle } from './cycles.js';
import { extremes, type CurvePoint } from './extremes.js';
import type { Family } from './family.js';
import { keyRef, kindOf } from './kinds/index.js';
import type { ScheduleKind, StepKind } from './kinds/kind.js';
import { stepExtremes } from './step-extremes.js';
import { toReferenceNames, type ScheduleInput, type ScheduleParams } from './params.js';
import { boundsProblems, validateSchedule, MAX_STEP, type CurveRequest } from './validate.js';

export class ResolvedSchedule {
  readonly params: ScheduleParams;
  readonly kind: ScheduleKind;
  /** The engine's family; null for a kind with its own kernel (`steps`). */
  private readonly cycleFamily: Family | null;
  /** Where a zero-length cycle starts (cycle_mult < 1 without warmup), or null: steps from there on do not exist. */
  readonly zeroLength: { cycle: number; step: number } | null;
  private readonly own: { steps: StepKind<unknown>; kernel: StepKernel; end: ReturnType<StepKind<unknown>['end']> } | null;

  constructor(input: ScheduleInput) {
    this.params = validateSchedule(input);
    this.kind = kindOf(this.params.schedule);
    if (this.kind.toFamily) {
      this.cycleFamily = this.kind.toFamily(this.params);
      this.zeroLength = zeroLengthCycle(this.cycleFamily, MAX_STEP);
      this.own = null;
    } else {
      const steps = this.kind.steps as StepKind<unknown>;
      this.cycleFamily = null;
      this.zeroLength = null;
      this.own = { steps, kernel: steps.kernel(this.params), end: steps.end(this.params) };
    }
  }

  /** The engine's family (callers that need one: fit, the family's lints). Throws for a kind with its own kernel. */
  get family(): Family {
    if (this.cycleFamily === null) throw new Error(`${this.name} is computed by its own kernel, not the cycle family`);
    return this.cycleFamily;
  }

  /** Whether the engine's cycle family computes it (else the kind's own kernel). */
  get inFamily(): boolean {
    return this.cycleFamily !== null;
  }

  get name(): ScheduleParams['schedule'] {
    return this.params.schedule;
  }

  /** The reference name of the parameter that plays `part` in this kind (the floor: min_lr, or eta_min; '' where none). */
  keyName(part: 'peak' | 'floor' | 'length'): string {
    return keyRef(this.kind, part) ?? '';
  }

  /** The LR the schedule settles at (min_lr, eta_min, 0...): what a log axis must stay above. */
  get floor(): number {
    return this.own ? this.own.steps.floor(this.params) : this.family.minLr;
  }

  /** The first step that cannot be produced. */
  get end(): number {
    return this.own ? this.own.end?.step ?? MAX_STEP : this.zeroLength?.step ?? MAX_STEP;
  }

  /** The parameters in the reference's names (sweep files, storage), defaults filled in. */
  referenceParams(): { schedule: ScheduleParams['schedule'] } & Record<string, unknown> {
    return toReferenceNames(this.params);
  }

  /** The reference's own call that reproduces it (`lrsweep show`), or null where the kind gives none. */
  nativeCall(): string | null {
    return this.kind.nativeCall?.(this.params) ?? null;
  }

  /** Problems of a window of this schedule: bounds, and steps past a zero-length cycle (or the kind's end). */
  windowProblems(request: CurveRequest): Problem[] {
    const problems = boundsProblems(request);
    if (problems.length > 0) return problems;
    const start = request.start ?? 0;
    if (this.own) {
      const end = this.own.end;
      if (end !== null && start + request.steps > end.step) {
        problems.push({ key: end.key, message: `${end.message}, got start=${start}, steps=${request.steps}`, ...(end.related ? { related: end.related } : {}) });
      }
      return problems;
    }
    if (this.zeroLength === null) return problems;
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

  /** Fills out with steps start .. start + out.length - 1, unchecked (the callers check the window). */
  fill(start: number, out: CurveArray): void {
    if (this.own) fillSteps(this.own.kernel, start, out);
    else fillCurve(this.family, start, out);
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
    const wide = request.dtype !== 'f32';
    if (this.own) return stepChunks(this.own.kernel, request.start ?? 0, request.steps, wide, request.chunk ?? CHUNK);
    return engineChunks(this.family, request.start ?? 0, request.steps, wide, request.chunk);
  }

  /** The LR of one step. */
  lrAt(step: number): number {
    return this.curve({ start: step, steps: 1 })[0];
  }

  /** Number of the cycle holding step t (0 for the first). */
  cycleAt(step: number): number {
    this.checkWindow({ start: step, steps: 1 });
    return this.own ? this.own.steps.cycleAt(this.params, step) : cycleAt(this.family, step);
  }

  /** How many restarts (cycle starts) fall on steps start + 1 .. start + steps - 1. */
  restarts(request: CurveRequest): number {
    this.checkWindow(request);
    if (request.steps < 2) return 0;
    const start = request.start ?? 0;
    if (this.own) {
      const own = this.own.steps;
      return own.cycleAt(this.params, start + request.steps - 1) - own.cycleAt(this.params, start);
    }
    // Where max_cycles ends the schedule, the cycle count moves on once more but the LR stays at
    // min_lr: that step is no restart (fit's restarts leave it out too).
    const family = this.family;
    const { maxCycles } = family;
    const cycle = (t: number) => Math.min(cycleAt(family, t), maxCycles === null ? Infinity : Math.max(maxCycles - 1, 0));
    return cycle(start + request.steps - 1) - cycle(start);
  }

  /** Cycle starts below `limit`, grouped into runs of equal length (see cycles.ts); the family's kinds only. */
  cycleRuns(limit: number): ReturnType<typeof cycleRuns> {
    return cycleRuns(this.family, limit);
  }

  /** The curve over a window as each column's exact minimum and maximum (see extremes.ts). */
  extremes(start: number, steps: number, columns: number, dtype: 'f64' | 'f32' = 'f64'): CurvePoint[] {
    this.checkWindow({ start, steps });
    if (this.own) {
      const { steps: own, kernel } = this.own;
      return stepExtremes((t, out) => fillSteps(kernel, t, out), (a, b, limit) => own.breakpoints(this.params, a, b, limit), start, steps, columns, dtype);
    }
    return extremes(this.family, start, steps, columns, dtype);
  }
}

/** Validates a schedule's parameters once; throws ParamError naming every problem. */
export function resolveSchedule(input: ScheduleInput | ResolvedSchedule): ResolvedSchedule {
  return input instanceof ResolvedSchedule ? input : new ResolvedSchedule(input);
}
