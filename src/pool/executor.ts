// The executor contract: what the run loop (sweep/dispatch.ts) drives. Implementations: the
// thread pool for in-process trainers (pool.ts) and child processes for command trainers
// (command-executor.ts).
//
// Rules implementers keep:
// - run() resolves when the unit's training has ended and every event it produced has been
//   delivered (events never arrive after run() settles); it rejects with the unit's error (a
//   trainer that threw, a timeout as UnitTimeout, a stop as UnitStopped).
// - Events come in order per member: 'started' once, then points.
// - stop(unit) / stopAll() end units early: the trainer's signal fires, and a unit that has not
//   ended after a short grace is ended by force. Neither throws.
// - stopMember(k) stops one member of a cohort (a pruner stopped its trial): the trainer's member
//   signal k fires and its mates train on; nothing is forced (a trainer that ignores it trains the
//   member to the end, and the run loop drops its later points). A unit of one member is stopped
//   with stop(), never stopMember.

import type { UnitEvent, WorkUnit } from './messages.js';

export interface RunningUnit {
  done: Promise<void>;
  /** Ends this unit early (its members diverged): its run() rejects with UnitStopped unless it ends first. */
  stop(reason: string): void;
  /** Asks the trainer to stop member `member` alone (its mates go on); never throws. */
  stopMember(member: number, reason: string): void;
}

export interface Executor {
  /** How many units run at once. */
  readonly slots: number;
  start(unit: WorkUnit, onEvent: (e: UnitEvent) => void): RunningUnit;
  stopAll(): void;
  close(): Promise<void>;
}

export class UnitTimeout extends Error {
  override name = 'UnitTimeout';
}

export class UnitStopped extends Error {
  override name = 'UnitStopped';
}
