/** Plain-text output of the demo: section rules, aligned tables and number formats. */

export function section(log: (line: string) => void, title: string): void {
  log('');
  log(`── ${title} ${'─'.repeat(Math.max(3, 72 - title.length))}`);
}

/** A plain-text table; `align` has one letter per column, l (left) or r (right). */
export function table(log: (line: string) => void, header: string[], rows: string[][], align: string): void {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]): string =>
    '  ' +
    cells
      .map((s, c) => (align[c] === 'r' ? s.padStart(widths[c]!) : s.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  log(line(header));
  log(`  ${widths.map((w) => '─'.repeat(w)).join('  ')}`);
  for (const r of rows) log(line(r));
}

export function fmt(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

export function fmtInt(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

export function fmtPct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

export function fmtRatio(r: number): string {
  return Number.isFinite(r) ? `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(0)}%` : 'n/a';
}
