// Only storage/ reads a --db (issue 16): what a store is and can do is storage's answer
// (storage/open.ts: openStorage, capabilitiesOf, localPath, sameStore, shownDb), so a new backend
// or a new form of --db is one folder's change. Code outside src/storage enters it through open.ts
// and types.ts, and never tells a --db's kind itself: no regular expression on a URL's scheme, no
// comparison with a scheme's prefix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const STORAGE = join(SRC, 'storage');
/** storage/'s doors: the rest of src imports nothing else of it. */
const DOORS = ['open.js', 'types.js'].map((f) => join(STORAGE, f));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? sources(path) : /\.(ts|mjs)$/.test(e.name) ? [path] : [];
  });
}

/** A scheme's prefix as code compares with it, alone: `sqlite:`, `postgres:`, `postgresql://`, any `x://`. */
const SCHEME = /^(sqlite|postgres(ql)?):$|^[a-z][a-z0-9+.-]*:\/\/$/i;

/**
 * Where a TypeScript text tells a --db's kind itself: a regular expression that matches a scheme
 * (`:\/\/`, `sqlite:`, `postgres`), or a string literal that is a scheme's prefix alone.
 */
export function urlChecksIn(text: string): { line: number; text: string }[] {
  const file = ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, true);
  const found: { line: number; text: string }[] = [];
  const visit = (node: ts.Node) => {
    const regex = ts.isRegularExpressionLiteral(node) && /:\\\/\\\/|sqlite:|postgres/i.test(node.text);
    const prefix = (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && SCHEME.test(node.text);
    if (regex || prefix) found.push({ line: file.getLineAndCharacterOfPosition(node.getStart()).line + 1, text: node.getText() });
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** The relative modules a file imports (static, dynamic, type-only and re-exports), resolved. */
function importsOf(text: string, path: string): string[] {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const specs: string[] = [];
  const visit = (node: ts.Node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) specs.push(node.moduleSpecifier.text);
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) specs.push(node.arguments[0].text);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return specs.filter((s) => s.startsWith('.')).map((s) => resolve(dirname(path), s));
}

const outside = () => sources(SRC).filter((f) => !f.startsWith(STORAGE + '/'));

test('code outside src/storage tells no --db apart itself (storage/open.ts answers)', () => {
  const found: string[] = [];
  for (const file of outside()) {
    for (const hit of urlChecksIn(readFileSync(file, 'utf8'))) found.push(`src/${relative(SRC, file)}:${hit.line}: ${hit.text}`);
  }
  assert.deepEqual(found, []);
});

test('code outside src/storage imports storage only through open.ts and types.ts', () => {
  const found: string[] = [];
  for (const file of outside()) {
    for (const target of importsOf(readFileSync(file, 'utf8'), file)) {
      if (target.startsWith(STORAGE + '/') && !DOORS.includes(target)) found.push(`src/${relative(SRC, file)} imports src/${relative(SRC, target)}`);
    }
  }
  assert.deepEqual(found, []);
});

test('the check sees a scheme tested by a regular expression or a prefix, and not in help or messages', () => {
  const text = [
    `if (o.db && !/^[a-z]+:\\/\\//i.test(o.db)) {}`,
    `const p = db.replace(/^sqlite:/, '');`,
    `const pg = db.startsWith('postgres://');`,
    `const q = db.startsWith(\`postgresql:\`);`,
    `const help = 'The database: a SQLite file (or sqlite:PATH), or postgres://USER@HOST/DB';`,
    `const words = /^[a-z]+$/;`,
    `group('Curve:');`,
  ].join('\n');
  assert.deepEqual(urlChecksIn(text).map((h) => h.line), [1, 2, 3, 4]);
});
