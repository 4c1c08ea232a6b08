// Timing helpers for benchmarks: warm up, then take the median of several runs.

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median milliseconds of `reps` runs of fn after `warmup` unmeasured runs. */
export function timeMs(fn: () => void, reps = 15, warmup = 3): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(times);
}

export function verdict(ok: boolean): string {
  return ok ? 'meets target' : 'BELOW TARGET';
}
