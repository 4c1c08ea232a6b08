// The rules every input is checked with: schedule parameters, sweep files, trainer options and
// flags. A rule returns null when the value passes, or what the value must be ('must be ...'),
// which callers complete with where the value is and what it was. One wording everywhere.

export type Rule = (value: unknown) => string | null;

/** Largest step count or position: every step must be an exact float64 integer. */
export const MAX_STEP = 2 ** 52;

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const powerOfTwo = (n: number) => (n >= 2 ** 20 && Number.isInteger(Math.log2(n)) ? `2^${Math.log2(n)}` : String(n));

export const rules = {
  number: ((v) => (isNumber(v) ? null : 'must be a finite number')) as Rule,
  positive: ((v) => (isNumber(v) && v > 0 ? null : 'must be a finite number > 0')) as Rule,
  nonNegative: ((v) => (isNumber(v) && v >= 0 ? null : 'must be a finite number >= 0')) as Rule,
  /** Open interval: 0 < v < 1. */
  fraction: ((v) => (isNumber(v) && v > 0 && v < 1 ? null : 'must be a number between 0 and 1 (both excluded)')) as Rule,
  /** Half-open interval: 0 <= v < 1. */
  unitInterval: ((v) => (isNumber(v) && v >= 0 && v < 1 ? null : 'must be a number from 0 up to (not including) 1')) as Rule,
  /** An integer from min to max, both included; the upper bound is shown only when it is a real limit. */
  integer(min: number, max = Number.MAX_SAFE_INTEGER): Rule {
    const text = max >= Number.MAX_SAFE_INTEGER ? `must be an integer >= ${min}` : `must be an integer from ${min} to ${powerOfTwo(max)}`;
    return (v) => (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? null : text);
  },
  bool: ((v) => (typeof v === 'boolean' ? null : 'must be true or false')) as Rule,
  string: ((v) => (typeof v === 'string' && v.length > 0 ? null : 'must be a non-empty string')) as Rule,
  oneOf(choices: readonly string[]): Rule {
    return (v) => (choices.includes(v as string) ? null : `must be one of ${choices.join(', ')}`);
  },
  /** Both rules must hold; the first broken one is reported. */
  and(a: Rule, b: Rule): Rule {
    return (v) => a(v) ?? b(v);
  },
};

/** Step counts and positions: exact float64 integers. */
export const stepCount = rules.integer(0, MAX_STEP);
