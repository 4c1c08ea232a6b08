// Each schedule as the engine's one cosine-with-warmup family (wasm/family.ts): each kind maps
// itself (kinds/).

import type { Family } from '../wasm/family.js';
import { kindOf } from './kinds/index.js';
import type { ScheduleParams } from './params.js';

export type { Family };

/** The family of a kind that has one; a kind with its own curve (one_cycle) is refused. */
export function toFamily(s: ScheduleParams): Family {
  const kind = kindOf(s.schedule);
  if (kind.toFamily === null) throw new Error(`schedule ${kind.name} is not a cycle family (it computes its own curve)`);
  return kind.toFamily(s);
}
