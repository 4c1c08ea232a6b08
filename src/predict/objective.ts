// The fit's objective: the repository's Huber loss (δ = 1e-3) on log-loss residuals, over every
// window of every run, the law averaged over each window; with its gradient in log parameters.
//
// Exact window means cost O(T^2) a run per evaluation, too slow for hundreds of evaluations from
// several starts. So LD's sum is blocked: steps are grouped in blocks of `block` steps, and within
// a block each run of falls and each run of rises of the LR is one event (the net fall or rise, at
// the |gap|-weighted mean position and LR: a restart's jump stays a rise at its own step); the
// block a sample step lies in and the EXACT_BLOCKS − 1 before it are summed exactly. A window's mean is the law at evenly spaced
// sample steps, about one a block. With block = 1 this is the exact law at every step
// (test/predict/law.test.ts checks the blocked values against lossAt).

import type { LawCurve } from './law.js';
import type { LossWindow } from './windows.js';

export const HUBER_DELTA = 1e-3;

/**
 * A sample's own block and the blocks just before it are summed exactly: there S_k(t) is small and
 * varies by a large factor within a block, where one event per block was measured 0.002–0.005
 * nats off on short restart cycles; further back it varies little.
 */
export const EXACT_BLOCKS = 3;

/** The LD block length for runs of `steps` steps: about 100 blocks a run. */
export const blockFor = (steps: number): number => Math.max(1, Math.floor(steps / 100));

/** A run as the objective evaluates it. */
export interface CompiledRun {
  /** Per sample step: the sum of every LR so far (S1 + S_W), and which window it averages into. */
  total: Float64Array;
  window: Int32Array;
  /** Per sample step: its block events [eventFrom, eventTo) and its exact terms [termFrom, termTo). */
  eventTo: Int32Array;
  termFrom: Int32Array;
  termTo: Int32Array;
  /** Block events: gap (η fall, negative for a rise), position (prefix sum at the event), log η. */
  eventGap: Float64Array;
  eventPos: Float64Array;
  eventLogEta: Float64Array;
  /** Exact terms: step k's gap, prefix[k] and log η_k. */
  termGap: Float64Array;
  termPos: Float64Array;
  termLogEta: Float64Array;
  /** Per window: its observed mean loss (log) and how many sample steps it has. */
  logLoss: Float64Array;
  samples: Int32Array;
}

/** Compiles a run's windows for the objective; `block` is the LD block length in steps. */
export function compileRun(curve: LawCurve, windows: readonly LossWindow[], block: number, samplesPerWindow?: number): CompiledRun {
  const { eta, prefix, peak } = curve;
  const n = eta.length;
  const blocks = Math.ceil(n / block);
  // Block events, grouped by block: eventsBefore[j] = events in blocks < j.
  const gap: number[] = [];
  const pos: number[] = [];
  const logEta: number[] = [];
  const eventsBefore = new Int32Array(blocks + 1);
  for (let j = 0; j < blocks; j++) {
    eventsBefore[j] = gap.length;
    const lo = Math.max(j * block, peak + 1);
    const hi = Math.min((j + 1) * block, n);
    // One event per run of same-signed gaps: a restart inside a block splits the old cycle's
    // falls, the jump and the new cycle's falls (their LRs differ by up to max_lr/min_lr, and one
    // mean LR for all of them was measured up to 0.005 nats off).
    let g = 0, w = 0, p = 0, e = 0, sign = 0;
    const close = () => {
      if (w > 0) { gap.push(g); pos.push(p / w); logEta.push(e / w); }
      g = 0; w = 0; p = 0; e = 0;
    };
    for (let k = lo; k < hi; k++) {
      const d = eta[k - 1] - eta[k];
      if (d === 0) continue;
      const s = d > 0 ? 1 : -1;
      if (s !== sign) { close(); sign = s; }
      g += d; w += Math.abs(d); p += Math.abs(d) * prefix[k]; e += Math.abs(d) * Math.log(eta[k]);
    }
    close();
  }
  eventsBefore[blocks] = gap.length;
  const total: number[] = [];
  const windowOf: number[] = [];
  const eventTo: number[] = [];
  const termFrom: number[] = [];
  const termTo: number[] = [];
  const tGap: number[] = [];
  const tPos: number[] = [];
  const tLog: number[] = [];
  const samples = new Int32Array(windows.length);
  windows.forEach((win, wi) => {
    const len = win.end - win.start;
    const m = Math.min(len, samplesPerWindow ?? Math.max(1, Math.round(len / block)));
    for (let i = 0; i < m; i++) {
      const t = win.start + Math.floor(((i + 0.5) * len) / m);
      const j = Math.floor(t / block);
      total.push(prefix[t + 1]);
      windowOf.push(wi);
      const exactFrom = Math.max(0, j - EXACT_BLOCKS + 1);
      eventTo.push(eventsBefore[exactFrom]);
      termFrom.push(tGap.length);
      for (let k = Math.max(exactFrom * block, peak + 1); k <= t; k++) {
        const d = eta[k - 1] - eta[k];
        if (d === 0) continue;
        tGap.push(d); tPos.push(prefix[k]); tLog.push(Math.log(eta[k]));
      }
      termTo.push(tGap.length);
    }
    samples[wi] = m;
  });
  return {
    total: Float64Array.from(total), window: Int32Array.from(windowOf), eventTo: Int32Array.from(eventTo),
    termFrom: Int32Array.from(termFrom), termTo: Int32Array.from(termTo),
    eventGap: Float64Array.from(gap), eventPos: Float64Array.from(pos), eventLogEta: Float64Array.from(logEta),
    termGap: Float64Array.from(tGap), termPos: Float64Array.from(tPos), termLogEta: Float64Array.from(tLog),
    logLoss: Float64Array.from(windows, (w) => Math.log(w.loss)), samples,
  };
}

