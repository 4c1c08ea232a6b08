// Training-loss points as the law's data: windows of steps with their mean loss. A point reported
// at step s (lrsweep's convention: the 0-based index of a step) after a point at step r is taken as
// the mean training loss of steps r+1..s, as a per-step trainer (window of one step) or a trainer
// that prints window means reports it; an epoch's point is the mean of its steps. Short windows are merged so a fit sees about
// TARGET_WINDOWS windows a run (the issue's evidence used 20-step means of 2,000 steps).

export interface LossWindow {
  /** First step index (0-based) of the window. */
  start: number;
  /** One past its last step index. */
  end: number;
  /** The mean training loss of steps start..end−1. */
  loss: number;
}

/** A point of a loss curve: the index of the window's last step (0..T−1) and the loss reported there. */
export interface LossPoint {
  step: number;
  loss: number;
}

export const TARGET_WINDOWS = 100;

/** Why a curve cannot be used, as a phrase (the caller names the trial), or null. */
export function curveProblem(points: readonly LossPoint[], steps: number): string | null {
  let last = -1;
  for (const p of points) {
    if (!Number.isFinite(p.loss)) return `its loss at step ${p.step} is ${p.loss}: the law needs finite losses`;
    if (!(p.loss > 0)) return `its loss at step ${p.step} is ${p.loss}: the law needs positive losses (it fits log-losses)`;
    if (!Number.isInteger(p.step) || p.step <= last || p.step >= steps) return `its steps must rise within 0..${steps - 1} (0-based step indices), got ${p.step}${last >= 0 ? ` after ${last}` : ''}`;
    last = p.step;
  }
  return null;
}

/**
 * The windows of a curve's points (rising steps, checked by curveProblem), consecutive windows
 * merged (length-weighted) until each spans at least `minLength` steps; the last partial merge
 * joins its predecessor.
 */
export function windowsOf(points: readonly LossPoint[], minLength = 1): LossWindow[] {
  const out: LossWindow[] = [];
  let start = 0;
  let open: { start: number; end: number; sum: number } | null = null;
  for (const p of points) {
    const end = p.step + 1;
    const len = end - start;
    open = open ? { start: open.start, end, sum: open.sum + p.loss * len } : { start, end, sum: p.loss * len };
    if (open.end - open.start >= minLength) {
      out.push({ start: open.start, end: open.end, loss: open.sum / (open.end - open.start) });
      open = null;
    }
    start = end;
  }
  if (open) {
    const prev = out.pop();
    if (prev) {
      const sum = prev.loss * (prev.end - prev.start) + open.sum;
      out.push({ start: prev.start, end: open.end, loss: sum / (open.end - prev.start) });
    } else out.push({ start: open.start, end: open.end, loss: open.sum / (open.end - open.start) });
  }
  return out;
}

/** The window length the fit merges to for a run of `steps` steps. */
export const minWindowFor = (steps: number): number => Math.max(1, Math.floor(steps / TARGET_WINDOWS));
