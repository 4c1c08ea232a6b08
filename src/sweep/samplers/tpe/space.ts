// TPE's view of the search space: the parameters, their checks, the space each parameter's
// kernels live in (log scale in log space, an integer widened by half a step on each side), and a
// uniform draw over it (the startup trials, as Optuna's RandomSampler draws them).

export type TpeValue = number | string;

export type TpeParam =
  | { name: string; kind: 'float'; low: number; high: number; log?: boolean }
  | { name: string; kind: 'int'; low: number; high: number; log?: boolean }
  | { name: string; kind: 'categorical'; choices: readonly TpeValue[] };

/** The parameters, in a fixed order (the order fixes how the random numbers are used). */
export type TpeSpace = readonly TpeParam[];

/**
 * Throws a RangeError naming the parameter, the rule and the value for a space TPE cannot search
 * (the sweep file's own checks come first; this guards the module's contract).
 */
export function checkSpace(space: TpeSpace): void {
  const seen = new Set<string>();
  for (const p of space) {
    const where = `tpe: parameter ${JSON.stringify(p.name)}`;
    if (seen.has(p.name)) throw new RangeError(`${where} is listed twice`);
    seen.add(p.name);
    if (p.kind === 'categorical') {
      if (p.choices.length === 0) throw new RangeError(`${where}: choices must not be empty`);
      if (new Set(p.choices).size !== p.choices.length) {
        throw new RangeError(`${where}: choices must be distinct, got ${JSON.stringify(p.choices)}`);
      }
      continue;
    }
    if (!Number.isFinite(p.low) || !Number.isFinite(p.high) || !(p.low <= p.high)) {
      throw new RangeError(`${where}: low <= high must hold (both finite), got low=${p.low}, high=${p.high}`);
    }
    if (p.kind === 'int' && (!Number.isInteger(p.low) || !Number.isInteger(p.high))) {
      throw new RangeError(`${where}: an int's low and high must be integers, got low=${p.low}, high=${p.high}`);
    }
    if (p.log && p.kind === 'float' && !(p.low > 0)) throw new RangeError(`${where}: log scale needs low > 0, got low=${p.low}`);
    if (p.log && p.kind === 'int' && !(p.low >= 1)) throw new RangeError(`${where}: a log-scale int needs low >= 1, got low=${p.low}`);
  }
}

/** A parameter with one possible value: TPE returns it and spends no random number on it. */
export function fixedValue(p: TpeParam): TpeValue | undefined {
  if (p.kind === 'categorical') return p.choices.length === 1 ? p.choices[0] : undefined;
  return p.low === p.high ? p.low : undefined;
}

/** Where a numeric parameter's kernels live: [low, high] in kernel space (log, widened for ints). */
export interface KernelBounds {
  low: number;
  high: number;
}

/**
 * Integers are widened by half a step on each side so each integer owns an interval of equal
 * width (Optuna: parzen_estimator.py `_calculate_numerical_distributions`, step / 2); a log
 * scale puts the kernels in log space (so [log(low - 0.5), log(high + 0.5)] for a log int).
 */
export function kernelBounds(p: Exclude<TpeParam, { kind: 'categorical' }>): KernelBounds {
  const half = p.kind === 'int' ? 0.5 : 0;
  const low = p.low - half;
  const high = p.high + half;
  return p.log ? { low: Math.log(low), high: Math.log(high) } : { low, high };
}

/**
 * A trial's value of p in TPE's internal form (kernel space for numbers, the index of the choice
 * for categoricals), or undefined when it is missing or outside the space (such a trial does not
 * inform that parameter's model, as Optuna's `_get_internal_repr` skips trials without it).
 */
export function toInternal(p: TpeParam, v: TpeValue | undefined): number | undefined {
  if (p.kind === 'categorical') {
    const i = v === undefined ? -1 : p.choices.indexOf(v);
    return i < 0 ? undefined : i;
  }
  if (typeof v !== 'number' || !(v >= p.low && v <= p.high)) return undefined;
  if (p.kind === 'int' && !Number.isInteger(v)) return undefined;
  return p.log ? Math.log(v) : v;
}

/** Back from kernel space: exp for a log scale, the nearest integer for ints, clipped to [low, high]. */
export function fromKernelSpace(p: Exclude<TpeParam, { kind: 'categorical' }>, x: number): number {
  let v = p.log ? Math.exp(x) : x;
  if (p.kind === 'int') v = Math.round(v);
  return Math.min(p.high, Math.max(p.low, v));
}

/** One uniform draw of p (in kernel space, so log-uniform on a log scale); one random number. */
export function sampleUniform(p: TpeParam, rng: () => number): TpeValue {
  const u = rng();
  if (p.kind === 'categorical') return p.choices[Math.min(p.choices.length - 1, Math.floor(u * p.choices.length))];
  const b = kernelBounds(p);
  return fromKernelSpace(p, b.low + u * (b.high - b.low));
}
