// A curve drawn in the terminal (`--plot -`): each column's exact minimum and maximum, two lines
// (asciichart series), so restart spikes and troughs both show. asciichart is imported when a
// chart is drawn: curve without --plot - starts without it.

import type { CurvePoint } from '../schedule/extremes.js';

export async function terminalChart(points: CurvePoint[], columns: number, options: { log?: boolean } = {}): Promise<string> {
  const { default: asciichart } = await import('asciichart');
  const first = points[0].step;
  const span = points[points.length - 1].step - first + 1;
  const hi = new Array<number>(columns).fill(Number.NaN);
  const lo = new Array<number>(columns).fill(Number.NaN);
  for (const p of points) {
    const c = Math.min(columns - 1, Math.floor(((p.step - first) * columns) / span));
    const v = options.log ? Math.log10(p.lr) : p.lr;
    if (!(v <= hi[c])) hi[c] = v;
    if (!(v >= lo[c])) lo[c] = v;
  }
  for (let c = 1; c < columns; c++) {
    if (Number.isNaN(hi[c])) hi[c] = hi[c - 1];
    if (Number.isNaN(lo[c])) lo[c] = lo[c - 1];
  }
  const chart = asciichart.plot([hi, lo], {
    height: 15,
    format: (x: number) => (options.log ? `1e${x.toFixed(2)}` : x.toPrecision(3)).padStart(10),
  });
  return `${chart}\n${' '.repeat(12)}steps ${first} .. ${first + span - 1}: each column's minimum and maximum${options.log ? ' (log10 scale)' : ''}\n`;
}
