// What both backends share for the import path (`lrsweep copy`): metric rows grouped back into
// points per attempt, and the error when two stores number a sweep's trials differently.

import type { MetricPoint } from '../core/trial.js';
import { ImportConflictError, type AttemptPoint, type ImportedTrial } from './types.js';

/** A row of the long-format metrics table (SQLite keeps NaN as NULL: NULL reads back as NaN). */
export interface MetricRow {
  trial_id: number;
  attempt: number;
  seq: number;
  epoch: number | null;
  step: number | null;
  name: string;
  value: number | null;
}

/** Rows ordered by trial, attempt and seq -> each trial's points, one per (attempt, seq). */
export function groupPoints(trialIds: number[], rows: MetricRow[]): Map<number, AttemptPoint[]> {
  const out = new Map<number, AttemptPoint[]>(trialIds.map((id) => [id, []]));
  let last: { id: number; p: AttemptPoint } | null = null;
  for (const r of rows) {
    if (!last || last.id !== r.trial_id || last.p.attempt !== r.attempt || last.p.seq !== r.seq) {
      const point: MetricPoint = { epoch: r.epoch, step: r.step, values: {} };
      last = { id: r.trial_id, p: { attempt: r.attempt, seq: r.seq, point } };
      out.get(r.trial_id)!.push(last.p);
    }
    last.p.point.values[r.name] = r.value ?? Number.NaN;
  }
  return out;
}

const config = (hash: string, repeat: number) => `config ${hash.slice(0, 12)} repeat ${repeat}`;

/**
 * The copy's trial cannot keep its number here: the number belongs to another config (here), or
 * the config is here under another number (hereNumber).
 */
export function numberingConflict(where: string, t: ImportedTrial, hash: string, repeat: number, hereNumber?: number): ImportConflictError {
  const here = hereNumber === undefined ? `trial ${t.number} is ${config(hash, repeat)}` : `${config(hash, repeat)} is trial ${hereNumber}`;
  return new ImportConflictError(
    `${where} numbers this sweep's trials differently from the copy (there ${here}; in the copy trial ${t.number} is ${config(t.configHash, t.repeat)}): copy into another database`);
}
