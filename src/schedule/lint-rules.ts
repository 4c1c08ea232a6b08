// The names of the schedule lints (lint.ts checks them). A leaf, so a kind (kinds/) can say which
// lints apply to it without importing the checks.

export const LINT_RULES = [
  'ends-mid-cycle', 'cycle-mult-no-op', 'peak-below-min', 'warmup-dominates', 'shrinking-cycles',
  // the kinds with their own curve check these themselves (kind.ts OwnCurve.lint)
  'misplaced-restart', 'negative-stable', 'negative-min-ratio', 'warmup-past-total', 'three-phase-late-peak',
] as const;
export type LintRule = (typeof LINT_RULES)[number];
