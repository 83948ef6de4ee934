import { DataError, ValueError, fmtValue } from '../core/errors.js';
import { CsvParser, type CsvParseOptions, type CsvRecord, parseNumber } from './csv.js';
import type { Id } from './idmap.js';
import type { InteractionColumns } from './interactions-types.js';
import { type TextSource, textChunks } from './source.js';

/**
 * What a CSV column must hold: `'number'` → Float64Array (a field that is not a finite number
 * is a DataError naming line, column and text); `'id'` → the text as an id (`'numeric-id'`
 * parses it, so '007' and '7' are one id, as `readInteractionsCsv`'s `ids: 'number'`);
 * `'string'` → the text.
 */
export type CsvColumnKind = 'number' | 'id' | 'numeric-id' | 'string';

/** The array a column of each kind is read into. */
export type CsvColumnOf<K extends CsvColumnKind> = K extends 'number'
  ? Float64Array
  : K extends 'string'
    ? string[]
    : Id[];

/** Rows of the requested columns, by name. */
export interface CsvBatch<C extends Record<string, CsvColumnKind>> {
  rows: number;
  /** 1-based line of the batch's first record, for error messages downstream. */
  line: number;
  columns: { [N in keyof C]: CsvColumnOf<C[N]> };
}

export interface CsvStreamOptions<C extends Record<string, CsvColumnKind>> extends CsvParseOptions {
  /** The columns to read (by header name) and the kind each must be. */
  columns: C;
  /** Rows per yielded batch; default 65,536. */
  batchRows?: number;
}

/**
 * Reads the requested columns of a CSV file (first line: the header) in batches of at most
 * `batchRows` rows, from a path, a URL, `{text}`, a ReadableStream or an async iterable of
 * text or bytes; only the current batch and the parser's unfinished line are held, never the
 * file. Parsing is the library's RFC 4180 {@link CsvParser} (quotes, CRLF, BOM).
 *
 * Bad input is a DataError: a requested column missing from the header (naming it and listing
 * the header), a record with fewer fields than the header (naming its line), a `'number'`
 * field that is not a finite number or an empty id (naming line, column and text).
 *
 * @example
 * for await (const b of at.data.readCsvStream('events.csv', { columns: { user: 'id', amount: 'number' } }))
 *   console.log(b.rows, b.columns.amount[0]);
 */
export async function* readCsvStream<C extends Record<string, CsvColumnKind>>(
  source: TextSource,
  options: CsvStreamOptions<C>,
): AsyncGenerator<CsvBatch<C>> {
  const op = 'readCsvStream';
  if (
    options === null ||
    typeof options !== 'object' ||
    options.columns === null ||
    typeof options.columns !== 'object'
  )
    throw new ValueError(`${op}: options.columns must map column names to kinds; got ${fmtValue(options?.columns)}`);
  const spec = Object.entries(options.columns);
  if (spec.length === 0) throw new ValueError(`${op}: options.columns names no column`);
  for (const [name, kind] of spec)
    if (!['number', 'id', 'numeric-id', 'string'].includes(kind as string))
      throw new ValueError(
        `${op}: column '${name}' has kind ${fmtValue(kind)}; expected 'number', 'id', 'numeric-id' or 'string'`,
      );
  const batchRows = options.batchRows ?? 65536;
  if (!Number.isInteger(batchRows) || batchRows < 1)
    throw new ValueError(`${op}: batchRows must be a positive integer; got ${fmtValue(batchRows)}`);
  const parser = new CsvParser(options);
  let index: number[] | null = null;
  let width = 0;
  let pending: CsvRecord[] = [];
  const ready: CsvBatch<C>[] = [];
  const flush = () => {
    if (pending.length > 0) ready.push(toBatch(op, spec, index!, pending));
    pending = [];
  };
  const emit = (record: CsvRecord) => {
    if (index === null) {
      index = spec.map(([name]) => {
        const at = record.fields.indexOf(name);
        if (at < 0)
          throw new DataError(
            `${op}: column '${name}' is not in the header (line ${record.line}); the header holds ${fmtValue(record.fields)}`,
          );
        return at;
      });
      width = record.fields.length;
      return;
    }
    if (record.fields.length < width)
      throw new DataError(`${op}: line ${record.line} has ${record.fields.length} fields; the header has ${width}`);
    pending.push(record);
    if (pending.length === batchRows) flush();
  };
  for await (const text of textChunks(source, op)) {
    parser.push(text, emit);
    yield* ready.splice(0);
  }
  parser.end(emit);
  if (index === null) throw new DataError(`${op}: the input is empty; expected a header line`);
  flush();
  yield* ready.splice(0);
}

