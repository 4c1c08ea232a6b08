// grid: every combination of the parameters' `values` lists. Config i of the grid is i written in
// mixed radix over the lists (the last key varies fastest), so any config is built from its index
// alone and nothing is enumerated to count or to skip.
// order: listed (default) walks the indices in order, keys in the file's order, as lrsweep always
// has (the same trials, hashes and numbers). order: shuffled walks them in a seeded order
// (shuffle.ts: a bijection on [0, N), the grid never built), keys in name order, so the order
// depends on the grid's content and the seed, not on how the file lists its keys: the first
// trials spread over the whole grid, and a cap (`trials` or budget.max_trials) takes a spread subset.
// --extend of a shuffled grid: the order is the permutation of the grid the file now has; the
// sweep's trials keep their numbers (storage skips a config it has) and the new configs are
// numbered after them, in the new permutation's order (the new configs shuffled among themselves).
// A cap makes this an extension only while the capped subset keeps every config the sweep has:
// raising the cap does; changing the grid under a cap picks another subset and is refused, like
// any change that drops trials (register.ts).

import { rules } from '../../core/rules.js';
import { kindOf } from '../../schedule/kinds/index.js';
import type { Sweep } from '../definition.js';
import { baseConfig, type Draw } from './draw.js';
import { MAX_SHUFFLED, shuffle } from './shuffle.js';
import type { Method, SamplerEntry } from './sampler.js';

export const GRID_ORDERS = ['listed', 'shuffled'] as const;

function lists(sweep: Sweep, keys: readonly string[]): unknown[][] {
  return keys.map((k) => {
    const spec = sweep.parameters[k];
    if (!('values' in spec)) throw new Error(`grid: parameter ${k} has no values list (the sweep file's rules refuse a range on a grid)`);
    return spec.values;
  });
}

/** How many configs the grid has (every combination; with the kind varied, each kind's, added). */
export function gridSize(sweep: Sweep): number {
  const kinds = kindGrids(sweep);
  if (kinds !== null) return kinds.reduce((n, k) => n + k.size, 0);
  return lists(sweep, Object.keys(sweep.parameters)).reduce((n, l) => n * l.length, 1);
}

// ---- the kind as a parameter: a grid per kind ----

/**
 * With `kind: { values: [...] }`, each listed kind's own grid (its own parameters only: the product
 * per kind), in the listed order; null when the kind does not vary.
 */
function kindGrids(sweep: Sweep): { kind: string; index: number; sub: Sweep; size: number }[] | null {
  const spec = sweep.parameters.kind;
  if (spec === undefined || !('values' in spec)) return null;
  return spec.values.map((kind, index) => {
    const own = ownKeys(kind as string);
    const parameters = Object.fromEntries(Object.entries(sweep.parameters).filter(([k]) => k !== 'kind' && own.has(k)));
    const sub: Sweep = { ...sweep, schedule: { ...sweep.schedule, kind: kind as Sweep['schedule']['kind'] }, parameters };
    return { kind: kind as string, index, sub, size: lists(sub, Object.keys(parameters)).reduce((n, l) => n * l.length, 1) };
  });
}

/** The keys a kind has: its parameters, and cycles where it has restarts to place. */
function ownKeys(kind: string): Set<string> {
  const k = kindOf(kind);
  return new Set([...k.parameters.map((d) => d.ref), ...(k.fit ? ['cycles'] : [])]);
}

/** Config i of the kinds' grids laid end to end (the kinds in the listed order, each as draws() walks a grid). */
function kindGridAt(grids: NonNullable<ReturnType<typeof kindGrids>>, i: number, shuffled: boolean): Draw {
  let rest = i;
  const at = grids.find((g) => (rest < g.size ? true : ((rest -= g.size), false)))!;
  const [draw] = draws(at.sub, shuffled, rest + 1, rest, false); // the whole order already placed it
  draw.config.kind = at.kind;
  draw.origin.kind = at.index;
  return draw;
}

function* kindGridDraws(sweep: Sweep, shuffled: boolean, count: number): Generator<Draw> {
  const grids = kindGrids(sweep)!;
  const size = grids.reduce((n, g) => n + g.size, 0);
  const order = shuffled ? shuffle(size, `grid:${sweep.seed}`) : null;
  for (let i = 0; i < count; i++) yield kindGridAt(grids, order ? order.at(i) : i, shuffled);
}

// ---- one grid ----

/** Configs first .. count - 1 of the grid (of its listed order, or of its shuffled order where `permute`). */
function* draws(sweep: Sweep, shuffled: boolean, count: number, first = 0, permute = shuffled): Generator<Draw> {
  if (kindGrids(sweep) !== null) {
    yield* kindGridDraws(sweep, shuffled, count);
    return;
  }
  const fileOrder = Object.keys(sweep.parameters);
  const keys = shuffled ? [...fileOrder].sort() : fileOrder;
  const values = lists(sweep, keys);
  const size = values.reduce((n, l) => n * l.length, 1);
  const order = permute ? shuffle(size, `grid:${sweep.seed}`) : null;
  const index = keys.map(() => 0);
  const at = Object.fromEntries(keys.map((k, j) => [k, j]));
  for (let i = first; i < count; i++) {
    let rest = order ? order.at(i) : i;
    for (let k = keys.length - 1; k >= 0; k--) {
      index[k] = rest % values[k].length;
      rest = Math.floor(rest / values[k].length);
    }
    const config = baseConfig(sweep);
    const origin: Record<string, number> = {};
    for (const k of fileOrder) {
      config[k] = values[at[k]][index[at[k]]];
      origin[k] = index[at[k]];
    }
    yield { config, origin };
  }
}

export const grid: SamplerEntry = {
  name: 'grid',
  summary: 'every combination of the values lists',
  options: {
    order: { default: 'listed', rule: rules.oneOf(GRID_ORDERS), help: 'listed: in the order the values are listed, the last key fastest; shuffled: a seeded order that spreads the first trials over the whole grid' },
  },
  ranges: false,
  trials: 'cap',
  check(sweep, method) {
    const size = gridSize(sweep);
    return method.order === 'shuffled' && size > MAX_SHUFFLED
      ? [{ path: 'parameters', message: `the grid has ${size.toExponential(2)} configs; order: shuffled takes at most 2^52` }]
      : [];
  },
  create(sweep: Sweep, method: Method) {
    const size = gridSize(sweep);
    const count = sweep.trials === null ? size : Math.min(size, sweep.trials);
    return { adaptive: false, redraws: false, count: () => count, draws: () => draws(sweep, method.order === 'shuffled', count) };
  },
};
