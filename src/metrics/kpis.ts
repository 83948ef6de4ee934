import { ValueError, fmtValue } from '../core/errors.js';
import { studentQuantile } from '../experiments/distributions.js';
import { wilsonInterval } from '../experiments/proportions.js';
import { type Counts, checkCounts, meanStats } from '../experiments/result.js';

/** A KPI estimate with its confidence interval. */
export interface Kpi {
  value: number;
  interval: [number, number];
  /** Users, impressions or orders it was computed from. */
  n: number;
}

function rate(op: string, num: number, den: number, numName: string, denName: string, confidence: number): Kpi {
  const c: Counts = { successes: num, trials: den };
  try {
    checkCounts(op, 'counts', c);
  } catch (e) {
    throw new ValueError(
      `${op}: ${numName} must be an integer in [0, ${denName}] and ${denName} a positive integer; got ${fmtValue(num)} of ${fmtValue(den)} (${(e as Error).message})`,
    );
  }
  return { value: num / den, interval: wilsonInterval(c, confidence), n: den };
}

/** Click-through rate clicks / impressions, with a Wilson interval. */
export function ctr(clicks: number, impressions: number, confidence = 0.95): Kpi {
  return rate('ctr', clicks, impressions, 'clicks', 'impressions', confidence);
}

/** Conversion rate conversions / visitors, with a Wilson interval. */
export function conversionRate(conversions: number, visitors: number, confidence = 0.95): Kpi {
  return rate('conversionRate', conversions, visitors, 'conversions', 'visitors', confidence);
}

function meanKpi(op: string, name: string, x: ArrayLike<number>, confidence: number): Kpi {
  if (!(confidence > 0 && confidence < 1))
    throw new ValueError(`${op}: confidence must be in (0, 1); got ${fmtValue(confidence)}`);
  const s = meanStats(op, name, x);
  if (s.n < 2) throw new ValueError(`${op}: ${name} has ${s.n} value; an interval needs at least 2`);
  const half = studentQuantile(1 - (1 - confidence) / 2, s.n - 1) * Math.sqrt(s.variance / s.n);
  return { value: s.mean, interval: [s.mean - half, s.mean + half], n: s.n };
}

/** Average order value: the mean of `orderValues` (one per order), with a t interval. */
export function averageOrderValue(orderValues: ArrayLike<number>, confidence = 0.95): Kpi {
  return meanKpi('averageOrderValue', 'orderValues', orderValues, confidence);
}

/** Revenue per user: the mean of `revenue` over all users, zeros included, with a t interval. */
export function revenuePerUser(revenue: ArrayLike<number>, confidence = 0.95): Kpi {
  return meanKpi('revenuePerUser', 'revenue', revenue, confidence);
}

/** One step of a {@link funnel}. */
export interface FunnelStep {
  name: string;
  count: number;
  /** Share of the previous step's users who reached this one (1 for the first), with a Wilson interval. */
  stepRate: number;
  stepInterval: [number, number];
  /** Share of the first step's users who reached this one. */
  overallRate: number;
}

/**
 * Funnel conversion: users at each step in order (visit → cart → purchase), each step's rate
 * from the step before (Wilson interval) and from the top. A step with more users than the one
 * before is a ValueError (the steps are out of order, or counted on different populations).
 */
