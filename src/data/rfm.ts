import { ShapeError, ValueError, fmtValue } from '../core/errors.js';
import type { Id } from './idmap.js';

const DAY_MS = 86_400_000;

/**
 * A transaction log as columns: customer ids, times, and amounts, all the same length. Times
 * are Dates or epoch milliseconds (what `Date.parse` and `Date.getTime` give).
 */
export interface TransactionColumns {
  customer: ArrayLike<Id>;
  time: ArrayLike<number | Date>;
  amount: ArrayLike<number>;
}

/** One transaction, for the row form of {@link rfmFeatures}. */
export interface Transaction {
  customer: Id;
  time: number | Date;
  amount: number;
}

/** Options of {@link rfmFeatures}. */
export interface RfmOptions {
  /**
   * The reference date recency counts from. Default: one day after the last transaction, the
   * usual convention, so the most recent buyers have recency 1. Transactions after `asOf`
   * are a ValueError (they would make recency negative).
   */
  asOf?: number | Date;
  /** `'transactions'` (default): count rows; `'days'`: count distinct purchase days. */
  frequency?: 'transactions' | 'days';
  /** `'total'` (default): spend over the whole log; `'mean'`: spend per transaction. */
  monetary?: 'total' | 'mean';
}

/** Which version of the three features {@link RfmTable.matrix} returns. */
export type RfmScale = 'raw' | 'log' | 'standardized';

/** The classic RFM segment names, from the R and F scores; see {@link rfmSegmentName}. */
export type RfmSegmentName =
  | 'champions'
  | 'loyal customers'
  | 'potential loyalists'
  | 'new customers'
  | 'promising'
  | 'need attention'
  | 'about to sleep'
  | "can't lose"
  | 'at risk'
  | 'hibernating';

/**
 * Per-customer recency, frequency and monetary value, one entry per customer in order of first
 * appearance in the log.
 */
export interface RfmTable {
  customers: Id[];
  /** Days from the customer's last transaction to `asOf` (fractional when times carry hours). */
  recency: Float64Array;
  /** Transactions (or distinct purchase days) per customer. */
  frequency: Float64Array;
  /** Total (or mean) spend per customer. */
  monetary: Float64Array;
  /** Days from the first transaction to `asOf` (the customer's age, "T" in CLV models). */
  tenure: Float64Array;
  /** Quintile scores 1..5: rScore 5 = most recent, fScore/mScore 5 = most frequent / highest spend. */
  rScore: Int32Array;
  fScore: Int32Array;
  mScore: Int32Array;
  /** The three scores as one string, e.g. "545". */
  rfmScore: string[];
  /** The named segment of each customer from its R and F scores. */
  segment: RfmSegmentName[];
  /** The reference date used, as epoch milliseconds. */
  asOf: number;
  /**
   * The features as a row-major [customers, 3] matrix (recency, frequency, monetary): raw, with
   * log1p applied (RFM values are heavily right-skewed), or log1p then z-scored per column
   * (mean 0, sd 1; a constant column becomes 0). The standardized form is what k-means wants.
   */
  matrix(scale?: RfmScale): { data: Float64Array; cols: 3; names: ['recency', 'frequency', 'monetary'] };
}

function timeOf(op: string, t: number | Date, i: number): number {
  const v = t instanceof Date ? t.getTime() : t;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new ValueError(`${op}: time[${i}] must be a Date or finite epoch milliseconds; got ${fmtValue(t)}`);
  return v;
}

/**
 * Recency-frequency-monetary features per customer from a transaction log, with quintile
 * scores and the classic named segments. Returns/refunds may appear as negative amounts; a
 * NaN or infinite amount or time is a ValueError naming its row. Columns of different lengths
 * are a ShapeError.
 *
 * @example
 * const rfm = at.data.rfmFeatures({ customer, time, amount }, { asOf: new Date('1998-07-01') });
 * const km = await new at.models.KMeans({ k: 4 }).fit(rfm.matrix('standardized'));
 */
