// Tabular output for commands: a table for people (cli-table3), or JSON / CSV for programs.

import Table from 'cli-table3';

export type TableFormat = 'table' | 'json' | 'csv';
export const TABLE_FORMATS: readonly TableFormat[] = ['table', 'json', 'csv'];

export type Row = Record<string, unknown>;

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : Number(v.toPrecision(6)).toString();
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(rows: Row[], columns: string[]): string {
  return `${[columns.join(','), ...rows.map((r) => columns.map((c) => csvCell(r[c])).join(','))].join('\n')}\n`;
}

/** Renders rows in the format asked for; `columns` fixes the order (and the CSV header). */
export function render(rows: Row[], columns: string[], format: TableFormat): string {
  if (format === 'json') return `${JSON.stringify(rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null]))), null, 2)}\n`;
  if (format === 'csv') return toCsv(rows, columns);
  if (rows.length === 0) return '(none)\n';
  const table = new Table({ head: columns, style: { head: [], border: [], compact: true } });
  for (const r of rows) table.push(columns.map((c) => cell(r[c])));
  return `${table.toString()}\n`;
}
