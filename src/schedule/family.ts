// Each schedule as the engine's one cosine-with-warmup family (wasm/family.ts): each kind maps
// itself (kinds/).

import type { Family } from '../wasm/family.js';
import { kindOf } from './kinds/index.js';
import type { ScheduleParams } from './params.js';

export type { Family };

/** The family of a kind of the family; throws for a kind with its own kernel (kinds/kind.ts StepKind). */
export function toFamily(s: ScheduleParams): Family {
  const kind = kindOf(s.schedule);
  if (!kind.toFamily) throw new Error(`${s.schedule} is computed by its own kernel, not the cycle family`);
  return kind.toFamily(s);
}
