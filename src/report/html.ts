// The HTML sweep report: one self-contained file (charts as inline SVG, styles inline, no
// scripts, nothing fetched), so it opens offline and stays light for thousands of trials.

import { totalOf } from '../core/trial.js';
import { pickParams } from '../sweep/space.js';
import { describeMethod } from '../sweep/samplers/index.js';
import { prunedNote, type SweepResults as SweepData } from '../sweep/results.js';
import { CLI } from '../core/cli-name.js';

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const num = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : Number(v.toPrecision(5)).toString()) : esc(v));

function table(columns: string[], rows: Record<string, unknown>[]): string {
  return `<table><thead><tr>${columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr></thead><tbody>${
    rows.map((r) => `<tr>${columns.map((c) => `<td>${num(r[c])}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

export interface Charts {
  curves: string;
  losses: string;
  heatmaps: string[];
  parallel: string | null;
  /** The search history (objective by trial and best so far); null with no complete trial. */
  history: string | null;
}

/** At most this many failed trials are listed; the rest are counted. */
const MAX_FAILED_ROWS = 200;

/** What created the sweep's trials: planned up front, or suggested as results arrived (by origin). */
function searchLine(d: SweepData): string {
  const origins = d.origins;
  const suggested = origins.startup + origins.model + origins.anchor;
  if (suggested === 0) return `<p class="muted">${esc(describeMethod(d.definition.method))}: every trial planned up front (${origins.plan} trials).</p>`;
  // The predict sampler: anchors trained first, then the law's shortlist (its startup trials are a fallback's).
  if (origins.anchor > 0) return `<p class="muted">${esc(describeMethod(d.definition.method))}: ${origins.anchor} anchor trials trained first, then ${origins.model} predicted best by the law fitted to them${origins.startup ? `, ${origins.startup} in the file's plain order (the fit failed)` : ''}.</p>`;
  return `<p class="muted">${esc(describeMethod(d.definition.method))}: trials created as results arrived: ${origins.startup} startup draws, then ${origins.model} suggested by the model${origins.plan ? `, ${origins.plan} planned` : ''}.</p>`;
}

export function reportHtml(d: SweepData, charts: Charts, generatedAt: Date): string {
  const total = totalOf(d.counts);
  const { metric, goal } = d.record;
  const chart = (id: string, title: string, svg: string) => `<figure class="chart" id="${id}" data-title="${esc(title)}">${svg}</figure>`;
  const topRows = d.top.map((c) => ({ rank: c.rank, [metric]: c.objective, std: c.std, repeats: c.repeats, best_trial: c.bestTrial, ...pickParams(c.params, d.keys), config: c.configHash }));
  const failedRows = d.failed.slice(0, MAX_FAILED_ROWS).map((t) => ({ trial: t.number, repeat: t.repeat, ...pickParams(t.params, d.keys), error: t.error }));
  const divergedRows = d.diverged.slice(0, MAX_FAILED_ROWS).map((t) => ({ trial: t.number, repeat: t.repeat, ...pickParams(t.params, d.keys), where: t.error }));
  const prunedRows = d.pruned.slice(0, MAX_FAILED_ROWS).map((t) => ({ trial: t.number, repeat: t.repeat, ...pickParams(t.params, d.keys), [`last ${metric}`]: t.objective, why: t.error }));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>lrsweep report: ${esc(d.record.name)}</title>
<style>
  body { font-family: 'DejaVu Sans', Helvetica, Arial, sans-serif; margin: 2rem auto; max-width: 1200px; color: #222; padding: 0 1rem; }
  h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: .3rem; }
  table { border-collapse: collapse; font-size: .85rem; margin: .5rem 0; }
  th, td { border: 1px solid #ddd; padding: .25rem .5rem; text-align: right; }
  th { background: #f4f4f4; } td:last-child { text-align: left; }
  .counts span { display: inline-block; margin-right: 1.2rem; } .counts b { font-size: 1.2rem; }
  figure.chart { margin: 1rem 0; overflow-x: auto; } .grid { display: flex; flex-wrap: wrap; gap: 1rem; }
  pre { background: #f7f7f7; padding: .8rem; overflow-x: auto; font-size: .8rem; }
  .muted { color: #777; font-size: .85rem; }
</style>
</head>
<body>
<h1>Sweep <code>${esc(d.record.name)}</code></h1>
<p class="muted">${esc(describeMethod(d.definition.method))} search, ${esc(d.definition.trainer.kind)} trainer, ${d.steps} steps per trial,
objective: ${esc(goal)} ${esc(metric)} (${esc(d.definition.objective.summary)} epoch). Report made ${esc(generatedAt.toISOString())}.</p>

<h2 id="status">Status</h2>
<p class="counts"><span><b>${total}</b> trials</span>${Object.entries(d.counts).map(([k, v]) => `<span><b>${v}</b> ${k}</span>`).join('')}</p>

<h2 id="top">Top configs</h2>
${d.top.length ? table(['rank', metric, 'std', 'repeats', 'best_trial', ...d.keys, 'config'], topRows) : '<p>No complete trials yet.</p>'}

<h2 id="search">Search history</h2>
${searchLine(d)}
${charts.history ? chart('history', 'search history', charts.history) : '<p>No complete trials yet.</p>'}

<h2 id="curves-section">LR curves of the top configs</h2>
${chart('curves', 'LR curves', charts.curves)}

<h2 id="losses-section">${esc(d.lossMetric ?? 'Loss')} per epoch of the top configs (their best repeat)</h2>
${chart('losses', 'losses', charts.losses)}

<h2 id="landscape">The objective against the parameters</h2>
${prunedNote(d) ? `<p class="muted">${esc(prunedNote(d)!)}: see <a href="#pruned">Pruned trials</a>.</p>` : ''}
${charts.heatmaps.length ? `<div class="grid">${charts.heatmaps.map((svg, i) => chart(`heatmap-${i}`, 'heatmap', svg)).join('')}</div>` : '<p>Fewer than two numeric parameters vary: no heatmaps.</p>'}
${charts.parallel ? chart('parallel', 'parallel coordinates', charts.parallel) : ''}

<h2 id="lints">Schedule warnings</h2>
${d.lints.summary.length ? `<p class="muted">Traps of restart schedules in this sweep's configs (${d.lints.linted} linted); they never stop a run. Silence a rule with <code>lint: { ignore: [rule] }</code>.</p>
${table(['rule', 'configs', 'example'], d.lints.summary.map((l) => ({ rule: l.rule, configs: l.configs, example: l.example })))}` : '<p>None.</p>'}

<h2 id="failed">Failed trials</h2>
${d.failed.length ? table(['trial', 'repeat', ...d.keys, 'error'], failedRows) : '<p>None.</p>'}
${d.failed.length > MAX_FAILED_ROWS ? `<p class="muted">and ${d.failed.length - MAX_FAILED_ROWS} more: <code>${CLI} trials ${esc(d.record.name)} --state failed</code></p>` : ''}

<h2 id="diverged">Diverged trials</h2>
<p class="muted">A NaN or infinite training loss (or objective): never ranked, never re-run.</p>
${d.diverged.length ? table(['trial', 'repeat', ...d.keys, 'where'], divergedRows) : '<p>None.</p>'}
${d.diverged.length > MAX_FAILED_ROWS ? `<p class="muted">and ${d.diverged.length - MAX_FAILED_ROWS} more: <code>${CLI} trials ${esc(d.record.name)} --state diverged</code></p>` : ''}

<h2 id="pruned">Pruned trials</h2>
<p class="muted">Stopped early by the sweep's pruner: their points are kept, their last reported ${esc(metric)} is shown; never ranked, never re-run.</p>
${d.pruned.length ? table(['trial', 'repeat', ...d.keys, `last ${metric}`, 'why'], prunedRows) : '<p>None.</p>'}
${d.pruned.length > MAX_FAILED_ROWS ? `<p class="muted">and ${d.pruned.length - MAX_FAILED_ROWS} more: <code>${CLI} trials ${esc(d.record.name)} --state pruned</code></p>` : ''}

<h2 id="definition">Definition</h2>
<pre>${esc(JSON.stringify(d.definition, null, 2))}</pre>
</body>
</html>
`;
}