export function rfmFeatures(
  transactions: TransactionColumns | readonly Transaction[],
  options: RfmOptions = {},
): RfmTable {
  const op = 'rfmFeatures';
  const cols: TransactionColumns = Array.isArray(transactions)
    ? {
        customer: (transactions as readonly Transaction[]).map((t) => t.customer),
        time: (transactions as readonly Transaction[]).map((t) => t.time),
        amount: (transactions as readonly Transaction[]).map((t) => t.amount),
      }
    : (transactions as TransactionColumns);
  const n = cols.customer.length;
  if (cols.time.length !== n || cols.amount.length !== n) {
    throw new ShapeError(
      `${op}: customer, time and amount must have the same length; got ${fmtValue(n)}, ${cols.time.length} and ${cols.amount.length}`,
    );
  }
  if (n === 0) throw new ValueError(`${op}: the transaction log is empty`);
  const freqMode = options.frequency ?? 'transactions';
  const monMode = options.monetary ?? 'total';
  if (freqMode !== 'transactions' && freqMode !== 'days')
    throw new ValueError(`${op}: frequency must be 'transactions' or 'days'; got ${fmtValue(freqMode)}`);
  if (monMode !== 'total' && monMode !== 'mean')
    throw new ValueError(`${op}: monetary must be 'total' or 'mean'; got ${fmtValue(monMode)}`);

  const index = new Map<Id, number>();
  const customers: Id[] = [];
  const last: number[] = [];
  const first: number[] = [];
  const count: number[] = [];
  const spend: number[] = [];
  const days: Set<number>[] = [];
  let maxTime = -Infinity;
  for (let i = 0; i < n; i++) {
    const id = cols.customer[i]!;
    if (typeof id !== 'string' && typeof id !== 'number')
      throw new ValueError(`${op}: customer[${i}] must be a string or number; got ${fmtValue(id)}`);
    const t = timeOf(op, cols.time[i]!, i);
    const a = cols.amount[i]!;
    if (typeof a !== 'number' || !Number.isFinite(a))
      throw new ValueError(`${op}: amount[${i}] must be a finite number; got ${fmtValue(a)}`);
    let c = index.get(id);
    if (c === undefined) {
      index.set(id, (c = customers.length));
      customers.push(id);
      last.push(t);
      first.push(t);
      count.push(0);
      spend.push(0);
      days.push(new Set());
    }
    if (t > last[c]!) last[c] = t;
    if (t < first[c]!) first[c] = t;
    count[c]!++;
    spend[c]! += a;
    if (freqMode === 'days') days[c]!.add(Math.floor(t / DAY_MS));
    if (t > maxTime) maxTime = t;
  }
  const asOf = options.asOf === undefined ? maxTime + DAY_MS : timeOf(op, options.asOf, 0);
  if (asOf < maxTime) {
    throw new ValueError(
      `${op}: asOf (${new Date(asOf).toISOString()}) is before the last transaction (${new Date(maxTime).toISOString()})`,
    );
  }
  const m = customers.length;
  const recency = new Float64Array(m);
  const frequency = new Float64Array(m);
  const monetary = new Float64Array(m);
  const tenure = new Float64Array(m);
  for (let c = 0; c < m; c++) {
    recency[c] = (asOf - last[c]!) / DAY_MS;
    tenure[c] = (asOf - first[c]!) / DAY_MS;
    frequency[c] = freqMode === 'days' ? days[c]!.size : count[c]!;
    monetary[c] = monMode === 'total' ? spend[c]! : spend[c]! / count[c]!;
  }
  const rScore = quintileScores(recency, true);
  const fScore = quintileScores(frequency, false);
  const mScore = quintileScores(monetary, false);
  const rfmScore = Array.from({ length: m }, (_, c) => `${rScore[c]}${fScore[c]}${mScore[c]}`);
  const segment = Array.from({ length: m }, (_, c) => rfmSegmentName(rScore[c]!, fScore[c]!));
  return {
    customers,
    recency,
    frequency,
    monetary,
    tenure,
    rScore,
    fScore,
    mScore,
    rfmScore,
    segment,
    asOf,
    matrix(scale: RfmScale = 'standardized') {
      if (scale !== 'raw' && scale !== 'log' && scale !== 'standardized') {
        throw new ValueError(`RfmTable.matrix: scale must be 'raw', 'log' or 'standardized'; got ${fmtValue(scale)}`);
      }
      const data = new Float64Array(m * 3);
      const feats = [recency, frequency, monetary];
      for (let f = 0; f < 3; f++) {
        const col = feats[f]!;
        // Signed log1p keeps net refunds (negative monetary) finite and ordered.
        const v = scale === 'raw' ? col : col.map((x) => Math.sign(x) * Math.log1p(Math.abs(x)));
        let mean = 0;
        let sd = 1;
        if (scale === 'standardized') {
          for (let c = 0; c < m; c++) mean += v[c]!;
          mean /= m;
          let s2 = 0;
          for (let c = 0; c < m; c++) s2 += (v[c]! - mean) ** 2;
          sd = Math.sqrt(s2 / m) || 1;
        }
        for (let c = 0; c < m; c++) data[c * 3 + f] = (v[c]! - mean) / sd;
      }
      return {
        data,
        cols: 3 as const,
        names: ['recency', 'frequency', 'monetary'] as ['recency', 'frequency', 'monetary'],
      };
    },
  };
}

