// The names of the schedule lints (lint.ts checks them). A leaf, so a kind (kinds/) can say which
// lints apply to it without importing the checks.

export const LINT_RULES = ['ends-mid-cycle', 'cycle-mult-no-op', 'peak-below-min', 'warmup-dominates', 'shrinking-cycles', 'three-phase-late-peak'] as const;
export type LintRule = (typeof LINT_RULES)[number];
