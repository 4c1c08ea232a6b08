// The keys a schedule kind takes in a sweep file and the rule each value keeps: what `schedule`,
// `parameters` and the predict sampler's anchor mappings (rules.ts) are checked against.

import { rules, type Rule } from '../../core/rules.js';
import { declaration } from '../../schedule/params.js';
import { kindOf, type KindName } from '../../schedule/kinds/index.js';
import { CYCLES } from '../definition.js';

const cyclesRule = rules.integer(1, 1_000_000);

/** The keys a kind takes in a sweep file: its parameters, and cycles where it has restarts to place. */
export const keysOf = (kind: KindName): string[] => {
  const spec = kindOf(kind);
  return [...spec.parameters.map((d) => d.ref), ...(spec.fit ? [CYCLES] : [])];
};

/** The rule a schedule key's values must keep (a key of keysOf(kind)). */
export const ruleOf = (kind: KindName, key: string): Rule => (key === CYCLES ? cyclesRule : declaration(kind, key)!.rule);
