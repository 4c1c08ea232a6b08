// Runs a trainer definition in this thread, as a pool worker would, and collects its reports.
import type { MetricPoint } from '../../src/core/trial.js';
import { loadTf, type Backend } from '../../src/train/backend.js';
import { usesTfjs, type Tf, type TrainerDefinition } from '../../src/train/contract.js';
import { toPoint } from '../../src/pool/thread.js';

export async function trainWith<O>(d: TrainerDefinition<O>, options: O, curve: Float64Array,
  o: { seed?: number; backend?: Backend; perStep?: boolean } = {}): Promise<MetricPoint[]> {
  const points: MetricPoint[] = [];
  const tf = usesTfjs(d, options) ? await loadTf(o.backend ?? 'wasm') : (null as unknown as Tf);
  await d.train({
    options, seed: o.seed ?? 1, curve, tf, backend: o.backend ?? 'wasm', perStep: o.perStep ?? false, signal: new AbortController().signal,
    report: (point, metrics) => points.push(toPoint(point, metrics)),
  });
  return points;
}

/** The per-epoch points as rows of metric values. */
export const epochsOf = (points: MetricPoint[]): ({ epoch: number } & Record<string, number>)[] =>
  points.filter((p) => p.epoch !== null).map((p) => ({ ...p.values, epoch: p.epoch! }));