function toBatch<C extends Record<string, CsvColumnKind>>(
  op: string,
  spec: [string, CsvColumnKind][],
  index: number[],
  records: CsvRecord[],
): CsvBatch<C> {
  const columns: Record<string, unknown> = {};
  spec.forEach(([name, kind], c) => {
    const at = index[c]!;
    if (kind === 'number' || kind === 'numeric-id') {
      const out = kind === 'number' ? new Float64Array(records.length) : new Array<Id>(records.length);
      records.forEach((r, j) => {
        const x = parseNumber(r.fields[at]!);
        if (!Number.isFinite(x))
          throw new DataError(
            `${op}: line ${r.line}, column '${name}': ${fmtValue(r.fields[at])} is not a ${kind === 'number' ? 'finite number' : 'numeric id'}`,
          );
        out[j] = x;
      });
      columns[name] = out;
    } else {
      columns[name] = records.map((r) => {
        const text = r.fields[at]!;
        if (kind === 'id' && text === '')
          throw new DataError(`${op}: line ${r.line}, column '${name}': the id is empty`);
        return text;
      });
    }
  });
  return { rows: records.length, line: records[0]!.line, columns: columns as CsvBatch<C>['columns'] };
}

/** Which CSV columns hold the interactions. */
export interface CsvInteractionColumns {
  /** User id column; default 'user'. */
  user?: string;
  /** Item id column; default 'item'. */
  item?: string;
  /** Rating or weight column; omitted: every row counts 1. */
  value?: string;
  /** `'string'` (default) keeps ids as text; `'number'` parses them (as `readInteractionsCsv`). */
  ids?: 'string' | 'number';
}

/**
 * Interaction rows of a CSV file in chunks of at most `batchRows`, as {@link InteractionColumns},
 * for streaming fits (`fitStream` of StreamingMatrixFactorization and StreamingBPR): the
 * CSV twin of `readInteractionsParquetStream`.
 */
export async function* readInteractionsCsvStream(
  source: TextSource,
  columns: CsvInteractionColumns = {},
  options: CsvParseOptions & { batchRows?: number } = {},
): AsyncGenerator<InteractionColumns> {
  const idKind = columns.ids === 'number' ? 'numeric-id' : 'id';
  const user = columns.user ?? 'user';
  const item = columns.item ?? 'item';
  const spec: Record<string, CsvColumnKind> = { [user]: idKind, [item]: idKind };
  if (columns.value !== undefined) spec[columns.value] = 'number';
  for await (const b of readCsvStream(source, { ...options, columns: spec })) {
    const c = b.columns as Record<string, never>;
    yield { users: c[user]!, items: c[item]!, ...(columns.value !== undefined ? { values: c[columns.value] } : {}) };
  }
}

/** A batch of named columns, as `readCsvStream` and `readParquetStream` yield them. */
export interface ColumnBatch {
  rows: number;
  columns: Record<string, unknown>;
}

/**
 * Turns batches of named number columns (from `readCsvStream` or `readParquetStream`) into
 * row-major matrices `{data, cols}` of the `features` columns in that order, the chunks
 * `MiniBatchKMeans.fitStream` takes. With `label`, yields `{X, y}` chunks for
 * `ChurnClassifier.fitStream` instead (the label column 0/1). A missing column, or one that is
 * not numbers, is a DataError naming it.
 */
export function featureChunks(
  batches: AsyncIterable<ColumnBatch>,
  features: readonly string[],
): AsyncGenerator<{ data: Float64Array; cols: number }>;
export function featureChunks(
  batches: AsyncIterable<ColumnBatch>,
  features: readonly string[],
  label: string,
): AsyncGenerator<{ X: { data: Float64Array; cols: number }; y: Float64Array }>;
export async function* featureChunks(
  batches: AsyncIterable<ColumnBatch>,
  features: readonly string[],
  label?: string,
): AsyncGenerator<{ data: Float64Array; cols: number } | { X: { data: Float64Array; cols: number }; y: Float64Array }> {
  const op = 'featureChunks';
  if (!Array.isArray(features) || features.length === 0)
    throw new ValueError(`${op}: features must name at least one column; got ${fmtValue(features)}`);
  const numbers = (b: ColumnBatch, name: string): ArrayLike<number> => {
    const c = b.columns[name];
    if (c === undefined)
      throw new DataError(`${op}: the batch has no column '${name}'; it has ${fmtValue(Object.keys(b.columns))}`);
    if (!(c instanceof Float64Array || c instanceof Float32Array))
      throw new DataError(
        `${op}: column '${name}' must be read as 'number'; got ${Array.isArray(c) ? 'ids or strings' : typeof c}`,
      );
    return c;
  };
  for await (const b of batches) {
    const cols = features.length;
    const data = new Float64Array(b.rows * cols);
    features.forEach((name, f) => {
      const c = numbers(b, name);
      for (let r = 0; r < b.rows; r++) data[r * cols + f] = c[r]!;
    });
    if (label === undefined) yield { data, cols };
    else yield { X: { data, cols }, y: Float64Array.from(numbers(b, label)) };
  }
}
