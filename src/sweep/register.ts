// Registering a sweep in storage: new name -> create; same definition -> resume; another
// definition -> an error that says what changed, unless --extend and the changes only add configs.

import { DefinitionChangedError, type Storage, type SweepRecord } from '../storage/types.js';
import { EXTENDABLE, identity, type Sweep } from './definition.js';
import { canonicalJson } from './hash.js';

/** Flattens to path -> canonical JSON; lists are leaves (shown whole). */
function flatten(value: unknown, path = '', out: Map<string, string> = new Map()): Map<string, string> {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, path ? `${path}.${k}` : k, out);
  } else if (value !== undefined && value !== null) out.set(path, canonicalJson(value));
  return out;
}

/** Human-readable changes from one definition to another: "trainer.epochs: 5 -> 10". */
export function describeChanges(before: unknown, after: unknown): { path: string; text: string }[] {
  const a = flatten(before);
  const b = flatten(after);
  const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
  return paths
    .filter((p) => a.get(p) !== b.get(p))
    .map((p) => ({ path: p, text: `${p}: ${a.get(p) ?? '(not set)'} -> ${b.get(p) ?? '(not set)'}` }));
}

const extendable = (path: string) => path !== 'schedule.kind' && EXTENDABLE.includes(path.split('.')[0]);

export function registerSweep(storage: Storage, sweep: Sweep, file: string, extend: boolean, where: string): SweepRecord {
  const definition = canonicalJson(sweep);
  const existing = storage.getSweep(sweep.name);
  if (!existing) {
    return storage.createSweep({ name: sweep.name, definition, file, metric: sweep.objective.metric, goal: sweep.objective.goal });
  }
  const changes = describeChanges(identity(JSON.parse(existing.definition) as Sweep), identity(sweep));
  if (changes.length > 0) {
    const list = changes.map((c) => c.text).join('; ');
    if (!extend) {
      throw new DefinitionChangedError(
        `sweep "${sweep.name}" already exists in ${where} with another definition (${list}): run with --extend to add the new configs, or give the sweep another name`);
    }
    const blocked = changes.filter((c) => !extendable(c.path));
    if (blocked.length > 0) {
      throw new DefinitionChangedError(
        `--extend only adds configs, but these changes would make old and new trials incomparable (${blocked.map((c) => c.text).join('; ')}): give the sweep another name`);
    }
  }
  if (definition !== existing.definition || file !== existing.file) storage.updateDefinition(existing.id, definition, file);
  return { ...existing, definition, file };
}
