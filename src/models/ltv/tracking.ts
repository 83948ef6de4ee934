import { ValueError } from '../../core/errors.js';
import type { TransactionSummary } from '../../data/transactions.js';
import type { BetaGeo } from './beta-geo.js';

/** One row of a tracking table: cumulative repeat purchases up to the end of a period. */
export interface TrackingRow {
  /** Periods (time units) since the cohort's first purchase; the last may end early, at observationEnd. */
  period: number;
  /** Whether the period ends after calibrationEnd. */
  holdout: boolean;
  predicted: number;
  actual: number;
}

/** What {@link calibrationHoldout} reports. */
export interface CalibrationHoldoutReport {
  /** Cumulative repeat purchases of the whole cohort, per period from its first purchase. */
  cohort: TrackingRow[];
  /** Cumulative holdout repeat purchases per period after calibrationEnd, predicted from each customer's history. */
  holdout: TrackingRow[];
  /** Holdout purchases, predicted (conditional) and actual, in total and per customer. */
  holdoutPredicted: number;
  holdoutActual: number;
  perCustomer: { predicted: Float64Array; actual: Float64Array };
  /** Mean holdout purchases by calibration frequency (0, 1, ..., maxFrequency+), the usual check of the conditional fit. */
  byFrequency: { frequency: string; customers: number; predicted: number; actual: number }[];
}

/**
 * Compares a fitted BG/NBD model with what happened in the holdout period of a
 * {@link TransactionSummary}: the cohort tracking table (expected cumulative repeat purchases
 * of customers acquired at their real first-purchase times, E[X(t − sᵢ)] summed, against the
 * actual count), the conditional holdout forecast per customer and per period, and the mean
 * holdout purchases by calibration frequency. A summary without a holdout period is a ValueError.
 */
export function calibrationHoldout(
  model: BetaGeo,
  summary: TransactionSummary,
  options: { maxFrequency?: number } = {},
): CalibrationHoldoutReport {
  const op = 'calibrationHoldout';
  const L = summary.holdoutLength;
  if (!(L > 0)) throw new ValueError(`${op}: the summary has no holdout period (observationEnd = calibrationEnd)`);
  const n = summary.customers.length;
  let maxT = 0;
  for (let i = 0; i < n; i++) maxT = Math.max(maxT, summary.T[i]!);
  const times = summary.repeatTimes; // relative to calibrationEnd, sorted
  const countUpTo = (t: number): number => {
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid]! <= t + 1e-9) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const cohort: TrackingRow[] = [];
  const span = maxT + L;
  for (let p = 1; p <= Math.ceil(span - 1e-9); p++) {
    const t = Math.min(p, span) - maxT; // relative to calibrationEnd
    let predicted = 0;
    for (let i = 0; i < n; i++) {
      const age = t + summary.T[i]!;
      if (age > 0) predicted += model.expectedPurchases(age);
    }
    cohort.push({ period: p, holdout: t > 1e-9, predicted, actual: countUpTo(t) });
  }
  const calibrationCount = countUpTo(0);
  const holdout: TrackingRow[] = [];
  let perCustomer: Float64Array = new Float64Array(n);
  for (let p = 1; p <= Math.ceil(L - 1e-9); p++) {
    const t = Math.min(p, L);
    perCustomer = model.conditionalExpectedPurchases(t, summary);
    let predicted = 0;
    for (const v of perCustomer) predicted += v;
    holdout.push({ period: p, holdout: true, predicted, actual: countUpTo(t) - calibrationCount });
  }
  const maxF = options.maxFrequency ?? 7;
  const byFrequency = Array.from({ length: maxF + 1 }, (_, f) => ({
    frequency: f === maxF ? `${f}+` : String(f),
    customers: 0,
    predicted: 0,
    actual: 0,
  }));
  for (let i = 0; i < n; i++) {
    const row = byFrequency[Math.min(summary.frequency[i]!, maxF)]!;
    row.customers++;
    row.predicted += perCustomer[i]!;
    row.actual += summary.holdoutFrequency[i]!;
  }
  for (const row of byFrequency) {
    if (row.customers > 0) {
      row.predicted /= row.customers;
      row.actual /= row.customers;
    }
  }
  const last = holdout[holdout.length - 1]!;
  return {
    cohort,
    holdout,
    holdoutPredicted: last.predicted,
    holdoutActual: last.actual,
    perCustomer: { predicted: perCustomer, actual: summary.holdoutFrequency },
    byFrequency,
  };
}
