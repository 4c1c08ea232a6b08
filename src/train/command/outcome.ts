// What a command trial's result means, with a one-line reason for the trials table:
// - complete: exit code 0 and the objective's metric reported at least once (a NaN or infinite
//   report counts here; the sweep then records the trial as diverged, as for every trainer);
// - failed: could not start, a non-zero exit code, a signal, a timeout, or an exit 0 that never
//   reported the objective;
// - interrupted: the runner stopped it (Ctrl-C); it runs again when the sweep resumes.

import type { CommandResult } from './run.js';

export interface CommandOutcome {
  state: 'complete' | 'failed' | 'interrupted';
  /** null when complete. */
  reason: string | null;
}

const MAX_REASON_LINE = 300;

function lastLine(r: Pick<CommandResult, 'stderrTail'>): string {
  const line = r.stderrTail.at(-1)?.trim();
  if (!line) return '(nothing on stderr)';
  return line.length > MAX_REASON_LINE ? `${line.slice(0, MAX_REASON_LINE)}...` : line;
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(3))} s`;

export function commandOutcome(r: CommandResult, objectiveMetric: string): CommandOutcome {
  const failed = (reason: string): CommandOutcome => ({ state: 'failed', reason });
  if (r.stopped === 'abort') return { state: 'interrupted', reason: 'stopped by the runner' };
  if (r.spawnError) return failed(`cannot start ${JSON.stringify(r.argv[0])}: ${r.spawnError}`);
  if (r.stopped === 'timeout') {
    const how = r.ended?.signal === 'SIGKILL' ? 'SIGTERM, then SIGKILL: it outlived kill_grace' : 'SIGTERM';
    return failed(`timed out after ${seconds(r.timeoutMs ?? 0)}; ended with ${how}`);
  }
  if (r.signal) return failed(`killed by ${r.signal}: ${lastLine(r)}`);
  if (r.exitCode !== 0) return failed(`exit code ${r.exitCode}: ${lastLine(r)}`);
  if (!r.reported.includes(objectiveMetric)) {
    return failed(r.points.length === 0
      ? `never reported ${objectiveMetric}: no metrics line on stdout (one JSON object per line with an integer epoch or step, e.g. {"epoch": 1, "${objectiveMetric}": 0.5})`
      : `never reported ${objectiveMetric} (reported: ${r.reported.join(', ') || 'no numbers'})`);
  }
  return { state: 'complete', reason: null };
}
