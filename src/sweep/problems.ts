// Collects every problem of a sweep file, each with its key path, the rule and the value:
// `parameters.gamma.values[2]: must be > 0, got -0.5`.

import { UsageError, show } from '../errors.js';

export class Problems {
  readonly list: string[] = [];

  add(path: string, rule: string, value?: unknown, withValue = true): void {
    this.list.push(withValue ? `${path}: ${rule}, got ${show(value)}` : `${path}: ${rule}`);
  }

  get empty(): boolean {
    return this.list.length === 0;
  }
}

/** A sweep file that breaks rules. Exit code 2; the message lists every problem, one per line. */
export class SweepFileError extends UsageError {
  override name = 'SweepFileError';
  constructor(readonly file: string, readonly problems: readonly string[]) {
    super(`${file}: ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads an optional field and checks it with a rule ('must be ...' or null). */
export function field<T>(problems: Problems, obj: Record<string, unknown>, key: string, path: string,
  rule: (v: unknown) => string | null, fallback: T): T {
  const value = obj[key];
  if (value === undefined) return fallback;
  const broken = rule(value);
  if (broken) {
    problems.add(path, broken, value);
    return fallback;
  }
  return value as T;
}

/** Reports keys that are not known, listing the known ones. */
export function unknownKeys(problems: Problems, obj: Record<string, unknown>, known: readonly string[], path: string): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) problems.add(path ? `${path}.${key}` : key, `is not a known key (known: ${known.join(', ')})`, undefined, false);
  }
}

export const rules = {
  positiveInt: (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= 1 ? null : 'must be an integer >= 1'),
  nonNegativeInt: (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? null : 'must be an integer >= 0'),
  positive: (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? null : 'must be a number > 0'),
  fraction: (v: unknown) => (typeof v === 'number' && v >= 0 && v < 1 ? null : 'must be a number from 0 up to (not including) 1'),
  nonNegative: (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? null : 'must be a number >= 0'),
  string: (v: unknown) => (typeof v === 'string' && v.length > 0 ? null : 'must be a non-empty string'),
  bool: (v: unknown) => (typeof v === 'boolean' ? null : 'must be true or false'),
  oneOf: (choices: readonly string[]) => (v: unknown) => (choices.includes(v as string) ? null : `must be one of ${choices.join(', ')}`),
};
