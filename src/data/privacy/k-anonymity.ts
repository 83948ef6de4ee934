import { ValueError, fmtValue } from '../../core/errors.js';
import { CsvTable } from '../table.js';

/** What {@link kAnonymity} finds. */
export interface KAnonymityReport {
  /** The size of the smallest equivalence class: the table is k-anonymous for every k up to this. */
  k: number;
  /** Equivalence classes (distinct combinations of the quasi-identifiers). */
  classes: number;
  /** When a target k was given: whether every class has at least that many rows. */
  satisfies: boolean | undefined;
  /** Rows in classes smaller than the target (or, without a target, in classes of size 1). */
  rowsAtRisk: number;
  /** The smallest classes (up to 20), with their values and sizes. */
  smallest: { values: string[]; count: number }[];
}

/**
 * Checks k-anonymity over quasi-identifier columns (zip code, birth year, gender...): every
 * combination of their values must be shared by at least k rows, or a row can be singled out
 * by someone who knows those attributes. Works on row objects or a {@link CsvTable}; values are
 * compared as text, so generalise first (birth year to decade, zip to 3 digits) where needed.
 */
export function kAnonymity(
  data: readonly Record<string, unknown>[] | CsvTable,
  quasiIdentifiers: readonly string[],
  options: { k?: number } = {},
): KAnonymityReport {
  const op = 'kAnonymity';
  if (quasiIdentifiers.length === 0) throw new ValueError(`${op}: give at least one quasi-identifier column`);
  if (options.k !== undefined && (!Number.isInteger(options.k) || options.k < 1))
    throw new ValueError(`${op}: k must be a positive integer; got ${fmtValue(options.k)}`);
  let n: number;
  let cell: (q: number, i: number) => string;
  if (data instanceof CsvTable) {
    const cols = quasiIdentifiers.map((q) => data.column(q));
    n = data.rowCount;
    cell = (q, i) => cols[q]![i]!;
  } else {
    n = data.length;
    if (n > 0) {
      for (const q of quasiIdentifiers)
        if (!(q in data[0]!)) throw new ValueError(`${op}: the rows have no column ${fmtValue(q)}`);
    }
    cell = (q, i) => String(data[i]![quasiIdentifiers[q]!] ?? '');
  }
  if (n === 0) throw new ValueError(`${op}: no rows`);
  const counts = new Map<string, { values: string[]; count: number }>();
  for (let i = 0; i < n; i++) {
    const values = quasiIdentifiers.map((_, q) => cell(q, i));
    const key = JSON.stringify(values);
    const c = counts.get(key);
    if (c) c.count++;
    else counts.set(key, { values, count: 1 });
  }
  const classes = [...counts.values()].sort((a, b) => a.count - b.count);
  const k = classes[0]!.count;
  const threshold = options.k ?? 2;
  let rowsAtRisk = 0;
  for (const c of classes) if (c.count < threshold) rowsAtRisk += c.count;
  return {
    k,
    classes: classes.length,
    satisfies: options.k === undefined ? undefined : k >= options.k,
    rowsAtRisk,
    smallest: classes.slice(0, 20),
  };
}
