// The names of the sweep file's own warnings (warnings.ts checks them). A leaf, so the file's
// `lint.ignore` (constraints.ts) accepts them beside the schedule lints without importing the checks.

export const FILE_WARNING_RULES = ['startup-cohort'] as const;
export type FileWarningRule = (typeof FILE_WARNING_RULES)[number];
