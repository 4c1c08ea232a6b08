// Python literals for the native calls (`lrsweep show`): what a user pastes into a training script.

/** A float as Python reads it back to the same double: 1.0, not 1 (a float parameter stays a float). */
export function pyFloat(x: number): string {
  return Number.isInteger(x) && Math.abs(x) < 1e16 ? x.toFixed(1) : String(x);
}

export function pyBool(x: boolean): string {
  return x ? 'True' : 'False';
}

export function pyString(x: string): string {
  return JSON.stringify(x);
}
