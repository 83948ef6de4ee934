import { DataError, ShapeError, ValueError, fmtValue } from '../core/errors.js';
import { parseNumber } from './csv.js';
import type { Id } from './idmap.js';
import { rfmFeatures, type RfmOptions, type RfmTable } from './rfm.js';
import { CsvTable } from './table.js';

const DAY_MS = 86_400_000;

/** Time units of the lifetime-value summaries, in days ('month' is 365.25 / 12 days). */
export const TIME_UNITS = { day: 1, week: 7, month: 365.25 / 12 } as const;
export type TimeUnit = keyof typeof TIME_UNITS;

/**
 * A transaction log in any of the shapes a shop export arrives in: a {@link CsvTable} (cells
 * parsed here), an array of row objects, or an object of equal-length columns. Column names are
 * given by the `customer`, `date` and `value` options.
 */
export type TransactionLog = CsvTable | readonly Record<string, unknown>[] | object;

/** Which columns of a {@link TransactionLog} hold what. */
export interface TransactionColumnNames {
  /** Customer id column; default `'customer'`. */
  customer?: string | number;
  /** Date column; default `'date'`. Dates are Date objects, epoch ms, `YYYYMMDD` or ISO text. */
  date?: string | number;
  /** Order value column; default `'value'`. Omit it (or set `null`) for a log without values. */
  value?: string | number | null;
}

/** The log read into typed columns, dates as UTC day numbers (days since 1970-01-01). */
export interface ParsedTransactions {
  customer: Id[];
  day: Float64Array;
  value: Float64Array | undefined;
}

/**
 * Parses a date cell to epoch milliseconds: a Date, a finite number of epoch ms, 8 digits
 * `YYYYMMDD` (CDNOW), or ISO 8601 text (`2024-03-01`, `2024-03-01T10:00:00Z`). Anything else is
 * NaN; callers report it with the row.
 */
