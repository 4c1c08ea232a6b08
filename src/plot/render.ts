// Rendering Vega-Lite specs: compiled to Vega and drawn to SVG in Node (no browser, no canvas),
// and SVG to PNG with resvg (a native renderer that ships inside its npm package).
// vega and vega-lite take about 0.2 s to load and resvg is a native library: each is imported on
// the first chart drawn, so a command that draws nothing starts without them
// (test/house/startup.test.ts).

import { extname } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from '../io/output.js';
import { UsageError } from '../core/errors.js';

export async function toSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

async function svgToPng(svg: string, scale = 2): Promise<Buffer> {
  const { Resvg } = await import('@resvg/resvg-js');
  return new Resvg(svg, { fitTo: { mode: 'zoom', value: scale }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, background: 'white' })
    .render().asPng();
}

export type ImageFormat = 'svg' | 'png';

export function imageFormat(path: string, flag: string): ImageFormat {
  const ext = extname(path).slice(1).toLowerCase();
  if (ext === 'svg' || ext === 'png') return ext;
  throw new UsageError(`${flag} must end in .svg or .png, got ${JSON.stringify(path)}`);
}

/** Renders a chart to FILE.svg or FILE.png (written whole, then renamed into place). */
export async function writeChart(spec: TopLevelSpec, path: string, flag = '--out'): Promise<void> {
  const format = imageFormat(path, flag);
  const svg = await toSvg(spec);
  writeFileAtomic(path, format === 'svg' ? svg : await svgToPng(svg));
}
