// A trial filter's page (limit and offset), checked once for every backend.

import type { TrialFilter } from './types.js';

const count = (v: number) => Number.isSafeInteger(v) && v >= 0;

/** The filter's limit (null: none) and offset (0: none); a value that is not a non-negative integer is a RangeError. */
export function checkPage(filter: TrialFilter): { limit: number | null; offset: number } {
  if (filter.limit !== undefined && !count(filter.limit)) throw new RangeError(`trials: limit must be a non-negative integer, got ${filter.limit}`);
  if (filter.offset !== undefined && !count(filter.offset)) throw new RangeError(`trials: offset must be a non-negative integer, got ${filter.offset}`);
  return { limit: filter.limit ?? null, offset: filter.offset ?? 0 };
}
