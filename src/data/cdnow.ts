import { DataError } from '../core/errors.js';
import { parseNumber } from './csv.js';
import { ErrorLog } from './rows.js';
import type { TextSource } from './source.js';
import { readCsvTable } from './table.js';
import { parseDate } from './transactions.js';

/** The CDNOW purchase log as columns, one entry per transaction, in file order. */
export interface CdnowLog {
  /** The original CDNOW customer id (as text, leading zeros kept). */
  customer: string[];
  /** Purchase day as epoch milliseconds (UTC midnight). */
  time: number[];
  /** Number of CDs in the transaction. */
  quantity: Float64Array;
  /** Dollar value of the transaction. */
  amount: Float64Array;
  /** `'master'` (4 columns) or `'sample'` (5 columns: original id, sample id, date, CDs, value). */
  layout: 'master' | 'sample';
}

/**
 * Reads a CDNOW purchase log (Fader & Hardie): `CDNOW_master.txt` (customer_id, YYYYMMDD date,
 * number of CDs, dollar value; the copy bundled with the Python package lifetimes adds a header
 * line) or the 1/10 `CDNOW_sample.txt` (original id, sample id, date, CDs, value; no header).
 * Whitespace-separated columns with leading blanks and CRLF line ends. The layout is told from
 * the column count; a bad date or number is a DataError listing the lines. The result feeds
 * {@link rfmFeatures} as is and {@link summarizeTransactions} with `{ date: 'time', value: 'amount' }`.
 */
export async function loadCdnow(source: TextSource): Promise<CdnowLog> {
  const op = 'loadCdnow';
  const table = await readCsvTable(source, { delimiter: 'whitespace', header: false, quote: false });
  const width = table.header.length;
  if (width !== 4 && width !== 5)
    throw new DataError(
      `${op}: expected 4 columns (CDNOW_master) or 5 (CDNOW_sample); found ${width} on line ${table.lines[0] ?? 1}`,
    );
  const layout = width === 4 ? 'master' : 'sample';
  const dateCol = table.columns[width - 3]!;
  const cdsCol = table.columns[width - 2]!;
  const valueCol = table.columns[width - 1]!;
  const idCol = table.columns[0]!;
  // The lifetimes copy starts with a header line: skip a first row whose date is not 8 digits.
  const first = table.rowCount > 0 && !/^\d{8}$/.test(dateCol[0]!) ? 1 : 0;
  const log = new ErrorLog(op);
  const n = table.rowCount - first;
  const out: CdnowLog = {
    customer: new Array(n),
    time: new Array(n),
    quantity: new Float64Array(n),
    amount: new Float64Array(n),
    layout,
  };
  for (let r = first; r < table.rowCount; r++) {
    const i = r - first;
    const line = table.lines[r]!;
    const t = /^\d{8}$/.test(dateCol[r]!) ? parseDate(dateCol[r]!) : Number.NaN;
    if (Number.isNaN(t)) log.add(line, `date ${JSON.stringify(dateCol[r])} is not a YYYYMMDD date`);
    const q = parseNumber(cdsCol[r]!);
    const v = parseNumber(valueCol[r]!);
    if (!(q >= 0)) log.add(line, `number of CDs ${JSON.stringify(cdsCol[r])} is not a number ≥ 0`);
    if (!(v >= 0)) log.add(line, `dollar value ${JSON.stringify(valueCol[r])} is not a number ≥ 0`);
    out.customer[i] = idCol[r]!;
    out.time[i] = t;
    out.quantity[i] = q;
    out.amount[i] = v;
  }
  log.throwIfAny();
  if (n === 0) throw new DataError(`${op}: the file holds no transactions`);
  return out;
}