export function parseDate(cell: unknown): number {
  if (cell instanceof Date) return cell.getTime();
  if (typeof cell === 'number') return Number.isFinite(cell) ? cell : Number.NaN;
  if (typeof cell !== 'string') return Number.NaN;
  const s = cell.trim();
  const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (compact) return utcDate(Number(compact[1]), Number(compact[2]), Number(compact[3]));
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(s);
  if (!iso) return Number.NaN;
  const date = utcDate(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  return iso[4] === undefined ? date : Number.isNaN(date) ? date : Date.parse(s.replace(' ', 'T'));
}

/** Epoch ms of a calendar date in UTC, NaN for impossible dates such as 1997-02-30. */
function utcDate(y: number, m: number, d: number): number {
  const t = Date.UTC(y, m - 1, d);
  const back = new Date(t);
  return back.getUTCFullYear() === y && back.getUTCMonth() === m - 1 && back.getUTCDate() === d ? t : Number.NaN;
}

function isTable(log: TransactionLog): log is CsvTable {
  return log instanceof CsvTable;
}

/**
 * Reads the customer, date and value columns of a transaction log, checking every row: an
 * unparsable date, a missing id, or a non-numeric or negative value is a DataError naming the
 * row (the CSV line for a table), all problems listed together.
 */
export function readTransactions(
  op: string,
  log: TransactionLog,
  names: TransactionColumnNames = {},
): ParsedTransactions {
  const customerCol = names.customer ?? 'customer';
  const dateCol = names.date ?? 'date';
  const valueCol = names.value === undefined ? 'value' : names.value;
  let n: number;
  let get: (col: string | number, i: number) => unknown;
  let where: (i: number) => string;
  let hasValue: boolean;
  if (isTable(log)) {
    const cols = new Map<string | number, string[]>();
    for (const c of [customerCol, dateCol, ...(valueCol === null ? [] : [valueCol])]) cols.set(c, log.column(c));
    n = log.rowCount;
    get = (col, i) => cols.get(col)![i];
    where = (i) => `line ${log.lines[i]}`;
    hasValue = valueCol !== null;
  } else if (Array.isArray(log)) {
    const rows = log as readonly Record<string, unknown>[];
    n = rows.length;
    get = (col, i) => rows[i]![col];
    where = (i) => `row ${i}`;
    hasValue = valueCol !== null && n > 0 && valueCol in rows[0]!;
  } else {
    const cols = log as Record<string, ArrayLike<unknown>>;
    for (const c of [customerCol, dateCol, ...(valueCol === null ? [] : [valueCol])]) {
      const col = cols[c] as unknown;
      if (
        col !== undefined &&
        (typeof col !== 'object' || col === null || typeof (col as ArrayLike<unknown>).length !== 'number')
      )
        throw new ValueError(`${op}: column ${fmtValue(c)} must be an array; got ${typeof col}`);
    }
    for (const c of [customerCol, dateCol]) {
      if (!cols[c])
        throw new ValueError(
          `${op}: the log has no column ${fmtValue(c)}; it has ${JSON.stringify(Object.keys(cols))}`,
        );
    }
    hasValue = valueCol !== null && cols[valueCol] !== undefined;
    n = cols[customerCol]!.length;
    for (const c of [dateCol, ...(hasValue ? [valueCol!] : [])]) {
      if (cols[c]!.length !== n)
        throw new ShapeError(
          `${op}: column ${fmtValue(c)} has ${cols[c]!.length} rows; ${fmtValue(customerCol)} has ${n}`,
        );
    }
    get = (col, i) => cols[col]![i];
    where = (i) => `row ${i}`;
  }
  if (names.value !== undefined && names.value !== null && !hasValue)
    throw new ValueError(`${op}: value column ${fmtValue(names.value)} is not in the log`);
  const customer: Id[] = new Array(n);
  const day = new Float64Array(n);
  const value = hasValue ? new Float64Array(n) : undefined;
  const problems: string[] = [];
  let count = 0;
  const bad = (i: number, msg: string) => {
    if (count++ < 20) problems.push(`${where(i)}: ${msg}`);
  };
  for (let i = 0; i < n; i++) {
    const id = get(customerCol, i);
    if ((typeof id !== 'string' || id.trim() === '') && (typeof id !== 'number' || !Number.isFinite(id)))
      bad(i, `customer id ${fmtValue(id)} is missing or not a string or number`);
    customer[i] = typeof id === 'string' ? id.trim() : (id as number);
    const cell = get(dateCol, i);
    const t = parseDate(cell);
    if (Number.isNaN(t))
      bad(i, `date ${fmtValue(cell)} is not a date (expected YYYYMMDD, ISO 8601, a Date or epoch ms)`);
    day[i] = Math.floor(t / DAY_MS);
    if (value) {
      const cell = get(valueCol!, i);
      const v = typeof cell === 'number' ? cell : typeof cell === 'string' ? parseNumber(cell) : Number.NaN;
      if (!Number.isFinite(v)) bad(i, `value ${fmtValue(cell)} is not a finite number`);
      else if (v < 0) bad(i, `value ${v} is negative (net refunds against their orders first)`);
      value[i] = v;
    }
  }
  if (count > 0) {
    const more = count > problems.length ? `\n  ... and ${count - problems.length} more` : '';
    throw new DataError(`${op}: ${count} bad transaction(s):\n  ${problems.join('\n  ')}${more}`);
  }
  return { customer, day, value };
}

/** Options of {@link summarizeTransactions}. */
export interface SummarizeOptions extends TransactionColumnNames {
  /** Last day of the calibration period (inclusive); the models are fitted on what came before. */
  calibrationEnd: Date | number | string;
  /** Last day of the holdout period (inclusive); default the last transaction's day. */
  observationEnd?: Date | number | string;
  /** Unit of recency, T and the horizons; default `'week'`. */
  unit?: TimeUnit;
}

/**
 * Per-customer purchase summaries in the form the buy-till-you-die models take (Fader, Hardie
 * and Lee 2005), for the customers whose first purchase falls in the calibration period, in
 * first-seen order. Purchases on the same day are merged into one (their values summed).
 */
export interface TransactionSummary {
  customers: Id[];
  /** Repeat purchases in the calibration period (purchase days after the first). */
  frequency: Float64Array;
  /** Time from the first to the last calibration purchase (0 for one-time buyers). */
  recency: Float64Array;
  /** Time from the first purchase to calibrationEnd: the customer's age. */
  T: Float64Array;
  /** Mean value of the repeat purchases in the calibration period (0 without repeats). */
  monetary: Float64Array;
  /** Repeat purchases in the holdout period (calibrationEnd, observationEnd]. */
  holdoutFrequency: Float64Array;
  /** Mean value of the holdout purchases (0 without any). */
  holdoutMonetary: Float64Array;
  /** Length of the holdout period in units (0 when observationEnd is calibrationEnd). */
  holdoutLength: number;
  /**
   * The time of every repeat purchase of these customers, in units relative to calibrationEnd
   * (≤ 0 in calibration, > 0 in the holdout), sorted: what tracking plots count.
   */
  repeatTimes: Float64Array;
  unit: TimeUnit;
  /** Epoch ms of the end of the calibration and holdout days. */
  calibrationEnd: number;
  observationEnd: number;
  /** Customers whose first purchase is after calibrationEnd, so they are not summarised. */
  laterCustomers: number;
  /** Whether the log had a value column (else monetary values are 0). */
  hasValue: boolean;
}

/**
 * Builds frequency, recency, T and monetary value per customer from a raw transaction log,
 * with a calibration/holdout split. Row order does not matter. Errors: unparsable dates,
 * negative or non-numeric values (DataError with the rows); observationEnd before
 * calibrationEnd, or a calibration period with no transactions (ValueError).
 *
 * @example
 * const s = at.data.summarizeTransactions(table, { customer: 'id', date: 'date', value: 'amount', calibrationEnd: '1997-09-30' });
 * const bg = await new at.models.BetaGeo().fit(s);
 */
export function summarizeTransactions(log: TransactionLog, options: SummarizeOptions): TransactionSummary {
  const op = 'summarizeTransactions';
  const unit = options.unit ?? 'week';
  if (!(unit in TIME_UNITS))
    throw new ValueError(`${op}: unit must be 'day', 'week' or 'month'; got ${fmtValue(unit)}`);
  const tx = readTransactions(op, log, options);
  const n = tx.customer.length;
  if (n === 0) throw new ValueError(`${op}: the transaction log is empty`);
  const calDay = optionDay(op, 'calibrationEnd', options.calibrationEnd);
  let lastDay = -Infinity;
  for (let i = 0; i < n; i++) lastDay = Math.max(lastDay, tx.day[i]!);
  const obsDay =
    options.observationEnd === undefined
      ? Math.max(lastDay, calDay)
      : optionDay(op, 'observationEnd', options.observationEnd);
  if (obsDay < calDay)
    throw new ValueError(`${op}: observationEnd (${isoDay(obsDay)}) is before calibrationEnd (${isoDay(calDay)})`);
  // Merge same-day purchases: one purchase per (customer, day), values summed.
  const byCustomer = new Map<Id, Map<number, number>>();
  for (let i = 0; i < n; i++) {
    if (tx.day[i]! > obsDay) continue; // after the observation window: outside what is summarised
    let days = byCustomer.get(tx.customer[i]!);
    if (!days) byCustomer.set(tx.customer[i]!, (days = new Map()));
    const d = tx.day[i]!;
    days.set(d, (days.get(d) ?? 0) + (tx.value ? tx.value[i]! : 0));
  }
  const u = TIME_UNITS[unit];
  const customers: Id[] = [];
  const rows: { f: number; r: number; T: number; m: number; hf: number; hm: number }[] = [];
  const repeat: number[] = [];
  let later = 0;
  for (const [id, days] of byCustomer) {
    const sorted = [...days.keys()].sort((a, b) => a - b);
    const first = sorted[0]!;
    if (first > calDay) {
      later++;
      continue;
    }
    let f = 0;
    let last = first;
    let spend = 0;
    let hf = 0;
    let hspend = 0;
    for (const d of sorted.slice(1)) {
      repeat.push((d - calDay) / u);
      if (d <= calDay) {
        f++;
        last = d;
        spend += days.get(d)!;
      } else {
        hf++;
        hspend += days.get(d)!;
      }
    }
    customers.push(id);
    rows.push({
      f,
      r: (last - first) / u,
      T: (calDay - first) / u,
      m: f > 0 ? spend / f : 0,
      hf,
      hm: hf > 0 ? hspend / hf : 0,
    });
  }
  if (customers.length === 0)
    throw new ValueError(
      `${op}: the calibration period (up to ${isoDay(calDay)}) holds no transactions; the first is on ${isoDay(Math.min(...tx.day))}`,
    );
  const col = (k: keyof (typeof rows)[number]) => Float64Array.from(rows, (r) => r[k]);
  return {
    customers,
    frequency: col('f'),
    recency: col('r'),
    T: col('T'),
    monetary: col('m'),
    holdoutFrequency: col('hf'),
    holdoutMonetary: col('hm'),
    holdoutLength: (obsDay - calDay) / u,
    repeatTimes: Float64Array.from(repeat).sort(),
    unit,
    calibrationEnd: calDay * DAY_MS,
    observationEnd: obsDay * DAY_MS,
    laterCustomers: later,
    hasValue: tx.value !== undefined,
  };
}

function optionDay(op: string, name: string, v: Date | number | string): number {
  const t = parseDate(v);
  if (Number.isNaN(t))
    throw new ValueError(`${op}: ${name} must be a date (Date, epoch ms, YYYYMMDD or ISO text); got ${fmtValue(v)}`);
  return Math.floor(t / DAY_MS);
}

function isoDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Options of {@link rfmFromTransactions}: the columns, plus those of {@link rfmFeatures}. */
export interface RfmFromTransactionsOptions extends TransactionColumnNames, Omit<RfmOptions, 'asOf'> {
  /** As in {@link RfmOptions}; ISO or YYYYMMDD text is read as a date too. */
  asOf?: number | Date | string;
}

/**
 * RFM features straight from any shop's export: reads the customer, date and value columns of
 * a {@link TransactionLog} (for example `await readCsvTable('orders.csv')`), checks them as
 * {@link readTransactions} does, and hands them to {@link rfmFeatures}.
 *
 * @example
 * const rfm = at.data.rfmFromTransactions(await at.data.readCsvTable('orders.csv'), { customer: 'email', date: 'created_at', value: 'total' });
 */
export function rfmFromTransactions(log: TransactionLog, options: RfmFromTransactionsOptions = {}): RfmTable {
  const op = 'rfmFromTransactions';
  const tx = readTransactions(op, log, options);
  const asOf = options.asOf === undefined ? undefined : optionDay(op, 'asOf', options.asOf) * DAY_MS;
  return rfmFeatures(
    {
      customer: tx.customer,
      time: Array.from(tx.day, (d) => d * DAY_MS),
      amount: tx.value ?? new Float64Array(tx.customer.length),
    },
    { ...options, asOf },
  );
}
