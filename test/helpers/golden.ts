// The golden vectors (test/fixtures/golden-step.json.gz: the step path, fresh start) and their tolerance.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { ScheduleInput } from '../../src/schedule/params.js';

export interface GoldenCase {
  id: string;
  impl: 'katsura' | 'torch';
  path: 'step';
  params: Record<string, number | number[]>;
  n: number;
  requested_n: number;
  lrs: number[];
  error?: { call: number; index: number; type: string; message: string };
}

export function goldenCases(): GoldenCase[] {
  const gz = readFileSync(new URL('../fixtures/golden-step.json.gz', import.meta.url));
  return JSON.parse(gunzipSync(gz).toString('utf8'));
}

/** Our parameters for a golden case. The references accept min_lr > max_lr, so we allow it. */
export function paramsOf(c: GoldenCase): ScheduleInput {
  const p = c.params as Record<string, number> & { optimizer_lrs: number[] };
  if (c.impl === 'katsura') {
    return {
      schedule: 'cawr', firstCycleSteps: p.first_cycle_steps, cycleMult: p.cycle_mult, maxLr: p.max_lr,
      minLr: p.min_lr, warmupSteps: p.warmup_steps, gamma: p.gamma, allowMinAboveMax: true,
    };
  }
  return { schedule: 'sgdr', t0: p.T_0, tMult: p.T_mult, etaMin: p.eta_min, baseLr: p.optimizer_lrs[0], allowMinAboveMax: true };
}

/** The schedule's scale S of the golden README. */
export function scaleOf(c: GoldenCase): number {
  const p = c.params as Record<string, number> & { optimizer_lrs: number[] };
  return c.impl === 'katsura' ? Math.max(Math.abs(p.max_lr), Math.abs(p.min_lr)) : Math.max(Math.abs(p.optimizer_lrs[0]), Math.abs(p.eta_min));
}

/** |got - want| <= rel * |want| + abs * S, from the golden README. */
export const F64_TOLERANCE = { rel: 1e-12, abs: 1e-14 };
/** Computed in float32 throughout. */
export const F32_TOLERANCE = { rel: 1e-6, abs: 1e-6 };

/** Index and values of the first element outside the tolerance, or null. */
export function firstMismatch(got: ArrayLike<number>, want: ArrayLike<number>, scale: number, tol = F64_TOLERANCE) {
  if (got.length !== want.length) return { index: -1, got: got.length, want: want.length };
  for (let i = 0; i < want.length; i++) {
    if (!(Math.abs(got[i] - want[i]) <= tol.rel * Math.abs(want[i]) + tol.abs * scale)) return { index: i, got: got[i], want: want[i] };
  }
  return null;
}
