// What the parts of the serve loop share (index.ts runs the loop): the options it was given, the
// sweeps it serves and their sessions, and the serving machine's own state. Types only, so every
// part can import them without a circle.

import type { StateCounts } from '../../core/trial.js';
import type { RunRecord, Storage, SweepRecord, TrialQueue } from '../../storage/types.js';
import type { Backend } from '../../train/backend.js';
import type { Sweep } from '../definition.js';
import type { Dispatcher } from '../dispatch.js';
import type { Reached } from '../progress.js';
import type { LoadedSweep } from '../file.js';
import type { RowCheck } from '../plan-check.js';
import type { QueueSource } from '../source.js';
import type { RunTally } from '../tally.js';
import type { PruneCheckFactory } from '../prune-hook.js';
import type { Training } from '../training.js';

/** A sweep this machine may work on: its file here, and the sweep as stored (checked equal by the caller). */
export interface ServedSweep {
  loaded: LoadedSweep;
  sweep: Sweep;
  record: SweepRecord;
  hash: string | null;
}

export interface ServeOptions {
  workers: number;
  backend: Backend;
  /** Keep waiting for work when there is none, until stopped. */
  wait: boolean;
  signal?: AbortSignal;
  trialsDir?: string;
  onNotice?: (message: string) => void;
  /** After each recorded batch, and after each pass over the sweeps. */
  onProgress?: (sweep: string, p: SweepProgress) => void;
  /** With wait: sweeps this machine may serve that were registered since (called on idle passes). */
  discover?: () => Promise<ServedSweep[]>;
  /** Counts how the trials this command started ended, over every sweep (dispatch.ts RunTally). */
  tally?: RunTally;
  /** Builds each sweep's prune check when its session opens (prune-hook.ts); none by default. */
  prune?: PruneCheckFactory;
}

export interface SweepProgress {
  counts: StateCounts;
  /** How far its trials in training here have got (dispatch.ts). */
  reached: Reached;
  /** Their steps not yet in counts (Dispatcher.stepsInFlight: 0 with none in training, null when not countable); other workers' are not known here. */
  stepsInFlight: number | null;
  /** The steps of one of its trials (progress.ts stepProgress). */
  stepsPerTrial: number;
  /** Trials this worker ended (complete, diverged, pruned or failed). */
  ranHere: number;
  bestTrial: number | null;
}

export interface ServedReport {
  sweep: string;
  /** The last run this worker opened for the sweep (-1: none). */
  runId: number;
  ranHere: number;
  counts: StateCounts;
  cancelled: boolean;
  /** Why this worker stopped serving it (its files no longer match, or a trial row was edited), in a sentence, or null. */
  refused: string | null;
  /** A predict sweep: the law's fit and its shortlist's ranks, as `run` prints them (predict-report.ts). */
  predict?: string[];
}

/** One run of a sweep on this worker (session.ts): it ends at cancel, at a lapsed lease, at a refusal, or at the end. */
export interface Session {
  runId: number;
  source: QueueSource;
  dispatcher: Dispatcher;
  /** Its run was found dead by another worker: its trials are theirs now. */
  lapsed: boolean;
  /** Being closed: a heartbeat that finds its run ended is not a lapse. */
  closing: boolean;
}

/** A sweep as this machine serves it (served-sweep.ts). */
export interface Serving {
  item: ServedSweep;
  training: Training | null;
  counts: StateCounts;
  best: number | null;
  ran: number;
  lastRunId: number;
  session: Session | null;
  /** serving; cancelled (`lrsweep cancel`, until it is run again); refused (this machine's files no longer match). */
  state: 'serving' | 'cancelled' | 'refused';
  /** Why it is refused, in a sentence. */
  refusal: string | null;
  /** Whether a trial row is the one this machine's file plans (plan-check.ts), made when a run first opens. */
  rowCheck?: RowCheck;
  /** A trial row of the sweep is not what this file plans though the definitions match: refused for good. */
  untrusted?: boolean;
}

/** The serving machine: what every part reads, and the little state they share. */
export interface Machine {
  readonly storage: Storage;
  readonly queue: TrialQueue;
  readonly o: ServeOptions;
  /** The sweeps served, in the order they were added. */
  readonly serving: Serving[];
  /** The runs this machine opened and has not ended. */
  readonly own: Set<number>;
  /** Whether a run is alive (liveness.ts), this machine's own runs counted alive. */
  readonly alive: (run: RunRecord) => boolean;
  /** Sweeps whose leftover process groups are being ended in the background (upkeep.ts). */
  readonly ending: Set<number>;
  /** Stopped (the signal, or a failure): no more work is taken. */
  stopped: boolean;
  /** The heartbeat in flight, if any (heartbeat.ts): closing a session waits for it. */
  beating: Promise<void> | null;
}
