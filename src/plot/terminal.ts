// A curve drawn in the terminal (`--plot -`): the decimated maximum per column, via asciichart.

import asciichart from 'asciichart';
import type { CurvePoint } from './decimate.js';

export function terminalChart(points: CurvePoint[], columns: number, options: { log?: boolean } = {}): string {
  // One value per column: the decimation gives min and max; show the max so restarts stand out.
  const first = points[0].step;
  const span = points[points.length - 1].step - first + 1;
  const values = new Array<number>(columns).fill(Number.NaN);
  for (const p of points) {
    const c = Math.min(columns - 1, Math.floor(((p.step - first) * columns) / span));
    const v = options.log ? Math.log10(p.lr) : p.lr;
    if (!(v <= values[c])) values[c] = v;
  }
  for (let c = 1; c < columns; c++) if (Number.isNaN(values[c])) values[c] = values[c - 1];
  const chart = asciichart.plot(values, {
    height: 15,
    format: (x: number) => (options.log ? `1e${x.toFixed(2)}` : x.toPrecision(3)).padStart(10),
  });
  return `${chart}\n${' '.repeat(12)}steps ${first} .. ${first + span - 1}${options.log ? ' (log10 scale)' : ''}\n`;
}
