// The only place Piscina is constructed. One worker per core by default; a task's failure comes
// back as its promise's rejection; a timeout or a stop aborts the task (Piscina then replaces the
// worker), and the rejection says which.

import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { TrialOutcome, TrialTask } from './messages.js';

/** Compiled: worker.js beside this file. From sources: a .mjs entry that registers tsx first. */
function workerFile(): string {
  const fromSource = import.meta.url.endsWith('.ts');
  return fileURLToPath(new URL(fromSource ? './worker-tsx.mjs' : './worker.js', import.meta.url));
}

export class TrialTimeout extends Error {
  override name = 'TrialTimeout';
}
export class TrialStopped extends Error {
  override name = 'TrialStopped';
}

export interface PoolOptions {
  workers?: number;
  /** Per-trial limit in seconds; null for none. */
  trialTimeout?: number | null;
}

export function defaultWorkers(): number {
  return availableParallelism();
}

export class TrialPool {
  readonly workers: number;
  private readonly piscina: Piscina;
  private readonly timeoutMs: number | null;
  private readonly running = new Set<AbortController>();

  constructor(options: PoolOptions = {}) {
    this.workers = options.workers ?? defaultWorkers();
    this.timeoutMs = options.trialTimeout ? options.trialTimeout * 1000 : null;
    this.piscina = new Piscina({
      filename: workerFile(),
      minThreads: this.workers,
      maxThreads: this.workers,
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
      // Workers would inherit this process's flags, such as a test runner's `--import tsx`, which
      // slows every worker's start and module loads; the entry above brings what it needs.
      execArgv: [],
    });
  }

  async run(task: TrialTask): Promise<TrialOutcome> {
    const controller = new AbortController();
    this.running.add(controller);
    let timer: NodeJS.Timeout | null = null;
    let channel: MessageChannel | null = null;
    if (this.timeoutMs !== null) {
      // The limit counts from the moment a worker starts the trial, not while it waits in the queue.
      const limit = this.timeoutMs;
      channel = new MessageChannel();
      channel.port1.once('message', () => {
        timer = setTimeout(() => controller.abort(new TrialTimeout(`trial_timeout: the trial ran longer than ${limit / 1000} s`)), limit);
      });
      task = { ...task, started: channel.port2 };
    }
    try {
      const transferList = channel ? [channel.port2] : undefined;
      return (await this.piscina.run(task, { signal: controller.signal, transferList })) as TrialOutcome;
    } catch (e) {
      // Piscina rejects an aborted task with its own AbortError; report why we aborted instead.
      const reason = controller.signal.reason;
      if (controller.signal.aborted && reason instanceof Error) throw reason;
      throw e;
    } finally {
      if (timer) clearTimeout(timer);
      channel?.port1.close();
      this.running.delete(controller);
    }
  }

  /** Aborts every task in flight (their promises reject with TrialStopped). */
  stopAll(): void {
    for (const c of this.running) c.abort(new TrialStopped('interrupted: the run was stopped'));
  }

  async close(): Promise<void> {
    await this.piscina.destroy();
  }
}
