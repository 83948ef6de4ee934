import { DataError, ShapeError, ValueError, fmtValue } from '../../core/errors.js';

/**
 * What the buy-till-you-die models read of a customer: repeat purchases `frequency` (x), the
 * time of the last one `recency` (t_x, from the first purchase) and the age `T`, all in one
 * time unit; `at.data.summarizeTransactions` builds it from a raw log.
 */
export interface PurchaseHistory {
  frequency: ArrayLike<number>;
  recency: ArrayLike<number>;
  T: ArrayLike<number>;
}

/**
 * Checks a purchase history: equal lengths (ShapeError), at least one customer (ValueError), and
 * per customer (a DataError naming the customer's row, the column and its value) a whole
 * frequency ≥ 0, a finite T ≥ 0, 0 ≤ recency ≤ T, and recency 0 exactly when frequency is 0.
 * A recency after T means the dates were out of order (a last purchase after the end of the
 * period). NaN and infinities fail the same checks.
 */
export function checkHistory(op: string, h: PurchaseHistory): number {
  const n = h.frequency.length;
  if (h.recency.length !== n || h.T.length !== n)
    throw new ShapeError(
      `${op}: frequency, recency and T must have the same length; got ${fmtValue(n)}, ${h.recency.length} and ${h.T.length}`,
    );
  if (n === 0) throw new ValueError(`${op}: no customers to fit or score`);
  for (let i = 0; i < n; i++) {
    const x = h.frequency[i]!;
    const tx = h.recency[i]!;
    const T = h.T[i]!;
    const bad = (what: string) => new DataError(`${op}: customer ${i} (row ${i}): ${what}`);
    if (!Number.isInteger(x) || x < 0) throw bad(`frequency[${i}] = ${fmtValue(x)} must be a whole number ≥ 0`);
    if (!Number.isFinite(T) || T < 0) throw bad(`T[${i}] = ${fmtValue(T)} must be a finite number ≥ 0`);
    if (!Number.isFinite(tx) || tx < 0) throw bad(`recency[${i}] = ${fmtValue(tx)} must be a finite number ≥ 0`);
    if (tx > T * (1 + 1e-12))
      throw bad(
        `recency[${i}] = ${fmtValue(tx)} is after T[${i}] = ${fmtValue(T)}: a last purchase after the end of the period means the dates are out of order`,
      );
    if ((x === 0) !== (tx === 0))
      throw bad(
        `frequency[${i}] = ${fmtValue(x)} but recency[${i}] = ${fmtValue(tx)}; recency is 0 exactly for customers without repeat purchases`,
      );
  }
  return n;
}
