// One declaration per parameter (src/schedule/params.ts): the READMEs' parameter tables, the CLI
// flags and their help, and the storage columns agree with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PARAM_COLUMNS, PARAMETERS, type ParameterDeclaration } from '../../src/schedule/params.js';
import { runCli } from '../helpers/cli.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const defaultText = (d: ParameterDeclaration) => (d.default === undefined ? 'required' : d.default === null ? 'unset' : String(d.default));

/** Every declaration once, with the schedules that take it and each one's default. */
function declarations(): { d: ParameterDeclaration; schedules: string[]; defaults: string[] }[] {
  const out = new Map<string, { d: ParameterDeclaration; schedules: string[]; defaults: string[] }>();
  for (const [s, table] of Object.entries(PARAMETERS)) {
    for (const d of table) {
      const seen = out.get(d.ref);
      if (seen) {
        seen.schedules.push(s);
        seen.defaults.push(defaultText(d));
      } else out.set(d.ref, { d, schedules: [s], defaults: [defaultText(d)] });
    }
  }
  return [...out.values()];
}

/** The default cell: one value, or each schedule's where they differ (max_lr: `0.1 (cawr), required (one_cycle)`). */
const defaultsCell = (x: { schedules: string[]; defaults: string[] }) =>
  new Set(x.defaults).size === 1 ? x.defaults[0] : x.defaults.map((v, i) => `${v} (${x.schedules[i]})`).join(', ');

/** Rows of the markdown table whose first cell is `name`-like code. */
function rowsOf(text: string, first: RegExp): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    const m = cells[0]?.match(first);
    if (m) rows.set(m[1], cells);
  }
  return rows;
}

test('sweeps/README.md lists every parameter with its schedules, default and rule, and nothing else', () => {
  const text = read('sweeps/README.md');
  const section = text.slice(text.indexOf('### Schedule parameters'), text.indexOf('###', text.indexOf('### Schedule parameters') + 3));
  const rows = rowsOf(section, /^`([a-z_0-9]+)`$/);
  for (const x of declarations()) {
    const { d, schedules } = x;
    const row = rows.get(d.ref);
    assert.ok(row, `${d.ref} is in the table`);
    assert.deepEqual(row.slice(1, 4), [schedules.join(', '), defaultsCell(x), (d.rule(Symbol('any')) ?? '').replace(/^must be /, '')], d.ref);
  }
  assert.deepEqual([...rows.keys()].sort(), declarations().map((x) => x.d.ref).sort());
});

test('the README lists every flag of curve with its schedules and default, and --help shows the same defaults', () => {
  const rows = rowsOf(read('README.md'), /^`--([a-z0-9-]+)`$/);
  const help = runCli(['curve', '--help']).stdout.replace(/\s+/g, ' ');
  for (const x of declarations()) {
    const { d, schedules } = x;
    const row = rows.get(d.flag);
    assert.ok(row, `--${d.flag} is in the README's table`);
    assert.deepEqual(row.slice(1, 3), [schedules.join(', '), defaultsCell(x)], d.flag);
    assert.ok(help.includes(`--${d.flag}`), `--${d.flag} in --help`);
    if (d.default !== undefined && d.default !== null) assert.ok(help.includes(`[default: ${String(d.default)}]`), `--${d.flag}'s default in --help`);
  }
});

test('the numeric parameters marked as columns are the generated columns of trials, each once', () => {
  const expected = [...new Set(declarations().filter(({ d }) => d.column).map(({ d }) => d.ref))];
  assert.deepEqual([...PARAM_COLUMNS], expected);
  assert.ok(PARAM_COLUMNS.includes('max_cycles'));
});
