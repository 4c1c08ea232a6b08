// The executor for command trainers: each unit (always one trial) runs the user's program in its
// own process group (train/command/run.ts), at most `slots` at once, from this thread: no worker
// threads and no tfjs in the runner. Slots are numbered 0 .. slots-1 and a trial keeps its slot
// while it runs, so a program can map LRSWEEP_WORKER_SLOT to a GPU.

import { UnitStopped, UnitTimeout, type Executor, type RunningUnit } from './executor.js';
import type { UnitEvent, WorkUnit } from './messages.js';
import { cleanTrialDir, commandOutcome, runCommandTrial, trialDir, trialFiles, type CommandTrainerOptions } from '../train/command/index.js';

export interface CommandExecutorOptions {
  options: CommandTrainerOptions;
  slots: number;
  /** Where trial directories live: <root>/<sweep>/<trial number>/. */
  root: string;
  /** Per-trial limit in seconds; null for none. */
  trialTimeout: number | null;
  objective: string;
}

export class CommandExecutor implements Executor {
  readonly slots: number;
  private readonly free: number[];
  private readonly running = new Set<AbortController>();

  constructor(private readonly o: CommandExecutorOptions) {
    this.slots = o.slots;
    this.free = Array.from({ length: o.slots }, (_, i) => o.slots - 1 - i); // pop() hands out 0 first
  }

  start(unit: WorkUnit, onEvent: (e: UnitEvent) => void): RunningUnit {
    if (unit.members.length !== 1) throw new Error(`a command trial runs alone, got a unit of ${unit.members.length}`);
    const controller = new AbortController();
    const member = unit.members[0];
    const stop = (reason: string) => controller.abort(new UnitStopped(reason));
    // A command trial runs alone: its only member's stop (a pruner's) ends it as a stop does,
    // SIGTERM then SIGKILL after kill_grace, and the run waits until its process group is gone.
    const running: RunningUnit = { done: Promise.resolve(), stop, stopMember: (_member, reason) => stop(reason) };
    this.running.add(controller);
    running.done = (async () => {
      // The dispatcher keeps at most `slots` units running at once plus one queued behind each:
      // a queued unit waits here for a slot.
      const slot = await this.takeSlot(controller.signal);
      const dir = trialDir(this.o.root, unit.sweep, member.number);
      try {
        const result = await runCommandTrial(this.o.options, {
          sweep: unit.sweep, number: member.number, attempt: member.attempt, repeat: member.repeat, seed: unit.seed,
          steps: unit.steps, params: member.params, dir, slot, curve: member.curve,
        }, {
          signal: controller.signal,
          timeoutMs: this.o.trialTimeout === null ? undefined : this.o.trialTimeout * 1000,
          onSpawn: (process) => onEvent({ type: 'started', process: { ...process }, details: { log: trialFiles({ dir, attempt: member.attempt }).logPath } }),
          onPoint: (p) => onEvent({ type: 'point', member: 0, point: { epoch: p.epoch, step: p.step, values: p.values } }),
        });
        const outcome = commandOutcome(result, this.o.objective);
        if (outcome.state === 'complete') {
          cleanTrialDir(dir, this.o.options.cleanup);
          return;
        }
        const reason = `${outcome.reason} (log: ${result.logPath})`;
        if (outcome.state === 'interrupted') throw controller.signal.reason instanceof Error ? controller.signal.reason : new UnitStopped(reason);
        throw result.stopped === 'timeout' ? new UnitTimeout(`trial_timeout: ${reason}`) : new Error(reason);
      } finally {
        this.free.push(slot);
        this.wake();
      }
    })().finally(() => this.running.delete(controller));
    return running;
  }

  private readonly waiters = new Set<() => void>();

  /** A slot came free: every waiter looks again (at most `slots` wait, so this stays cheap). */
  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  private async takeSlot(signal: AbortSignal): Promise<number> {
    while (this.free.length === 0) {
      if (signal.aborted) throw signal.reason;
      await new Promise<void>((resolve) => {
        const done = () => {
          this.waiters.delete(done);
          signal.removeEventListener('abort', done);
          resolve();
        };
        this.waiters.add(done);
        signal.addEventListener('abort', done, { once: true });
      });
    }
    if (signal.aborted) throw signal.reason;
    return this.free.pop()!;
  }

  stopAll(): void {
    for (const c of this.running) c.abort(new UnitStopped('interrupted: the run was stopped'));
  }

  async close(): Promise<void> {
    // Nothing to tear down: every unit has ended by the time the run closes its executor.
  }
}
