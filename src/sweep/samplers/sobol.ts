// sobol: a scrambled Sobol sequence (a low-discrepancy sequence: its first 2^k points are
// balanced, each of the 2^k equal bins of each dimension holding exactly one), one dimension per
// varied parameter in name order, mapped onto each range as random maps a uniform draw (valueAt:
// log scale, integers, values lists). Points are in Gray-code order, as scipy.stats.qmc.Sobol
// gives them; direction numbers from Joe & Kuo (sobol-directions.ts), 32-bit digits, at most 2^31
// points and 32 parameters.
// Scrambling (scramble: true, the default) is scipy's default: a linear matrix scramble (each
// dimension's direction numbers multiplied by a random lower-triangular binary matrix with a unit
// diagonal: Matousek's affine scramble, Owen-style) followed by a random digital shift (XOR), both
// drawn from the sweep's seed. Both keep the balance of the first 2^k points; scrambling removes
// the unscrambled sequence's point at 0 and its alignment on dyadic fractions.
// `trials` counts configs: a point that planning drops (constraints, a duplicate of an earlier
// config after integers and values lists round it) is redrawn by continuing the sequence, so the
// balance holds for the points drawn, before any is dropped.

import { mulberry32 } from '../../core/random.js';
import { rules } from '../../core/rules.js';
import type { Sweep } from '../definition.js';
import { sha256 } from '../hash.js';
import { baseConfig, valueAt, type Draw } from './draw.js';
import type { SamplerEntry } from './sampler.js';
import { JOE_KUO } from './sobol-directions.js';

/** Bits per coordinate: points are integers below 2^32, divided by 2^32. */
const BITS = 32;
export const MAX_SOBOL_DIMENSIONS = JOE_KUO.length + 1;

/** The 32 direction integers of a dimension (0-based), bit 31 the first binary digit. */
function directions(dimension: number): Uint32Array {
  const v = new Uint32Array(BITS);
  if (dimension === 0) {
    for (let k = 0; k < BITS; k++) v[k] = 2 ** (BITS - 1 - k);
    return v;
  }
  const [s, a, initial] = JOE_KUO[dimension - 1];
  const m = new Array<number>(BITS + 1);
  for (let k = 1; k <= s; k++) m[k] = initial[k - 1];
  for (let k = s + 1; k <= BITS; k++) {
    let next = m[k - s] ^ (m[k - s] * 2 ** s);
    for (let i = 1; i < s; i++) if ((a >> (s - 1 - i)) & 1) next ^= m[k - i] * 2 ** i;
    m[k] = next >>> 0; // m_k < 2^k: exact up to k = 32
  }
  for (let k = 1; k <= BITS; k++) v[k - 1] = (m[k] * 2 ** (BITS - k)) >>> 0;
  return v;
}

function parity(x: number): number {
  x ^= x >>> 16;
  x ^= x >>> 8;
  x ^= x >>> 4;
  x ^= x >>> 2;
  x ^= x >>> 1;
  return x & 1;
}

/** A random lower-triangular binary matrix with a unit diagonal, as one row mask per output digit (first digit first). */
function lowerTriangular(random: () => number): Uint32Array {
  const rows = new Uint32Array(BITS);
  for (let r = 0; r < BITS; r++) {
    const digit = 2 ** (BITS - 1 - r);
    const above = (2 ** BITS - digit * 2); // the digits before digit r (more significant)
    rows[r] = ((Math.floor(random() * 2 ** BITS) & above) | digit) >>> 0;
  }
  return rows;
}

function multiply(rows: Uint32Array, x: number): number {
  let y = 0;
  for (let r = 0; r < BITS; r++) if (parity(x & rows[r])) y += 2 ** (BITS - 1 - r);
  return y;
}

/** Sobol points as 32-bit integers (divide by 2^32 for [0, 1)), lazily, from point 0. */
export function* sobolPoints(dimensions: number, scramble: { seed: number } | null): Generator<Uint32Array> {
  if (dimensions > MAX_SOBOL_DIMENSIONS) throw new RangeError(`sobol: at most ${MAX_SOBOL_DIMENSIONS} dimensions, got ${dimensions}`);
  const v = Array.from({ length: dimensions }, (_, d) => directions(d));
  const x = new Uint32Array(dimensions);
  if (scramble) {
    const random = mulberry32(sha256(`sobol:${scramble.seed}`).readUInt32LE(0));
    for (let d = 0; d < dimensions; d++) {
      const rows = lowerTriangular(random);
      for (let k = 0; k < BITS; k++) v[d][k] = multiply(rows, v[d][k]);
      x[d] = Math.floor(random() * 2 ** BITS); // the digital shift is point 0
    }
  }
  yield x.slice();
  for (let n = 1; n < 2 ** 31; n++) { // 2^31 points, far past MAX_TRIALS
    const k = 31 - Math.clz32(n & -n); // point n = point n-1 XOR the direction of n's lowest set bit
    for (let d = 0; d < dimensions; d++) x[d] ^= v[d][k];
    yield x.slice();
  }
}

function* draws(sweep: Sweep, scramble: boolean): Generator<Draw> {
  const keys = Object.keys(sweep.parameters).sort();
  for (const point of sobolPoints(keys.length, scramble ? { seed: sweep.seed } : null)) {
    const config = baseConfig(sweep);
    const origin: Record<string, number> = {};
    keys.forEach((k, d) => {
      config[k] = valueAt(sweep.parameters[k], point[d] / 2 ** BITS);
      origin[k] = -1;
    });
    yield { config, origin };
  }
}

export const sobol: SamplerEntry = {
  name: 'sobol',
  summary: 'a scrambled Sobol sequence: the first 2^k points balanced over every range',
  options: {
    scramble: { default: true, rule: rules.bool, help: 'a seeded linear matrix scramble and digital shift (false: the plain sequence, from the point 0)' },
  },
  ranges: true,
  trials: 'required',
  check: (sweep) => {
    const n = Object.keys(sweep.parameters).length;
    return n > MAX_SOBOL_DIMENSIONS ? [{ path: 'parameters', message: `method sobol varies at most ${MAX_SOBOL_DIMENSIONS} parameters (the direction numbers it carries), got ${n}` }] : [];
  },
  create: (sweep, method) => ({ adaptive: false, redraws: true, count: () => sweep.trials ?? 0, draws: () => draws(sweep, method.scramble !== false) }),
};
