// What every section reader of a sweep file starts with: the section as a mapping, or a problem.

import { Problems, isRecord } from '../../core/problems.js';

/** A section's mapping; anything else but absent is a problem at `path` ("must be `shape`"), read as empty so its neighbours are still checked. */
export function sectionOf(problems: Problems, value: unknown, path: string, shape: string): Record<string, unknown> {
  if (isRecord(value)) return value;
  if (value !== undefined) problems.add(path, `must be ${shape}`, value);
  return {};
}