const huber = (r: number): number => (Math.abs(r) <= HUBER_DELTA ? 0.5 * r * r : HUBER_DELTA * (Math.abs(r) - 0.5 * HUBER_DELTA));
const huberSlope = (r: number): number => (r > HUBER_DELTA ? HUBER_DELTA : r < -HUBER_DELTA ? -HUBER_DELTA : r);

/**
 * The law's mean over each window of a run at parameters p = [L0, A, α, B, C, β, γ], written into
 * `pred`; with `dpred` (7 per window), also its derivatives in the log parameters.
 */
export function windowMeans(run: CompiledRun, p: ArrayLike<number>, pred: Float64Array, dpred: Float64Array | null): void {
  const [L0, A, alpha, B, C, beta, gamma] = p as number[];
  pred.fill(0);
  dpred?.fill(0);
  const eventFactor = new Float64Array(run.eventGap.length);
  for (let e = 0; e < eventFactor.length; e++) eventFactor[e] = Math.exp(-gamma * run.eventLogEta[e]);
  for (let s = 0; s < run.total.length; s++) {
    const S = run.total[s];
    let drop = 0, dC = 0, dBeta = 0, dGamma = 0;
    // Block events before the sample's block, then its own block's steps exactly (the same sum, unrolled for speed).
    for (let e = 0, to = run.eventTo[s]; e < to; e++) {
      const g = run.eventGap[e];
      const x = eventFactor[e] * (S - run.eventPos[e]);
      const u = 1 + C * x;
      const lu = Math.log(u);
      const P = Math.exp(-beta * lu);
      drop += g * (1 - P);
      if (dpred) {
        const common = g * beta * (P / u) * x;
        dC += common;
        dBeta += g * P * lu;
        dGamma -= common * C * run.eventLogEta[e];
      }
    }
    for (let k = run.termFrom[s], to = run.termTo[s]; k < to; k++) {
      const g = run.termGap[k];
      const x = Math.exp(-gamma * run.termLogEta[k]) * (S - run.termPos[k]);
      const u = 1 + C * x;
      const lu = Math.log(u);
      const P = Math.exp(-beta * lu);
      drop += g * (1 - P);
      if (dpred) {
        const common = g * beta * (P / u) * x;
        dC += common;
        dBeta += g * P * lu;
        dGamma -= common * C * run.termLogEta[k];
      }
    }
    const power = A * Math.pow(S, -alpha);
    const w = run.window[s];
    const inv = 1 / run.samples[w];
    pred[w] += (L0 + power - B * drop) * inv;
    if (dpred) {
      const o = w * 7;
      dpred[o] += L0 * inv;
      dpred[o + 1] += power * inv;
      dpred[o + 2] += -alpha * power * Math.log(S) * inv;
      dpred[o + 3] += -B * drop * inv;
      dpred[o + 4] += -B * C * dC * inv;
      dpred[o + 5] += -B * beta * dBeta * inv;
      dpred[o + 6] += -B * gamma * dGamma * inv;
    }
  }
}

/**
 * The objective over runs at log parameters θ: the mean Huber loss of the log residuals, divided
 * by δ (so its scale is that of a residual, about 0.01); its gradient into `grad`. Infinity where
 * the law is not positive on some window.
 */
export function objective(runs: readonly CompiledRun[], theta: Float64Array, grad: Float64Array): number {
  const p = Array.from(theta, Math.exp);
  grad.fill(0);
  let sum = 0;
  let count = 0;
  for (const run of runs) {
    const nw = run.logLoss.length;
    const pred = new Float64Array(nw);
    const dpred = new Float64Array(nw * 7);
    windowMeans(run, p, pred, dpred);
    for (let w = 0; w < nw; w++) {
      if (!(pred[w] > 0) || !Number.isFinite(pred[w])) return Infinity;
      const r = run.logLoss[w] - Math.log(pred[w]);
      sum += huber(r);
      const slope = -huberSlope(r) / pred[w];
      for (let i = 0; i < 7; i++) grad[i] += slope * dpred[w * 7 + i];
    }
    count += nw;
  }
  const scale = 1 / (HUBER_DELTA * count);
  for (let i = 0; i < 7; i++) grad[i] *= scale;
  return sum * scale;
}
