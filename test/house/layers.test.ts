// The house's layering (../shared/STYLE.md): every import points down this list, so a lower layer
// never knows a higher one. A new folder must be placed here before it can be imported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Top to bottom; folders on one line share a layer and never import each other (what they share lives below). */
export const LAYERS: string[][] = [
  ['cli.ts', 'index.ts', 'commands'],
  ['report', 'plot', 'export'],
  ['sweep'],
  ['pool'],
  ['train'],
  ['storage'],
  ['schedule'],
  ['wasm'],
  ['io'],
  ['core'],
];

function layerOf(file: string): number {
  const top = relative(SRC, file).split(/[\\/]/)[0];
  const i = LAYERS.findIndex((l) => l.includes(top));
  if (i < 0) throw new Error(`src/${top} is in no layer: add it to LAYERS in test/house/layers.test.ts`);
  return i;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? sources(path) : /\.(ts|mjs)$/.test(e.name) ? [path] : [];
  });
}

/** Relative imports of a file (static, side-effect-only, dynamic; type-only ones included). */
export function importsOf(text: string, file: string): string[] {
  const specs = [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"](\.[^'"]+)['"]/g),
    ...text.matchAll(/(?:^|\n)\s*import\s+['"](\.[^'"]+)['"]/g),
    ...text.matchAll(/import\(\s*['"](\.[^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]);
  return specs.map((s) => resolve(dirname(file), s));
}

const importsOfFile = (file: string) => importsOf(readFileSync(file, 'utf8'), file);

test('every import in src points to the same layer or a lower one', () => {
  const upward: string[] = [];
  for (const file of sources(SRC)) {
    for (const target of importsOfFile(file)) {
      if (layerOf(target) < layerOf(file)) upward.push(`src/${relative(SRC, file)} imports src/${relative(SRC, target)}`);
    }
  }
  assert.deepEqual(upward, []);
});

test('folders of one layer do not import each other', () => {
  const top = (file: string) => relative(SRC, file).split(/[\\/]/)[0];
  const sideways: string[] = [];
  for (const file of sources(SRC)) {
    for (const target of importsOfFile(file)) {
      // cli.ts and index.ts are the entry points: they may import the commands beside them.
      if (layerOf(target) === layerOf(file) && top(target) !== top(file) && layerOf(file) > 0) sideways.push(`src/${relative(SRC, file)} imports src/${relative(SRC, target)}`);
    }
  }
  assert.deepEqual(sideways, []);
});

test('the check sees imports: a file in sweep imports from storage, which is lower', () => {
  const run = join(SRC, 'sweep', 'run.ts');
  assert.ok(importsOfFile(run).some((t) => layerOf(t) === LAYERS.findIndex((l) => l.includes('storage'))));
  assert.ok(layerOf(join(SRC, 'commands', 'run.ts')) < layerOf(run));
});

test('the check sees every form of import: from, side-effect only, dynamic, either quote', () => {
  const file = join(SRC, 'core', 'x.ts');
  const text = `import { a } from '../sweep/a.js';\nimport "../pool/b.js";\nexport * from './c.js';\nconst d = await import( "../train/d.js" );\nimport type { E } from '../storage/e.js';\n`;
  assert.deepEqual(importsOf(text, file).map((t) => relative(SRC, t)).sort(), ['core/c.js', 'pool/b.js', 'storage/e.js', 'sweep/a.js', 'train/d.js']);
});