export function funnel(
  steps: readonly { name: string; count: number }[],
  confidence = 0.95,
): FunnelStep[] & { summary(): string } {
  const op = 'funnel';
  if (!Array.isArray(steps) || steps.length === 0)
    throw new ValueError(`${op}: steps is empty; give [{ name, count }, ...]`);
  const out: FunnelStep[] = [];
  steps.forEach((s, i) => {
    if (!Number.isInteger(s?.count) || s.count < 0)
      throw new ValueError(`${op}: steps[${i}].count must be a non-negative integer; got ${fmtValue(s?.count)}`);
    if (i === 0 && s.count === 0) throw new ValueError(`${op}: the first step has no users`);
    const prev = i === 0 ? s.count : steps[i - 1]!.count;
    if (s.count > prev)
      throw new ValueError(
        `${op}: step ${JSON.stringify(s.name)} has ${s.count} users, more than the ${prev} of the step before`,
      );
    const stepInterval: [number, number] =
      i === 0 ? [1, 1] : prev === 0 ? [0, 1] : wilsonInterval({ successes: s.count, trials: prev }, confidence);
    out.push({
      name: s.name,
      count: s.count,
      stepRate: prev === 0 ? 0 : s.count / prev,
      stepInterval,
      overallRate: s.count / steps[0]!.count,
    });
  });
  Object.defineProperty(out, 'summary', {
    enumerable: false,
    value: () =>
      out
        .map(
          (s) =>
            `${s.name}: ${s.count} (${(s.stepRate * 100).toFixed(1)}% of previous, ${(s.overallRate * 100).toFixed(1)}% overall)`,
        )
        .join('\n'),
  });
  return out as FunnelStep[] & { summary(): string };
}

/** One user's activity in a period, for {@link cohortRetention}. */
export interface ActivityRow {
  user: string | number;
  /** The user's cohort, e.g. the month of the first purchase (`'2024-01'`). */
  cohort: string;
  /** Periods since the cohort started, 0-based (0 = the cohort's own period). */
  period: number;
}

/** A cohort retention table: `table[c][k]` = share of cohort c's users active k periods later. */
export interface CohortTable {
  cohorts: string[];
  /** Distinct users per cohort. */
  sizes: number[];
  /** Rows per cohort (sorted by name), columns period 0..maxPeriod; NaN never appears (empty cells are 0). */
  table: number[][];
  summary(): string;
}

/**
 * Retention by cohort: for each cohort (sorted), the share of its users active in each period
 * since it started, from activity rows (one per user and active period; duplicates count once).
 * A user in two cohorts is a ValueError (a cohort is where a user starts).
 */
export function cohortRetention(rows: readonly ActivityRow[]): CohortTable {
  const op = 'cohortRetention';
  if (!Array.isArray(rows) || rows.length === 0) throw new ValueError(`${op}: rows is empty`);
  const cohortOf = new Map<string | number, string>();
  const active = new Map<string, Set<string | number>[]>();
  let maxPeriod = 0;
  rows.forEach((r, i) => {
    if (!Number.isInteger(r?.period) || r.period < 0)
      throw new ValueError(`${op}: rows[${i}].period must be a non-negative integer; got ${fmtValue(r?.period)}`);
    if (typeof r.cohort !== 'string')
      throw new ValueError(`${op}: rows[${i}].cohort must be a string; got ${fmtValue(r.cohort)}`);
    const seen = cohortOf.get(r.user);
    if (seen !== undefined && seen !== r.cohort)
      throw new ValueError(
        `${op}: user ${fmtValue(r.user)} is in cohorts ${JSON.stringify(seen)} and ${JSON.stringify(r.cohort)}; give one cohort per user`,
      );
    cohortOf.set(r.user, r.cohort);
    const periods = active.get(r.cohort) ?? [];
    active.set(r.cohort, periods);
    (periods[r.period] ??= new Set()).add(r.user);
    maxPeriod = Math.max(maxPeriod, r.period);
  });
  const cohorts = [...active.keys()].sort();
  const size = new Map<string, number>();
  for (const c of cohortOf.values()) size.set(c, (size.get(c) ?? 0) + 1);
  const sizes = cohorts.map((c) => size.get(c)!);
  const table = cohorts.map((c, ci) =>
    Array.from({ length: maxPeriod + 1 }, (_, k) => (active.get(c)![k]?.size ?? 0) / sizes[ci]!),
  );
  const result = { cohorts, sizes, table } as CohortTable;
  Object.defineProperty(result, 'summary', {
    enumerable: false,
    value: () =>
      [
        ['cohort', 'users', ...table[0]!.map((_, k) => `p${k}`)].join('\t'),
        ...cohorts.map((c, i) => [c, sizes[i], ...table[i]!.map((v) => `${(v * 100).toFixed(1)}%`)].join('\t')),
      ].join('\n'),
  });
  return result;
}
