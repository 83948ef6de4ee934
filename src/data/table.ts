import { DataError, ValueError, fmtValue } from '../core/errors.js';
import { parseNumber } from './csv.js';
import { ErrorLog, readRows, readRowsSync, resolveColumn, type CsvReadOptions, type RowHandler } from './rows.js';
import type { TextSource } from './source.js';

/** Options for {@link CsvTable.numbers}. */
export interface NumberColumnOptions {
  /**
   * What an empty (or all-space) cell means: `'error'` (default) reports it like any unparsable
   * cell; `'nan'` stores NaN so the caller imputes explicitly (Telco's blank `TotalCharges`).
   */
  missing?: 'error' | 'nan';
  /** How many bad cells to describe in the DataError; default 20. */
  maxErrors?: number;
}

/**
 * A CSV file held as string columns, with each row's source line kept for error messages.
 * Typed views come from {@link CsvTable.numbers}; categorical encoding is left to the caller.
 */
export class CsvTable {
  /** Column names; `'0'`, `'1'`, ... when the file had no header. */
  readonly header: readonly string[];
  /** `columns[c][r]` is the text of row r in column c. */
  readonly columns: readonly string[][];
  /** The 1-based source line of each row. */
  readonly lines: Int32Array;

  constructor(header: readonly string[], columns: readonly string[][], lines: Int32Array) {
    if (columns.length !== header.length)
      throw new ValueError(`CsvTable: ${header.length} names but ${columns.length} columns`);
    for (const [c, col] of columns.entries()) {
      if (col.length !== lines.length)
        throw new ValueError(`CsvTable: column ${c} has ${col.length} rows but lines has ${lines.length}`);
    }
    this.header = header;
    this.columns = columns;
    this.lines = lines;
  }

  /** Number of data rows. */
  get rowCount(): number {
    return this.lines.length;
  }

  /** The index of a column given by name or index; ValueError when there is none. */
  columnIndex(column: string | number): number {
    return resolveColumn('CsvTable', 'column', column, this.header as string[], this.header.length);
  }

  /** The text cells of one column. */
  column(column: string | number): string[] {
    return this.columns[this.columnIndex(column)]!;
  }

  /**
   * One column parsed as numbers. Unparsable cells (and empty cells unless `missing: 'nan'`)
   * are all reported in one DataError with their line numbers.
   */
  numbers(column: string | number, options: NumberColumnOptions = {}): Float64Array {
    const c = this.columnIndex(column);
    const cells = this.columns[c]!;
    const log = new ErrorLog(`CsvTable.numbers(${JSON.stringify(this.header[c])})`, options.maxErrors);
    const out = new Float64Array(cells.length);
    for (let r = 0; r < cells.length; r++) {
      const text = cells[r]!;
      const x = parseNumber(text);
      if (Number.isNaN(x)) {
        if (text.trim() === '' && options.missing === 'nan') out[r] = Number.NaN;
        else log.add(this.lines[r]!, `${JSON.stringify(text)} is not a number`);
      } else out[r] = x;
    }
    log.throwIfAny();
    return out;
  }
}

function tableBuilder(op: string): { handler: RowHandler; finish(any: boolean): CsvTable } {
  let header: string[] = [];
  let columns: string[][] = [];
  const lines: number[] = [];
  return {
    handler: {
      start(h, width) {
        header = h ?? Array.from({ length: width }, (_, i) => String(i));
        const dup = header.find((name, i) => header.indexOf(name) !== i);
        if (dup !== undefined) throw new DataError(`${op}: the header names ${fmtValue(dup)} more than once`);
        columns = header.map(() => []);
      },
      row(fields, line) {
        for (let c = 0; c < fields.length; c++) columns[c]!.push(fields[c]!);
        lines.push(line);
      },
    },
    finish(any) {
      if (!any) throw new DataError(`${op}: the input is empty`);
      return new CsvTable(header, columns, Int32Array.from(lines));
    },
  };
}

/**
 * Parses CSV text into a {@link CsvTable}. Rows with the wrong number of columns are reported
 * together, with line numbers, in one DataError; empty input is a DataError. A header-only file
 * gives a table with no rows.
 */
export function parseCsvTable(text: string, options: CsvReadOptions = {}): CsvTable {
  const op = 'parseCsvTable';
  const log = new ErrorLog(op, options.maxErrors);
  const b = tableBuilder(op);
  const any = readRowsSync(text, op, options, log, b.handler);
  log.throwIfAny();
  return b.finish(any);
}

/** Reads a {@link CsvTable} from a path, `{ text }` or a stream (see {@link TextSource}). */
export async function readCsvTable(source: TextSource, options: CsvReadOptions = {}): Promise<CsvTable> {
  const op = 'readCsvTable';
  const log = new ErrorLog(op, options.maxErrors);
  const b = tableBuilder(op);
  const any = await readRows(source, op, options, log, b.handler);
  log.throwIfAny();
  return b.finish(any);
}
