// The schedule kinds' seam (src/schedule/kinds/): the registry answers for every kind, an unknown
// kind is an error listing the known ones, each kind's declarations are consistent, and no code
// outside the folder names a kind (it asks the registry).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { ParamError } from '../../src/core/errors.js';
import { DEFAULT_KIND, KINDS as REGISTERED, KIND_NAMES, findKind, kindOf, parameterOf } from '../../src/schedule/kinds/index.js';
import type { ScheduleKind } from '../../src/schedule/kinds/kind.js';
import { LINT_RULES, lintSchedule } from '../../src/schedule/lint.js';
import { resolveSchedule } from '../../src/schedule/schedule.js';
import { scheduleProblems } from '../../src/schedule/validate.js';

/** Every kind as the rest of the code sees it. */
const KINDS: readonly ScheduleKind[] = REGISTERED;

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const KINDS_DIR = join(SRC, 'schedule', 'kinds');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? sources(path) : e.name.endsWith('.ts') ? [path] : [];
  });
}

/**
 * Where a TypeScript text names one of `names`: a string literal (in a value or a type, any
 * quotes, a template without substitutions) or an object key spelled as the name.
 */
export function kindNamesIn(text: string, names: readonly string[]): { line: number; text: string }[] {
  const file = ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, true);
  const found: { line: number; text: string }[] = [];
  const visit = (node: ts.Node) => {
    const literal = ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node);
    const key = (ts.isPropertyAssignment(node) || ts.isPropertySignature(node)) && ts.isIdentifier(node.name) ? node.name : null;
    const named = literal ? node.text : key?.text;
    if (named !== undefined && names.includes(named)) {
      found.push({ line: file.getLineAndCharacterOfPosition(node.getStart()).line + 1, text: node.getText() });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

test('no string literal outside src/schedule/kinds/ names a kind: code asks the registry', () => {
  const named: string[] = [];
  for (const file of sources(SRC)) {
    if (file.startsWith(KINDS_DIR)) continue;
    for (const hit of kindNamesIn(readFileSync(file, 'utf8'), KIND_NAMES)) named.push(`src/${relative(SRC, file)}:${hit.line}: ${hit.text}`);
  }
  assert.deepEqual(named, []);
});

test('the check sees a kind named in a value, a type, a template and an object key, and not in prose', () => {
  const text = [
    `const a = s.schedule === '${KIND_NAMES[0]}';`,
    `type B = { schedule: "${KIND_NAMES[1]}" };`,
    `const c = \`${KIND_NAMES[0]}\`;`,
    `const d = { ${KIND_NAMES[1]}: 'title' };`,
    `const e = 'warmup for ${KIND_NAMES[0]} only'; // ${KIND_NAMES[1]}`,
    `const f = \`\${name}\`;`,
  ].join('\n');
  assert.deepEqual(kindNamesIn(text, KIND_NAMES).map((h) => h.line), [1, 2, 3, 4]);
});

test('the registry: names once each, the first is the default, lookups by name', () => {
  assert.deepEqual([...KIND_NAMES], KINDS.map((k) => k.name));
  assert.equal(new Set(KIND_NAMES).size, KIND_NAMES.length);
  assert.equal(DEFAULT_KIND, KIND_NAMES[0]);
  for (const kind of KINDS) {
    assert.equal(kindOf(kind.name), kind);
    assert.equal(findKind(kind.name), kind);
  }
  assert.equal(findKind('cosine'), undefined);
});

test('an unknown kind is an error that lists the known ones', () => {
  const message = `schedule must be one of ${KIND_NAMES.join(', ')}, got schedule="cosine"`;
  assert.throws(() => kindOf('cosine'), (e: unknown) => e instanceof ParamError && e.message === message && e.problems[0].key === 'schedule');
  assert.throws(() => resolveSchedule({ schedule: 'cosine' } as never), { name: 'ParamError', message });
  assert.deepEqual(scheduleProblems({ schedule: 'cosine' } as never).map((p) => p.message), [message]);
});

test('each kind names parameters of its own table for its parts, and lint rules that exist', () => {
  for (const kind of KINDS) {
    const names = kind.parameters.map((d) => d.name);
    assert.equal(new Set(names).size, names.length, `${kind.name}: each parameter once`);
    for (const [part, name] of Object.entries(kind.keys)) {
      if (name !== null) assert.ok(names.includes(name), `${kind.name}.keys.${part} = ${name} is in its table`);
    }
    if (kind.fit !== null) {
      for (const name of [...kind.fit.shape, kind.fit.multiplier.key, ...(kind.fit.warmup ? [kind.fit.warmup.key] : [])]) {
        assert.ok(names.includes(name), `${kind.name}.fit names ${name}, which is in its table`);
      }
      // What fit searches shapes the cycle lengths: a sweep's `cycles` reads the same keys.
      assert.ok(kind.fit.shape.includes(kind.fit.multiplier.key), `${kind.name}: the multiplier shapes the lengths`);
      if (kind.fit.warmup) assert.ok(kind.fit.shape.includes(kind.fit.warmup.key), `${kind.name}: the warmup shapes the lengths`);
    }
    for (const rule of kind.lints) assert.ok((LINT_RULES as readonly string[]).includes(rule), `${kind.name}: lint ${rule}`);
    // The first length has no default: every cycle family says how long its first cycle is
    // (one_cycle's total_steps may come from epochs * steps_per_epoch instead).
    if (kind.toFamily !== null) assert.equal(parameterOf(kind, kind.keys.length).default, undefined, `${kind.name}: the first length is required`);
    else assert.ok(kind.ownCurve, `${kind.name}: a kind without a family has its own curve`);
  }
  assert.throws(() => parameterOf(KINDS[0], 'noSuchParameter'), /not in its table/);
});

test('a kind maps onto the kernels through its own toFamily, and lints only with the rules it lists', () => {
  for (const kind of KINDS) {
    if (kind.toFamily === null) continue; // its own curve: test/schedule/one-cycle.test.ts, own-kinds.test.ts
    // The smallest schedule of the kind: first length 10, every other required parameter 1.
    const input: Record<string, unknown> = { schedule: kind.name, [kind.keys.length]: 10 };
    for (const d of kind.parameters) if (d.default === undefined && input[d.name] === undefined) input[d.name] = 1;
    const s = resolveSchedule(input as never);
    assert.equal(s.kind, kind);
    assert.deepEqual(s.family, kind.toFamily(s.params));
    assert.equal(s.family!.firstCycleSteps, 10);
    assert.equal(s.keyName('floor'), parameterOf(kind, kind.keys.floor!).ref);
    // 15 steps end mid-cycle for every kind with a first cycle of 10 steps.
    const rules = lintSchedule(s, 15).map((w) => w.rule);
    assert.ok(rules.every((r) => kind.lints.includes(r)), `${kind.name}: ${rules.join(', ')}`);
    assert.ok(rules.includes('ends-mid-cycle'), kind.name);
  }
});
