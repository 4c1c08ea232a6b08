// A sweep file's `constraints` (which configs to drop) and `lint` (which lint rules not to warn about:
// the schedule lints, schedule/lint-rules.ts, and the file's own warnings, file/warning-rules.ts).

import { Problems, field, unknownKeys } from '../../core/problems.js';
import { rules } from '../../core/rules.js';
import { LINT_RULES, unknownLintRules } from '../../schedule/lint.js';
import type { Sweep } from '../definition.js';
import { sectionOf } from './section.js';
import { FILE_WARNING_RULES } from './warning-rules.js';

/** Reads `constraints`: end_at_cycle_end, off by default. */
export function readConstraints(problems: Problems, raw: unknown): Sweep['constraints'] {
  const rawConstraints = sectionOf(problems, raw, 'constraints', 'a mapping {end_at_cycle_end}');
  unknownKeys(problems, rawConstraints, ['end_at_cycle_end'], 'constraints');
  return { end_at_cycle_end: field(problems, rawConstraints, 'end_at_cycle_end', 'constraints.end_at_cycle_end', rules.bool, false) };
}

/** Reads `lint`: ignore, a list of lint rules (schedule lints or file warnings) by name. */
export function readLint(problems: Problems, raw: unknown): Sweep['lint'] {
  const rawLint = sectionOf(problems, raw, 'lint', 'a mapping {ignore: [rule, ...]}');
  unknownKeys(problems, rawLint, ['ignore'], 'lint');
  if (rawLint.ignore === undefined) return { ignore: [] };
  if (!Array.isArray(rawLint.ignore) || rawLint.ignore.some((r) => typeof r !== 'string')) {
    problems.add('lint.ignore', 'must be a list of rule names', rawLint.ignore);
    return { ignore: [] };
  }
  const ignore = rawLint.ignore as string[];
  const fileRules: readonly string[] = FILE_WARNING_RULES;
  for (const bad of unknownLintRules(ignore).filter((n) => !fileRules.includes(n))) {
    problems.add('lint.ignore', `names no lint rule (rules: ${[...LINT_RULES, ...FILE_WARNING_RULES].join(', ')})`, bad);
  }
  return { ignore };
}
