// The canonical config hash: sorted keys, numbers in one spelling (JSON's shortest round-trip
// text, so 2 == 2.0 and 3e6 == 3000000; -0 is 0), hashed with SHA-256. The database enforces
// one trial per (sweep, hash, repeat), so the hash is what makes resume and dedupe exact.
// crypto.hash (one call, no Hash object) takes about half the time of createHash on inputs this
// short: each trial registered costs two or three of these.

import crypto from 'node:crypto';

export function canonicalJson(value: unknown): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot hash a non-finite number: ${value}`);
    return JSON.stringify(Object.is(value, -0) ? 0 : value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** 16 hex digits (64 bits) of SHA-256 over the canonical JSON. */
export function configHash(config: unknown): string {
  return crypto.hash('sha256', canonicalJson(config), 'hex').slice(0, 16);
}

/** A trial's seed: from its config hash and repeat only, never from run order (31-bit, for tfjs). */
export function trialSeed(hash: string, repeat: number): number {
  return sha256(`${hash}:${repeat}`).readUInt32LE(0) & 0x7fffffff;
}

/** Common random numbers: repeat r of every config gets this seed (from the sweep's seeding base and r). */
export function commonSeed(base: number, repeat: number): number {
  return sha256(`common:${base}:${repeat}`).readUInt32LE(0) & 0x7fffffff;
}

/** SHA-256 of a string's UTF-8 bytes. */
export function sha256(text: string): Buffer {
  return crypto.hash('sha256', text, 'buffer');
}
