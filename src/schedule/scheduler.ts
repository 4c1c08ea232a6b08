// A stateful scheduler for training loops, PyTorch style: `lr` is the LR of the current step;
// step() moves to the next one. Values come from the WASM engine a block at a time, so a step
// costs an array read. Its state is just the step number, so resuming from a state dict equals
// the fresh run exactly (unlike the reference's last_epoch= resume, which wraps one cycle per
// call and is wrong for several steps).

import type { ScheduleInput, ScheduleParams } from './params.js';
import { resolveSchedule, type ResolvedSchedule } from './schedule.js';

export interface SchedulerState {
  /** The schedule's parameters, defaults filled in. */
  params: ScheduleParams;
  /** The current step: how many times step() has been called since step 0. */
  step: number;
}

const BLOCK = 4096;

export class LrScheduler {
  private readonly schedule: ResolvedSchedule;
  private readonly block = new Float64Array(BLOCK);
  private blockStart = 0;
  private blockLength = 0;
  private current = 0;
  /** The momentum's block (one_cycle), loaded when first asked for, as the LR's. */
  private momentumBlock: Float64Array | null = null;
  private momentumStart = 0;
  private momentumLength = 0;

  constructor(params: ScheduleInput | ResolvedSchedule, options: { start?: number } = {}) {
    this.schedule = resolveSchedule(params);
    this.seek(options.start ?? 0);
  }

  /** The schedule's parameters, defaults filled in. */
  get params(): ScheduleParams {
    return this.schedule.params;
  }

  static fromStateDict(state: SchedulerState): LrScheduler {
    return new LrScheduler(state.params, { start: state.step });
  }

  /** The LR for the current step. */
  get lr(): number {
    return this.block[this.current - this.blockStart];
  }

  /** The momentum (or Adam beta1) for the current step where the schedule cycles it (one_cycle), else null. */
  get momentum(): number | null {
    if (!this.schedule.hasMomentum) return null;
    const at = this.current - this.momentumStart;
    if (this.momentumBlock === null || at < 0 || at >= this.momentumLength) {
      this.momentumBlock ??= new Float64Array(BLOCK);
      const n = Math.min(BLOCK, this.schedule.end - this.current);
      this.schedule.momentumInto(n === BLOCK ? this.momentumBlock : this.momentumBlock.subarray(0, n), this.current);
      this.momentumStart = this.current;
      this.momentumLength = n;
    }
    return this.momentumBlock[this.current - this.momentumStart];
  }

  /** The current step number (0 right after construction). */
  get stepCount(): number {
    return this.current;
  }

  /** Moves to the next step and returns its LR. */
  step(): number {
    const next = this.current + 1;
    if (next >= this.blockStart + this.blockLength) this.load(next); // throws before moving on
    this.current = next;
    return this.lr;
  }

  stateDict(): SchedulerState {
    return { params: { ...this.params }, step: this.current };
  }

  /** Restores a state: the schedule must be the same one; the step may be any step. */
  loadStateDict(state: SchedulerState): void {
    const mine = JSON.stringify(this.params);
    const theirs = JSON.stringify(resolveSchedule(state.params).params);
    if (mine !== theirs) throw new Error(`loadStateDict: the state is for another schedule: ${theirs}, this scheduler has ${mine}`);
    this.seek(state.step);
  }

  /** Jumps to any step without stepping through the ones before it. */
  seek(step: number): void {
    this.schedule.checkWindow({ start: step, steps: 1 });
    this.current = step;
    this.load(step);
  }

  private load(from: number): void {
    const n = Math.min(BLOCK, this.schedule.end - from);
    if (n <= 0) this.schedule.checkWindow({ start: from, steps: 1 }); // throws the zero-length message
    this.schedule.fill(from, n === BLOCK ? this.block : this.block.subarray(0, n));
    this.blockStart = from;
    this.blockLength = n;
  }
}
