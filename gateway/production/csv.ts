import type { Row } from './report.js';

/** CSV exports of the daily and shift tables (RFC 4180; UTF-8 with BOM so Excel shows Vietnamese). */
const COLUMNS = [
  'line',
  'machine',
  'name',
  'product',
  'good',
  'reject',
  'kg',
  'targetKg',
  'runS',
  'downS',
  'plannedS',
  'availability',
  'performance',
  'quality',
  'oee',
  'flags',
] as const;

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = Array.isArray(v) ? v.join(' ') : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function line(values: readonly unknown[]): string {
  return values.map(cell).join(',');
}

export function rowsCsv(
  rows: readonly (Row & { shift?: string; date?: string })[],
  lead: readonly ('date' | 'shift')[],
): string {
  const head = [...lead, ...COLUMNS];
  const body = rows.map((r) => line(head.map((c) => (r as unknown as Record<string, unknown>)[c])));
  return `\uFEFF${[line(head), ...body].join('\r\n')}\r\n`;
}
