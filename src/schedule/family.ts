// Each schedule as the engine's one cosine-with-warmup family (wasm/family.ts): each kind maps
// itself (kinds/).

import type { Family } from '../wasm/family.js';
import { kindOf } from './kinds/index.js';
import type { ScheduleParams } from './params.js';

export type { Family };

export function toFamily(s: ScheduleParams): Family {
  return kindOf(s.schedule).toFamily(s);
}
