import { DataError } from '../core/errors.js';
import type { Id } from './idmap.js';
import { parseNumber } from './csv.js';
import { Interactions } from './interactions.js';
import type { DuplicatePolicy } from './interactions-types.js';
import { ErrorLog, readRows, readRowsSync, resolveColumn, type CsvReadOptions, type RowHandler } from './rows.js';
import type { TextSource } from './source.js';

/** Which columns hold what, and how to read them. Columns are header names or 0-based indices. */
export interface InteractionsCsvOptions extends CsvReadOptions {
  /** User id column. */
  user: string | number;
  /** Item id column. */
  item: string | number;
  /** Rating or weight column; every row gets 1 when omitted. */
  value?: string | number;
  /** Numeric time column (for example unix seconds). */
  time?: string | number;
  /**
   * Parses a time cell that is not a plain number (ISO dates, say); it must return a finite
   * number or NaN, and NaN is reported as a malformed row. Default: decimal numbers only.
   */
  parseTime?: (text: string) => number;
  /** `'string'` (default) keeps ids as text; `'number'` parses them, so `'007'` and `'7'` are one id. */
  ids?: 'string' | 'number';
  /** See {@link DuplicatePolicy}; default `'error'`. */
  duplicates?: DuplicatePolicy;
}

function interactionsBuilder(
  op: string,
  options: InteractionsCsvOptions,
  log: ErrorLog,
): { handler: RowHandler; finish(any: boolean): Interactions } {
  const users: Id[] = [];
  const items: Id[] = [];
  const values: number[] = [];
  const times: number[] = [];
  const lines: number[] = [];
  let cu = 0;
  let ci = 0;
  let cv = -1;
  let ct = -1;
  const numericIds = options.ids === 'number';
  const readId = (text: string, what: string, line: number): Id | undefined => {
    if (numericIds) {
      const x = parseNumber(text);
      if (Number.isNaN(x)) log.add(line, `${what} id ${JSON.stringify(text)} is not a number`);
      return x;
    }
    if (text === '') log.add(line, `${what} id is empty`);
    return text;
  };
  const custom = options.parseTime;
  const parseTime = custom
    ? (text: string) => {
        const x = parseNumber(text);
        return Number.isNaN(x) ? custom(text) : x;
      }
    : parseNumber;
  const readValue = (text: string, what: string, line: number, parse: (s: string) => number): number => {
    const x = parse(text);
    if (!Number.isFinite(x)) log.add(line, `${what} ${JSON.stringify(text)} is not a finite number`);
    return x;
  };
  return {
    handler: {
      start(header, width) {
        cu = resolveColumn(op, 'options.user', options.user, header, width);
        ci = resolveColumn(op, 'options.item', options.item, header, width);
        if (options.value !== undefined) cv = resolveColumn(op, 'options.value', options.value, header, width);
        if (options.time !== undefined) ct = resolveColumn(op, 'options.time', options.time, header, width);
      },
      row(fields, line) {
        users.push(readId(fields[cu]!, 'user', line)!);
        items.push(readId(fields[ci]!, 'item', line)!);
        if (cv >= 0) values.push(readValue(fields[cv]!, 'value', line, parseNumber));
        if (ct >= 0) times.push(readValue(fields[ct]!, 'time', line, parseTime));
        lines.push(line);
      },
    },
    finish(any) {
      log.throwIfAny();
      if (!any || lines.length === 0) throw new DataError(`${op}: no data rows`);
      return Interactions.fromArrays(
        { users, items, values: cv >= 0 ? values : undefined, times: ct >= 0 ? times : undefined },
        { duplicates: options.duplicates, describeRow: (r) => `line ${lines[r]}` },
      );
    },
  };
}

/**
 * Reads interactions from CSV text in memory. Malformed rows (wrong column count, an empty or
 * unparsable id, a value or time that is not a finite number) are collected and reported
 * together, with line numbers, in one DataError; so are duplicate pairs under the default
 * policy. Ids are strings unless `ids: 'number'`.
 *
 * @example
 * parseInteractionsCsv('user,item,rating\nu1,i9,4\n', { user: 'user', item: 'item', value: 'rating' })
 */
export function parseInteractionsCsv(text: string, options: InteractionsCsvOptions): Interactions {
  const op = 'parseInteractionsCsv';
  const log = new ErrorLog(op, options.maxErrors);
  const b = interactionsBuilder(op, options, log);
  return b.finish(readRowsSync(text, op, options, log, b.handler));
}

/**
 * Reads interactions from a file path (Node), `{ text }`, or a stream; see {@link TextSource}
 * and {@link parseInteractionsCsv} for the rules.
 *
 * @example
 * await readInteractionsCsv('events.csv', { user: 'customer_id', item: 'sku', time: 'ts', duplicates: 'keep' })
 */
export async function readInteractionsCsv(source: TextSource, options: InteractionsCsvOptions): Promise<Interactions> {
  const op = 'readInteractionsCsv';
  const log = new ErrorLog(op, options.maxErrors);
  const b = interactionsBuilder(op, options, log);
  return b.finish(await readRows(source, op, options, log, b.handler));
}
