// lrsweep's own version, from its package.json (recorded with every trial's provenance).

import { readFileSync } from 'node:fs';

let cached: string | null = null;

export function lrsweepVersion(): string {
  if (cached) return cached;
  // From src/core (through tsx) or dist/src/core (compiled), package.json is two or three levels up.
  for (const rel of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'lrsweep' && pkg.version) return (cached = pkg.version);
    } catch {
      // not there: try the next level
    }
  }
  return (cached = 'unknown');
}
