import { DataError, ValueError, fmtValue } from '../core/errors.js';
import { CsvParser, type CsvParseOptions, type CsvRecord } from './csv.js';
import { textChunks, type TextSource } from './source.js';

/** Options shared by the CSV readers. */
export interface CsvReadOptions extends CsvParseOptions {
  /** Whether the first record names the columns; default true. */
  header?: boolean;
  /** How many bad rows to describe in the one DataError thrown at the end; default 20. */
  maxErrors?: number;
}

/**
 * Collects per-row problems so one pass reports them together: fixing a file one error per run
 * is slow. It stores the first `max` messages and counts the rest.
 */
export class ErrorLog {
  private readonly messages: string[] = [];
  private count = 0;

  constructor(
    private readonly op: string,
    private readonly max = 20,
  ) {
    if (!Number.isInteger(max) || max < 1)
      throw new ValueError(`${op}: maxErrors must be a positive integer; got ${fmtValue(max)}`);
  }

  /** Records a problem found on `line` (1-based). */
  add(line: number, message: string): void {
    this.count++;
    if (this.messages.length < this.max) this.messages.push(`line ${line}: ${message}`);
  }

  /** Number of problems recorded so far. */
  get size(): number {
    return this.count;
  }

  /** Throws one DataError listing every recorded problem, if there were any. */
  throwIfAny(): void {
    if (this.count === 0) return;
    const more = this.count > this.messages.length ? `\n  ... and ${this.count - this.messages.length} more` : '';
    throw new DataError(`${this.op}: ${this.count} malformed row(s):\n  ${this.messages.join('\n  ')}${more}`);
  }
}

/** Receives the column layout once, then each well-formed data row. */
export interface RowHandler {
  /** Called with the header (undefined when `header: false`) and the column count. */
  start(header: string[] | undefined, width: number): void;
  row(fields: string[], line: number): void;
}

/** Splits records into header and rows and logs rows whose column count differs. */
function recordSink(options: CsvReadOptions, log: ErrorLog, handler: RowHandler): (r: CsvRecord) => void {
  const hasHeader = options.header ?? true;
  let width = -1;
  return (r) => {
    if (width < 0) {
      width = r.fields.length;
      handler.start(hasHeader ? r.fields : undefined, width);
      if (hasHeader) return;
    }
    if (r.fields.length !== width) {
      log.add(r.line, `expected ${width} columns, found ${r.fields.length}`);
      return;
    }
    handler.row(r.fields, r.line);
  };
}

/** Runs `handler` over CSV text in memory. Returns false when the text held no records. */
export function readRowsSync(
  text: string,
  op: string,
  options: CsvReadOptions,
  log: ErrorLog,
  handler: RowHandler,
): boolean {
  let any = false;
  const sink = recordSink(options, log, handler);
  const emit = (r: CsvRecord) => {
    any = true;
    sink(r);
  };
  const parser = new CsvParser(options);
  try {
    parser.push(text, emit);
    parser.end(emit);
  } catch (e) {
    throw named(op, e);
  }
  return any;
}

/** Runs `handler` over CSV from any {@link TextSource}, chunk by chunk. */
export async function readRows(
  source: TextSource,
  op: string,
  options: CsvReadOptions,
  log: ErrorLog,
  handler: RowHandler,
): Promise<boolean> {
  let any = false;
  const sink = recordSink(options, log, handler);
  const emit = (r: CsvRecord) => {
    any = true;
    sink(r);
  };
  const parser = new CsvParser(options);
  try {
    for await (const chunk of textChunks(source, op)) parser.push(chunk, emit);
    parser.end(emit);
  } catch (e) {
    throw named(op, e);
  }
  return any;
}

/** Prefixes the parser's structural errors (which know the line, not the caller) with `op`. */
function named(op: string, e: unknown): unknown {
  return e instanceof DataError && e.message.startsWith('CSV line')
    ? new DataError(`${op}: ${e.message}`, { cause: e })
    : e;
}

/**
 * Resolves a column given by name or 0-based index against the header; `what` names the option
 * (for example `options.user`) in the ValueError for an unknown, ambiguous or out-of-range column.
 */
export function resolveColumn(
  op: string,
  what: string,
  spec: string | number,
  header: string[] | undefined,
  width: number,
): number {
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec) || spec < 0 || spec >= width) {
      throw new ValueError(`${op}: ${what} must be a column index in [0, ${width}); got ${fmtValue(spec)}`);
    }
    return spec;
  }
  if (!header)
    throw new ValueError(
      `${op}: ${what} is the column name ${fmtValue(spec)} but header is false; give a column index`,
    );
  const at = header.indexOf(spec);
  if (at < 0)
    throw new ValueError(`${op}: ${what}: no column named ${fmtValue(spec)}; the header has ${fmtValue(header)}`);
  if (header.indexOf(spec, at + 1) >= 0)
    throw new ValueError(`${op}: ${what}: the header names ${fmtValue(spec)} more than once`);
  return at;
}
