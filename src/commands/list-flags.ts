// Flags that take several values: `--cycle-mult 1,1.5,2`, and for integers also ranges
// `--cycles 2..6` (both ends included). Given twice, a flag's values are joined. Values come
// back sorted and without repeats. Each problem is one line naming the flag, the rule and the
// value as typed.

import { UsageError, show } from '../core/errors.js';

/** Values one list flag may expand to: a range like 0..10^9 is refused before it is built. */
export const MAX_LIST_VALUES = 1_000_000;

export interface ListFlagOptions {
  /** Integers only, and ranges A..B allowed. */
  integer?: boolean;
  /** The rule each value keeps: 'must be ...', or null when it does. */
  rule?: (value: number) => string | null;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const INTEGER = /^[+-]?\d+$/;

/** A yargs coerce function for a list flag. */
export function listFlag(flag: string, o: ListFlagOptions = {}) {
  return (raw: unknown): number[] | undefined => {
    if (raw === undefined) return undefined;
    const text = (Array.isArray(raw) ? raw : [raw]).map(String).join(',');
    const what = o.integer ? 'integers or ranges A..B' : 'numbers';
    const bad = () => new UsageError(`--${flag} must be a comma-separated list of ${what}, got ${show(text)}`);
    const values = new Set<number>();
    for (const item of text.split(',').map((s) => s.trim())) {
      const range = o.integer ? item.match(/^(.+?)\.\.(.+)$/) : null;
      if (range) {
        if (!INTEGER.test(range[1]) || !INTEGER.test(range[2])) throw bad();
        const [a, b] = [Number(range[1]), Number(range[2])];
        if (a > b) throw new UsageError(`--${flag} ranges must go up (A <= B in A..B), got ${show(item)}`);
        if (b - a + 1 + values.size > MAX_LIST_VALUES) throw new UsageError(`--${flag} must list at most ${MAX_LIST_VALUES} values, got ${show(text)}`);
        for (let v = a; v <= b; v++) values.add(v);
      } else {
        if (!(o.integer ? INTEGER : NUMBER).test(item)) throw bad();
        values.add(Number(item));
      }
    }
    const sorted = [...values].sort((a, b) => a - b);
    if (o.rule) {
      for (const v of sorted) {
        const broken = o.rule(v);
        if (broken !== null) throw new UsageError(`--${flag} values ${broken}, got ${v} in ${show(text)}`);
      }
    }
    return sorted;
  };
}

/** A sorted list of integers written back with ranges: [2, 3, 4, 6] -> "2..4, 6". */
export function showList(values: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < values.length; i++) {
    let j = i;
    while (j + 1 < values.length && Number.isInteger(values[j]) && values[j + 1] === values[j] + 1) j++;
    parts.push(j - i >= 2 ? `${values[i]}..${values[j]}` : values.slice(i, j + 1).join(', '));
    i = j;
  }
  return parts.join(', ');
}
