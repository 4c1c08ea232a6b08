// The error vocabulary. The CLI maps classes to exit codes (cli.ts): UsageError -> 2,
// Interrupted -> 130, anything else -> 1. Messages are one line, name the key or flag, state the rule and show the value.

/** The user stopped a command (Ctrl-C) before it had a result; the message says what was kept. Exit code 130. */
export class Interrupted extends Error {
  override name = 'Interrupted';
}

/** Something the user asked for is wrong: bad flag, bad parameter, bad file. Exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A schedule parameter breaks a rule. `key` is the reference's name (first_cycle_steps, ...). */
export class ParamError extends UsageError {
  override name = 'ParamError';
  constructor(readonly problems: readonly Problem[]) {
    super(problems.map((p) => p.message).join('; '));
  }
}

/** One broken rule: where it is and what it says. */
export interface Problem {
  key: string;
  message: string;
  /** Other parameters a cross-parameter rule involves (warmup_steps < first_cycle_steps). */
  related?: string[];
}

/** Values longer than this are cut in messages (a 10 MB name must not be echoed whole). */
const MAX_SHOWN = 80;

/** Cuts a text to `max` characters, saying how much was left out. */
export function cut(text: string, max = MAX_SHOWN): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length} characters)`;
}

/** Shows a value the way the user wrote it: strings quoted, numbers as JavaScript prints them; long values cut. */
export function show(value: unknown): string {
  if (typeof value === 'string') return cut(JSON.stringify(value));
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined; // a cycle (YAML aliases): say what kind of value it is instead
  }
  return cut(text ?? (Array.isArray(value) ? 'a list' : typeof value));
}
