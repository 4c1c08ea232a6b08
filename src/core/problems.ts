// Collects every problem of a file or a set of options, each with its key path, the rule and the
// value: `parameters.gamma.values[2]: must be a finite number > 0, got -0.5`. Callers report them
// all at once.

import { show } from './errors.js';
import type { Rule } from './rules.js';

export class Problems {
  /** Each problem: where (a key path) and what (the rule, and the value when shown). */
  readonly entries: { path: string; message: string }[] = [];

  add(path: string, rule: string, value?: unknown, withValue = true): void {
    this.entries.push({ path, message: withValue ? `${rule}, got ${show(value)}` : rule });
  }

  /** Problems found elsewhere (e.g. by a trainer's parse), placed under a path prefix. */
  addAll(prefix: string, entries: readonly { path: string; message: string }[]): void {
    for (const e of entries) this.entries.push({ path: e.path ? `${prefix}.${e.path}` : prefix, message: e.message });
  }

  /** One line per problem: `path: message`. */
  get list(): string[] {
    return this.entries.map((e) => `${e.path}: ${e.message}`);
  }

  get empty(): boolean {
    return this.entries.length === 0;
  }
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads an optional field and checks it with a rule; a broken or missing field gives the fallback. */
export function field<T>(problems: Problems, obj: Record<string, unknown>, key: string, path: string, rule: Rule, fallback: T): T {
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
