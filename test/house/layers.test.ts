// The house's layering (README.md, Development): every import points down this list, so a lower
// layer never knows a higher one. A new folder must be placed here before it can be imported.
// And no file imports itself through other files (a circle), anywhere in src/.
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
  ['predict'],
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

/**
 * The circles of a file graph, each as one path through it that ends where it starts (a -> b -> a).
 * Imports name the compiled file (x.js); the graph's files are the sources (x.ts).
 */
export function circlesOf(graph: Map<string, string[]>): string[][] {
  const source = (target: string) => target.replace(/\.js$/, '.ts');
  const next = (file: string) => (graph.get(file) ?? []).map(source).filter((t) => graph.has(t));
  // Tarjan's strongly connected components: each component of more than one file (or a file
  // that imports itself) holds a circle.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const components: string[][] = [];
  const visit = (file: string) => {
    index.set(file, index.size);
    low.set(file, index.get(file)!);
    stack.push(file);
    for (const t of next(file)) {
      if (!index.has(t)) {
        visit(t);
        low.set(file, Math.min(low.get(file)!, low.get(t)!));
      } else if (stack.includes(t)) low.set(file, Math.min(low.get(file)!, index.get(t)!));
    }
    if (low.get(file) === index.get(file)) {
      const component = stack.splice(stack.indexOf(file));
      if (component.length > 1 || next(file).includes(file)) components.push(component);
    }
  };
  for (const file of [...graph.keys()].sort()) if (!index.has(file)) visit(file);
  // One shortest circle through each component's first file (by name), found breadth first.
  return components.map((component) => {
    const inside = new Set(component);
    const start = [...component].sort()[0];
    const from = new Map<string, string>();
    const queue = [start];
    while (queue.length > 0) {
      const file = queue.shift()!;
      for (const t of next(file).filter((n) => inside.has(n))) {
        if (t === start) {
          const path = [start];
          for (let f = file; f !== start; f = from.get(f)!) path.splice(1, 0, f);
          return [...path, start];
        }
        if (!from.has(t)) {
          from.set(t, file);
          queue.push(t);
        }
      }
    }
    throw new Error(`no circle through ${start}`); // unreachable: a component holds one
  });
}

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

// A circle of files cannot be understood, tested or moved apart one file at a time, and a value
// circle makes a module's exports undefined while the circle loads. Type-only imports (`import
// type`) count too, though they vanish at run time: they tie the files together all the same (the
// circle issue 16 broke in src/train ran through them), and the layer checks above count them.
// Dynamic imports count: they load at run time.
test('no file in src imports itself through other files (no circle of imports, type-only ones included)', () => {
  const graph = new Map(sources(SRC).map((file) => [file, importsOfFile(file)]));
  assert.deepEqual(circlesOf(graph).map((circle) => circle.map((f) => `src/${relative(SRC, f)}`).join(' -> ')), []);
});

test('the circle check sees a circle through type-only imports, and none in a chain', () => {
  const file = (name: string) => join(SRC, 'train', name);
  const texts: Record<string, string> = {
    'a.ts': `import type { B } from './b.js';\n`,
    'b.ts': `import { c } from './c.js';\n`,
    'c.ts': `export const c = 1;\nexport type { A } from './a.js';\n`,
    'd.ts': `import { c } from './c.js';\nimport { a } from './a.js';\n`,
  };
  const graph = new Map(Object.entries(texts).map(([name, text]) => [file(name), importsOf(text, file(name))]));
  assert.deepEqual(circlesOf(graph).map((circle) => circle.map((f) => relative(SRC, f))), [['train/a.ts', 'train/b.ts', 'train/c.ts', 'train/a.ts']]);
  graph.set(file('c.ts'), []);
  assert.deepEqual(circlesOf(graph), []);
  graph.set(file('d.ts'), [file('d.js')]);
  assert.deepEqual(circlesOf(graph).map((circle) => circle.map((f) => relative(SRC, f))), [['train/d.ts', 'train/d.ts']]);
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
