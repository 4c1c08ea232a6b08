// A sweep file's `constraints` (which configs to drop) and `lint` (which lint rules not to warn about).

import { Problems, field, unknownKeys } from '../../core/problems.js';
import { rules } from '../../core/rules.js';
import { LINT_RULES, unknownLintRules } from '../../schedule/lint.js';
import type { Sweep } from '../definition.js';
import { sectionOf } from './section.js';

/** Reads `constraints`: end_at_cycle_end, off by default. */
export function readConstraints(problems: Problems, raw: unknown): Sweep['constraints'] {
  const rawConstraints = sectionOf(problems, raw, 'constraints', 'a mapping {end_at_cycle_end}');
  unknownKeys(problems, rawConstraints, ['end_at_cycle_end'], 'constraints');
  return { end_at_cycle_end: field(problems, rawConstraints, 'end_at_cycle_end', 'constraints.end_at_cycle_end', rules.bool, false) };
}

/** Reads `lint`: ignore, a list of lint rules by name. */
export function readLint(problems: Problems, raw: unknown): Sweep['lint'] {
  const rawLint = sectionOf(problems, raw, 'lint', 'a mapping {ignore: [rule, ...]}');
  unknownKeys(problems, rawLint, ['ignore'], 'lint');
  if (rawLint.ignore === undefined) return { ignore: [] };
  if (!Array.isArray(rawLint.ignore) || rawLint.ignore.some((r) => typeof r !== 'string')) {
    problems.add('lint.ignore', 'must be a list of rule names', rawLint.ignore);
    return { ignore: [] };
  }
  const ignore = rawLint.ignore as string[];
  for (const bad of unknownLintRules(ignore)) problems.add('lint.ignore', `names no lint rule (rules: ${LINT_RULES.join(', ')})`, bad);
  return { ignore };
}
