// The files a command trainer depends on: which they are by default, and one content hash over
// them, stored with a run for provenance ("which train.py produced these numbers?").

import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

/**
 * The arguments of `run` that name existing regular files (relative to `cwd`, or absolute),
 * as absolute paths, each once. run[0] counts only as a relative path (`./train.sh`): `python3`
 * or `/usr/bin/python3` is the interpreter, not the user's code. Arguments with placeholders
 * name per-trial files and are skipped; `--data=x.csv` counts as `x.csv`.
 */
export function defaultFiles(run: readonly string[], cwd: string): string[] {
  const found: string[] = [];
  run.forEach((arg, i) => {
    let candidate = arg;
    if (arg.startsWith('-') && arg.includes('=')) candidate = arg.slice(arg.indexOf('=') + 1);
    if (candidate === '' || candidate.includes('{')) return;
    if (i === 0 && (isAbsolute(candidate) || !candidate.includes('/'))) return;
    const p = resolve(cwd, candidate);
    try {
      if (statSync(p).isFile() && !found.includes(p)) found.push(p);
    } catch {
      // not a path
    }
  });
  return found;
}

/** Every regular file under a path (the path itself when it is a file), following links, each directory once. */
function walk(p: string, seen = new Set<string>()): string[] {
  const s = statSync(p);
  if (s.isFile()) return [p];
  if (!s.isDirectory()) return [];
  const real = realpathSync(p);
  if (seen.has(real)) return []; // a link back up the tree
  seen.add(real);
  return readdirSync(p).sort().flatMap((name) => walk(join(p, name), seen));
}

/**
 * `sha256:<hex>` over the files (directories: every file in them), sorted by their path relative
 * to `baseDir`: for each file its relative path (with `/`), a NUL, its size, a NUL, its bytes.
 * The same content in another place gives the same hash; a renamed or edited file changes it.
 */
export async function hashFiles(paths: readonly string[], baseDir: string): Promise<string> {
  const files = [...new Set(paths.flatMap((p) => walk(resolve(baseDir, p))))]
    .map((abs) => ({ abs, rel: relative(baseDir, abs).split(sep).join('/') }))
    .sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const hash = createHash('sha256');
  for (const f of files) {
    hash.update(`${f.rel}\0${statSync(f.abs).size}\0`);
    // Streamed: data files may be larger than memory.
    for await (const chunk of createReadStream(f.abs)) hash.update(chunk as Buffer);
  }
  return `sha256:${hash.digest('hex')}`;
}
