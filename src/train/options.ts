// Built-in trainers check their options with lrsweep's own problem collector, then throw the
// contract's OptionsError, exactly as a user's trainer would.

import { Problems } from '../core/problems.js';
import { OptionsError } from './contract.js';

/** Runs `read` with a fresh problem collector; throws OptionsError when it found any. */
export function parseOptions<T>(read: (problems: Problems) => T): T {
  const problems = new Problems();
  const value = read(problems);
  if (!problems.empty) throw new OptionsError(problems.entries.map((e) => ({ path: e.path, message: e.message })));
  return value;
}