/**
 * Quintile scores 1..5 by rank: a value's score is 1 + ⌊5 (r − ½) / n⌋ where r is its average
 * 1-based rank, so equal values always share a score (a log where most customers bought once
 * gives all of them the same F score, rather than splitting them arbitrarily as `qcut` with
 * rank-first does). With `reverse`, small values score high (recency: recent is good).
 */
export function quintileScores(values: ArrayLike<number>, reverse = false): Int32Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const out = new Int32Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]!] === values[order[i]!]) j++;
    const avgRank = (i + j) / 2 + 1;
    let s = 1 + Math.floor((5 * (avgRank - 0.5)) / n);
    s = Math.min(5, Math.max(1, s));
    for (let t = i; t <= j; t++) out[order[t]!] = reverse ? 6 - s : s;
    i = j + 1;
  }
  return out;
}

/**
 * The usual RFM segment map from the recency and frequency scores (1..5):
 * R 5 & F 4-5 champions; R 3-4 & F 4-5 loyal customers; R 4-5 & F 2-3 potential loyalists;
 * R 5 & F 1 new customers; R 4 & F 1 promising; R 3 & F 3 need attention; R 3 & F 1-2 about to
 * sleep; R 1-2 & F 5 can't lose; R 1-2 & F 3-4 at risk; R 1-2 & F 1-2 hibernating. Scores are
 * rounded and clamped into 1..5 first, so segment means can be named too.
 */
export function rfmSegmentName(r: number, f: number): RfmSegmentName {
  if (!Number.isFinite(r) || !Number.isFinite(f))
    throw new ValueError(`rfmSegmentName: scores must be finite; got r ${r}, f ${f}`);
  const R = Math.min(5, Math.max(1, Math.round(r)));
  const F = Math.min(5, Math.max(1, Math.round(f)));
  if (R <= 2) return F <= 2 ? 'hibernating' : F <= 4 ? 'at risk' : "can't lose";
  if (R === 3) return F <= 2 ? 'about to sleep' : F === 3 ? 'need attention' : 'loyal customers';
  if (F >= 4) return R === 5 ? 'champions' : 'loyal customers';
  if (F >= 2) return 'potential loyalists';
  return R === 5 ? 'new customers' : 'promising';
}
