// Shared flag helpers: numbers are parsed here so a bad value is reported as the user typed it.

import { UsageError, show } from '../core/errors.js';
import { prunerFlag } from '../sweep/pruners/spec.js';

/** How messages name it: `--flag`, or a positional argument as the usage line shows it (TRIAL). */
const named = (flag: string) => (/^[A-Z]/.test(flag) ? flag : `--${flag}`);

function parseNumber(flag: string, raw: unknown): number {
  if (Array.isArray(raw)) throw new UsageError(`${named(flag)} is given ${raw.length} times; give it once`);
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : Number.NaN;
  if (Number.isNaN(n)) throw new UsageError(`${named(flag)} must be a number, got ${show(raw)}`);
  return n;
}

/** A yargs coerce function for a numeric flag that may be left out. */
export function numberFlag(flag: string) {
  return (raw: unknown): number | undefined => (raw === undefined ? undefined : parseNumber(flag, raw));
}

/** A yargs coerce function for a numeric flag that has a default or is required. */
export function requiredNumberFlag(flag: string) {
  return (raw: unknown): number => parseNumber(flag, raw);
}

function checkInt(flag: string, n: number, min: number, max = Number.POSITIVE_INFINITY): number {
  if (!(Number.isInteger(n) && n >= min)) throw new UsageError(`${named(flag)} must be an integer >= ${min}, got ${n}`);
  if (n > max) throw new UsageError(`${named(flag)} must be at most ${max}, got ${n}`);
  return n;
}

/** A yargs coerce function for an integer flag with a lower bound, that has a default or is required. */
export function intFlag(flag: string, min: number) {
  return (raw: unknown): number => checkInt(flag, parseNumber(flag, raw), min);
}

/** The same, for a flag that may be left out. */
export function optionalIntFlag(flag: string, min: number, max?: number) {
  return (raw: unknown): number | undefined => (raw === undefined ? undefined : checkInt(flag, parseNumber(flag, raw), min, max));
}

/** A yargs coerce function for `--pruner SPEC` given once: checked here (its rules that need no trainer), kept as written for the run to check against the trainer's steps. */
export function prunerFlagText(raw: unknown): string | undefined {
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) throw new UsageError(`--pruner is given ${raw.length} times; give it once`);
  const text = String(raw);
  prunerFlag(text, null);
  return text;
}
