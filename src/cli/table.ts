/** Plain-text tables for human output (`--output table`): left-aligned columns, a header, no colours. */
import { forTerminal } from '../core/terminal-text.js';

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
  /** Cut longer cells with an ellipsis. */
  max?: number;
}

function cell(v: unknown, max: number | undefined): string {
  // cells hold what Graph or Databricks returned: controls and bidi characters are shown escaped
  const s = v === undefined || v === null || v === '' ? '-' : forTerminal(String(v), { oneLine: true });
  return max !== undefined && s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Render rows as aligned columns, two spaces apart; one line per row, trailing spaces trimmed. */
export function renderTable<T>(rows: T[], columns: Column<T>[]): string {
  const cells = rows.map((r) => columns.map((c) => cell(c.value(r), c.max)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n') + '\n';
}
