// A seeded bijection on [0, n) that never builds the list: a balanced Feistel network on the
// smallest even number of bits that covers n, walked in cycles until the value lands below n
// (cycle walking, Black & Rogaway, "Ciphers with arbitrary finite domains", 2002). The network is
// a permutation of [0, 4^h) whatever its round function, so cycle walking is one of [0, n); the
// domain is less than 4n, so under 4 rounds of the network per index on average. Position i and
// its inverse each cost O(1): a 10^9-config grid gives its first 1,000 shuffled configs at once.
// n is at most 2^52 (two 26-bit halves: every value an exact double).

import { sha256 } from '../hash.js';

/** The largest domain shuffled: halves of 26 bits keep every intermediate an exact integer. */
export const MAX_SHUFFLED = 2 ** 52;

const ROUNDS = 6;

/** murmur3's 32-bit finalizer: every input bit flips each output bit with probability about 1/2. */
function mix(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

export interface Shuffle {
  readonly size: number;
  /** The value at position i of the shuffled order. */
  at(i: number): number;
  /** The position of value x in the shuffled order (at's inverse). */
  positionOf(x: number): number;
}

/** A permutation of [0, n) keyed by `key` (the same key and n give the same order everywhere). */
export function shuffle(n: number, key: string): Shuffle {
  if (!Number.isInteger(n) || n < 0 || n > MAX_SHUFFLED) throw new RangeError(`shuffle: n must be an integer from 0 to 2^52, got ${n}`);
  let bits = Math.max(2, Math.ceil(Math.log2(Math.max(n, 1))));
  while (2 ** bits < n) bits++; // log2 rounding near powers of two
  if (bits % 2 === 1) bits++;
  const half = bits / 2;
  const side = 2 ** half;
  const mask = side - 1;
  const digest = sha256(`shuffle:${key}`);
  const keys = Array.from({ length: ROUNDS }, (_, r) => digest.readUInt32LE(4 * r));
  const encrypt = (x: number) => {
    let left = Math.floor(x / side);
    let right = x % side;
    for (const k of keys) [left, right] = [right, (left ^ (mix(right ^ k) & mask)) >>> 0];
    return left * side + right;
  };
  const decrypt = (x: number) => {
    let left = Math.floor(x / side);
    let right = x % side;
    for (let r = ROUNDS - 1; r >= 0; r--) [left, right] = [(right ^ (mix(left ^ keys[r]) & mask)) >>> 0, left];
    return left * side + right;
  };
  const walk = (step: (x: number) => number, x: number, what: string) => {
    if (!(Number.isInteger(x) && x >= 0 && x < n)) throw new RangeError(`shuffle: ${what} must be an integer in [0, ${n}), got ${x}`);
    do x = step(x); while (x >= n);
    return x;
  };
  return { size: n, at: (i) => walk(encrypt, i, 'position'), positionOf: (x) => walk(decrypt, x, 'value') };
}
