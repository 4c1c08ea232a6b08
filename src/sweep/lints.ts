// Schedule lints over a sweep's configs (schedule/lint.ts checks one schedule): which rules fire,
// for how many configs, with one example message each. Warnings only: they never stop a run.

import { LINT_RULES, lintSchedule } from '../schedule/lint.js';
import { fromReferenceNames } from '../schedule/params.js';
import { resolveSchedule } from '../schedule/schedule.js';
import type { Sweep } from './definition.js';
import { isAdaptive } from './samplers/index.js';
import { configs } from './space.js';

/** Configs linted at most: past this the summary says how many were looked at. */
export const MAX_LINTED = 10_000;

export interface LintSummary {
  rule: string;
  /** Configs it fires on. */
  configs: number;
  /** One of its messages, with the config's varied parameters. */
  example: string;
}

export function lintSweep(sweep: Sweep, steps: number): { summary: LintSummary[]; linted: number } {
  // An adaptive sampler's configs do not exist before the run (they are suggested as results arrive).
  if (isAdaptive(sweep)) return { summary: [], linted: 0 };
  const byRule = new Map<string, LintSummary>();
  const keys = Object.keys(sweep.parameters);
  let linted = 0;
  // lint.ignore may also name the file's own warnings (file/warning-rules.ts): not the schedule's to check.
  const ignore = sweep.lint.ignore.filter((r) => (LINT_RULES as readonly string[]).includes(r));
  for (const c of configs(sweep, steps)) {
    if (c.problem) continue;
    if (linted++ >= MAX_LINTED) break;
    for (const w of lintSchedule(resolveSchedule(fromReferenceNames(c.config)), steps, { ignore })) {
      const seen = byRule.get(w.rule);
      if (seen) seen.configs++;
      else {
        const own = keys.filter((k) => c.config[k] !== undefined); // a kind-varying sweep: the config's own keys
        const where = own.length ? ` (${own.map((k) => `${k}=${c.config[k]}`).join(', ')})` : '';
        byRule.set(w.rule, { rule: w.rule, configs: 1, example: `${w.message}${where}` });
      }
    }
  }
  return { summary: [...byRule.values()], linted: Math.min(linted, MAX_LINTED) };
}

/** One line per rule, for stderr: `warning [ends-mid-cycle]: 12 of 36 configs, e.g. ...`. */
export function lintLines(s: { summary: LintSummary[]; linted: number }): string[] {
  return s.summary.map((l) => `warning [${l.rule}]: ${l.configs} of ${s.linted} configs, e.g. ${l.example}; silence with lint: { ignore: [${l.rule}] }`);
}
