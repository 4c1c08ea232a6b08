// The two kinds of substitution the command trainer does, and nothing else:
//
// - Placeholders in `run`: `{lr_file}`, `{trial_file}`, `{trial_dir}`, `{seed}`, `{steps}` and
//   `{param.NAME}` (a schedule parameter by its reference name), replaced per trial. `${...}` is
//   left alone, so `sh -c 'echo ${HOME}'` still reaches the shell; any other `{...}` text (a JSON
//   literal, a brace expansion) is not a placeholder because it is not a bare name.
// - `${VAR}` in `env` values, taken from lrsweep's own environment when the trial starts. The
//   sweep definition (and so the database and the report) keeps the text as written, which is
//   how secrets stay out of both.

import { UsageError } from '../../core/errors.js';

/** Placeholders every trial fills in, besides `{param.NAME}`. */
export const PLACEHOLDERS = ['lr_file', 'trial_file', 'trial_dir', 'seed', 'steps'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

// `{name}` or `{param.name}` not preceded by `$`.
const PLACEHOLDER = /(?<!\$)\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)\}/g;
const ENV_REFERENCE = /\$\{([^}]*)\}/g;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The placeholder names an argument uses, in order (`lr_file`, `param.max_lr`, ...). */
export function placeholdersIn(arg: string): string[] {
  return [...arg.matchAll(PLACEHOLDER)].map((m) => m[1]);
}

/** Why a placeholder name is not usable, or null. `params` are the schedule's reference names. */
export function placeholderProblem(name: string, params: readonly string[]): string | null {
  if (name.startsWith('param.')) {
    const param = name.slice('param.'.length);
    return params.includes(param) ? null : `{${name}} names no parameter of the schedule (known: ${params.join(', ')})`;
  }
  if ((PLACEHOLDERS as readonly string[]).includes(name)) return null;
  return `{${name}} is not a known placeholder (known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}, {param.NAME}; \${...} is left for the shell)`;
}

/** How a parameter value is written into an argument: numbers as JavaScript prints them (0.1, 1e-7), null as "null". */
export function formatValue(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : JSON.stringify(value) ?? '';
}

/** Replaces every placeholder; `values` holds the fixed ones, `params` the schedule's parameters (reference names). */
export function fillPlaceholders(arg: string, values: Record<Placeholder, string>, params: Record<string, unknown>): string {
  return arg.replace(PLACEHOLDER, (text, name: string) => {
    if (name.startsWith('param.')) {
      // A parameter left at a null default (max_cycles) is absent from stored params.
      return formatValue(params[name.slice('param.'.length)] ?? null);
    }
    if (!(name in values)) throw new Error(`placeholder ${text} is not known`);
    return values[name as Placeholder];
  });
}

/** The `${VAR}` names an env value refers to, and any malformed reference (`${}`, `${A-B}`). */
export function envReferences(value: string): { names: string[]; malformed: string[] } {
  const names: string[] = [];
  const malformed: string[] = [];
  for (const m of value.matchAll(ENV_REFERENCE)) (ENV_NAME.test(m[1]) ? names : malformed).push(m[0]);
  return { names: names.map((n) => n.slice(2, -1)), malformed };
}

/**
 * The trainer's `env` with every `${VAR}` taken from `from` (lrsweep's environment at run time).
 * Throws UsageError naming the key and the variable when one is not set: every trial would fail
 * the same way, so the runner should call this once before it starts any.
 */
export function expandEnv(env: Record<string, string>, from: NodeJS.ProcessEnv, path = 'trainer.env'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    out[key] = value.replace(ENV_REFERENCE, (text, name: string) => {
      const found = from[name];
      if (found === undefined) {
        throw new UsageError(`${path}.${key}: ${text} is not set in lrsweep's environment; export ${name} before running the sweep`);
      }
      return found;
    });
  }
  return out;
}
