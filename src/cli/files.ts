import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { AttuneError, DataError } from '../core/errors.js';
import { parseNumber } from '../data/csv.js';
import { type CsvTable, readCsvTable } from '../data/table.js';
import { UsageError } from './args.js';

/**
 * A data problem the CLI reports as one line: `file, line N, column "c": what is wrong`. Every
 * command checks the cells it reads with {@link numberColumn} and friends, so a bad file names
 * its own row and column rather than an op deep inside the library.
 */
export class InputError extends DataError {
  override name = 'InputError';
}

/** Reads a CSV (or TSV, or whitespace-separated) file; a missing file or a ragged row is one line. */
export async function readTable(file: string, delimiter: string, header: boolean): Promise<CsvTable> {
  try {
    return await readCsvTable(file, { delimiter, header, quote: delimiter === 'whitespace' ? false : '"' });
  } catch (e) {
    const code = (e as { code?: string }).code ?? /\b(ENOENT|EISDIR|EACCES)\b/.exec((e as Error).message)?.[1];
    if (code === 'EACCES') throw new InputError(`${file}: permission denied`);
    if (code === 'ENOENT') throw new InputError(`${file}: no such file`);
    if (code === 'EISDIR') throw new InputError(`${file}: is a directory, not a file`);
    if (e instanceof DataError) throw new InputError(`${file}: ${firstProblem(e.message)}`);
    throw e;
  }
}

/**
 * The first problem of a library message that lists many ("op: 3 malformed row(s):\n  line 5:
 * ..."), with the count of the others, on one line.
 */
export function firstProblem(message: string): string {
  const lines = message.split('\n').map((l) => l.trim());
  const first = lines.find((l) => /^line \d+/.test(l));
  if (!first) return lines[0]!;
  const more = lines.length - 2;
  return `${first}${more > 0 ? ` (and ${more} more problem${more === 1 ? '' : 's'})` : ''}`;
}

/** The index of a column given by name (or by 0-based index with --no-header); one line naming the file when absent. */
export function column(table: CsvTable, file: string, name: string, option: string): number {
  const at = table.header.indexOf(name);
  if (at < 0)
    throw new UsageError(
      `${file}: no column "${name}" (given by --${option}); the columns are ${table.header.slice(0, 12).join(', ')}${table.header.length > 12 ? ', ...' : ''}`,
    );
  return at;
}

/** A column's cells as numbers; the first bad cell is named by file, line and column. */
export function numberColumn(
  table: CsvTable,
  file: string,
  c: number,
  options: { missing?: 'nan' } = {},
): Float64Array {
  const cells = table.columns[c]!;
  const out = new Float64Array(cells.length);
  let bad = -1;
  let count = 0;
  for (let r = 0; r < cells.length; r++) {
    const x = parseNumber(cells[r]!);
    if (Number.isNaN(x) && !(options.missing === 'nan' && cells[r]!.trim() === '')) {
      if (bad < 0) bad = r;
      count++;
    }
    out[r] = x;
  }
  if (bad >= 0)
    throw new InputError(
      `${file}, line ${table.lines[bad]}, column "${table.header[c]}": ${JSON.stringify(cells[bad])} is not a number${count > 1 ? ` (${count - 1} more rows like it)` : ''}`,
    );
  return out;
}

/** A column's cells as ids; an empty cell is named by file, line and column. */
export function idColumn(table: CsvTable, file: string, c: number): string[] {
  const cells = table.columns[c]!;
  const empty = cells.findIndex((s) => s.trim() === '');
  if (empty >= 0)
    throw new InputError(`${file}, line ${table.lines[empty]}, column "${table.header[c]}": the id is empty`);
  return cells;
}

/** Quotes a CSV field when it holds a comma, a quote or a line break. */
function csvField(v: string | number): string {
  const s = typeof v === 'number' ? (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)))) : v;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Writes rows as CSV (a header line, then one line per row) or JSON (an array of objects) by the file's extension. */
export async function writeRows(
  file: string,
  header: readonly string[],
  rows: readonly (string | number)[][],
): Promise<void> {
  const ext = extname(file).toLowerCase();
  if (ext === '.json') {
    const objects = rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
    await writeFile(file, `${JSON.stringify(objects, null, 1)}\n`);
  } else if (ext === '.csv' || ext === '.tsv' || ext === '.txt' || ext === '') {
    const text = [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n');
    await writeFile(file, `${text}\n`);
  } else throw new UsageError(`--out ${file}: write .csv or .json`);
}

/** The one line printed for a failure: AttuneErrors and file errors as they are, anything else with its type. */
export function errorLine(e: unknown): string {
  if (e instanceof AttuneError)
    return e instanceof InputError || e instanceof UsageError ? e.message : firstProblem(e.message);
  const err = e as NodeJS.ErrnoException;
  if (err?.code && err.path) return `${err.path}: ${err.code === 'ENOENT' ? 'no such file or directory' : err.message}`;
  return String(err?.message ?? e);
}

/** Runs `fn`; a DataError from the library (which lists bad lines) becomes one line naming `file`. */
export async function withFile<T>(file: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof DataError && !(e instanceof InputError))
      throw new InputError(`${file}, ${firstProblem(e.message)}`);
    throw e;
  }
}
