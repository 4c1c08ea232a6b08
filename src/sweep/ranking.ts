// The configs a sweep ranks, best first: storage's ranking (bestConfigs: mean objective over
// complete repeats), less the anchors that lie outside the sweep's space (the predict sampler's
// constant run, say: trained to fit the law, no config of the space), ranks counted again
// without them. Anchors inside the space are ranked like any config and named, so tables can
// mark them. What `best`, `status`, the report, the run's progress line, the history chart's
// best-so-far and the Optuna export rank (each through this file).

import type { RankedConfig, Storage } from '../storage/types.js';
import type { Sweep } from './definition.js';
import { anchorMarks } from './plan-check.js';

export interface Ranked {
  configs: RankedConfig[];
  /** A sweep with anchors: the ranked anchors' names by config hash, and how many lie outside the space (not ranked); null without anchors. */
  anchors: { names: Record<string, string>; outside: number } | null;
}

/** The top configs of the sweep (`steps`: the trainer's step count, as stored with the sweep). */
export async function rankedConfigs(storage: Storage, sweepId: number, definition: Sweep, steps: number, top: number): Promise<Ranked> {
  const planned = anchorMarks(definition, steps);
  if (planned.size === 0) return { configs: await storage.bestConfigs(sweepId, top), anchors: null };
  // The anchors this sweep trained: a config the shortlist trained is never an anchor.
  const stored = new Set((await storage.trials(sweepId)).filter((t) => t.origin === 'anchor').map((t) => t.configHash));
  const marks = new Map([...planned].filter(([hash]) => stored.has(hash)));
  const outside = new Set([...marks].filter(([, m]) => !m.inside).map(([hash]) => hash));
  const kept = (await storage.bestConfigs(sweepId, top + outside.size)).filter((c) => !outside.has(c.configHash)).slice(0, top);
  // Ranks as the storage gives them (RANK(): ties share one, the next skips), over the configs kept.
  const configs = kept.map((c) => ({ ...c }));
  configs.forEach((c, i) => { c.rank = i > 0 && c.objective === configs[i - 1].objective ? configs[i - 1].rank : i + 1; });
  const names = Object.fromEntries(configs.filter((c) => marks.has(c.configHash)).map((c) => [c.configHash, marks.get(c.configHash)!.name]));
  return { configs, anchors: { names, outside: outside.size } };
}

/** The planned anchors that lie outside the sweep's space, by config hash, with their names (none for a sampler without anchors). */
export function outsideAnchors(definition: Sweep, steps: number): Map<string, string> {
  return new Map([...anchorMarks(definition, steps)].filter(([, m]) => !m.inside).map(([hash, m]) => [hash, m.name]));
}

/** The best objective of a single complete trial by the sweep's goal, anchors outside the space left out (what progress lines show), or null. */
export async function bestTrialObjective(storage: Storage, sweepId: number, definition: Sweep, steps: number): Promise<number | null> {
  const outside = outsideAnchors(definition, steps);
  if (outside.size === 0) return storage.bestTrialObjective(sweepId);
  const sign = definition.objective.goal === 'maximize' ? -1 : 1;
  let best: number | null = null;
  for (const t of await storage.trials(sweepId, { state: 'complete' })) {
    if (t.objective === null || Number.isNaN(t.objective) || outside.has(t.configHash)) continue;
    if (best === null || sign * t.objective < sign * best) best = t.objective;
  }
  return best;
}
