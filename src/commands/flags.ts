// Shared flag helpers: numbers are parsed here so a bad value is reported as the user typed it.

import { UsageError, show } from '../errors.js';

/** A yargs coerce function for a numeric flag. */
export function numberFlag(flag: string) {
  return (raw: unknown): number | undefined => {
    if (raw === undefined) return undefined;
    if (Array.isArray(raw)) throw new UsageError(`--${flag} is given ${raw.length} times; give it once`);
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
    if (Number.isNaN(n)) throw new UsageError(`--${flag} must be a number, got ${show(raw)}`);
    return n;
  };
}

/** A yargs coerce function for an integer flag with a lower bound. */
export function intFlag(flag: string, min: number) {
  const parse = numberFlag(flag);
  return (raw: unknown): number | undefined => {
    const n = parse(raw);
    if (n !== undefined && !(Number.isInteger(n) && n >= min)) throw new UsageError(`--${flag} must be an integer >= ${min}, got ${n}`);
    return n;
  };
}
