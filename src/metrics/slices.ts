import { NumericalError, ValueError, fmtValue } from '../core/errors.js';
import { checkInt, checkRange } from '../core/checks.js';
import { Rng } from '../core/random.js';
import { quantileSorted } from '../experiments/means.js';
import { holm } from '../experiments/multiple.js';

/** Options of {@link sliceMetrics}. */
export interface SliceOptions {
  /** Bootstrap resamples per segment; default 500. */
  resamples?: number;
  /** Seeds the resampling; default 0. */
  seed?: number;
  /** Level of the intervals (1 - alpha) and of the Holm-corrected flags; default 0.05. */
  alpha?: number;
  /** Whether a larger metric is better (conversion) or worse (churn, error); default true. */
  higherIsBetter?: boolean;
}

/** One segment's metric. */
export interface SliceResult {
  segment: string;
  n: number;
  value: number;
  /** Percentile bootstrap interval of the segment's metric. */
  interval: [number, number];
  /** Segment minus the rest of the data (null when the segment is all of it). */
  difference: number | null;
  /** Bootstrap interval of that difference. */
  differenceInterval: [number, number] | null;
  /** Two-sided bootstrap p-value of the difference, Holm-corrected over the segments. */
  pValue: number | null;
  /** True when the segment is significantly worse than the rest (after correction). */
  worse: boolean;
}

/** The whole and every segment. */
export interface SliceReport {
  overall: { value: number; interval: [number, number]; n: number };
  slices: SliceResult[];
  summary(): string;
}

/**
 * Evaluates any metric per segment: `metric(rows)` on all rows and on each segment's rows
 * (segments by `by`, a field name or a function of the row), each with a seeded percentile
 * bootstrap interval. Each segment is also compared with the rest of the data (bootstrap of
 * the difference, p-values Holm-corrected over the segments), and `worse` flags the segments
 * significantly worse than the rest, the ones to look at first.
 *
 * The metric must give a finite number on every segment and resample (a NumericalError names
 * the segment otherwise: e.g. a rate with no denominator rows).
 *
 * @example
 * const rep = at.metrics.sliceMetrics((rs) => rs.filter((r) => r.converted).length / rs.length, users, 'channel');
 * console.log(rep.summary());
 */
export function sliceMetrics<T>(
  metric: (rows: readonly T[]) => number,
  data: readonly T[],
  by: keyof T | ((row: T) => string | number),
  options: SliceOptions = {},
): SliceReport {
  const op = 'sliceMetrics';
  if (typeof metric !== 'function')
    throw new ValueError(`${op}: metric must be a function of rows; got ${fmtValue(metric)}`);
  if (!Array.isArray(data) || data.length === 0) throw new ValueError(`${op}: data is empty`);
  const B = checkInt(op, 'resamples', options.resamples ?? 500, 50);
  const alpha = checkRange(op, 'alpha', options.alpha ?? 0.05, Number.MIN_VALUE, 1);
  const sign = options.higherIsBetter === false ? -1 : 1;
  const rng = new Rng(options.seed ?? 0, op);
  const key = typeof by === 'function' ? by : (row: T) => row[by] as unknown;
  const groups = new Map<string, T[]>();
  data.forEach((row, i) => {
    const k = key(row);
    if (k === undefined || k === null || (typeof k === 'number' && Number.isNaN(k)))
      throw new ValueError(`${op}: data[${i}] has no segment (by gave ${fmtValue(k)})`);
    const g = groups.get(String(k)) ?? [];
    g.push(row);
    groups.set(String(k), g);
  });
  const evaluate = (rows: readonly T[], what: string): number => {
    const v = metric(rows);
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new NumericalError(
        `${op}: the metric gave ${fmtValue(v)} on ${what} (${rows.length} rows); it must be finite on every segment`,
      );
    return v;
  };
  const scratch: T[] = [];
  const resample = (rows: readonly T[], what: string): number => {
    scratch.length = rows.length;
    for (let i = 0; i < rows.length; i++) scratch[i] = rows[rng.int(rows.length)]!;
    return evaluate(scratch, `a resample of ${what}`);
  };
  const percentile = (xs: Float64Array): [number, number] => {
    xs.sort();
    return [quantileSorted(xs, alpha / 2), quantileSorted(xs, 1 - alpha / 2)];
  };
  const overallBoot = Float64Array.from({ length: B }, () => resample(data, 'all rows'));
  const overall = { value: evaluate(data, 'all rows'), interval: percentile(overallBoot), n: data.length };
  const names = [...groups.keys()].sort();
  const raw = names.map((segment) => {
    const rows = groups.get(segment)!;
    const rest = data.filter((r) => String(key(r)) !== segment);
    const what = `segment ${JSON.stringify(segment)}`;
    const value = evaluate(rows, what);
    const boots = new Float64Array(B);
    const diffs = new Float64Array(B);
    let below = 0;
    let above = 0;
    for (let b = 0; b < B; b++) {
      boots[b] = resample(rows, what);
      if (rest.length === 0) continue;
      diffs[b] = boots[b]! - resample(rest, `the rest of ${what}`);
      if (diffs[b]! <= 0) below++;
      if (diffs[b]! >= 0) above++;
    }
    const difference = rest.length ? value - evaluate(rest, `the rest of ${what}`) : null;
    return {
      segment,
      n: rows.length,
      value,
      interval: percentile(boots),
      difference,
      differenceInterval: rest.length ? percentile(diffs) : null,
      rawP: rest.length ? Math.min(1, (2 * (1 + Math.min(below, above))) / (1 + B)) : null,
    };
  });
  const tested = raw.filter((r) => r.rawP !== null);
  const adjusted = tested.length ? holm(tested.map((r) => r.rawP!)) : new Float64Array(0);
  const slices: SliceResult[] = raw.map(({ rawP, ...r }) => {
    const pValue = rawP === null ? null : adjusted[tested.findIndex((t) => t.segment === r.segment)]!;
    const worse = pValue !== null && pValue < alpha && r.difference !== null && sign * r.difference < 0;
    return { ...r, pValue, worse };
  });
  const fmt = (v: number) => Number(v.toPrecision(4));
  const report = { overall, slices } as SliceReport;
  Object.defineProperty(report, 'summary', {
    enumerable: false,
    value: () =>
      [
        `overall: ${fmt(overall.value)} [${fmt(overall.interval[0])}, ${fmt(overall.interval[1])}] (n ${overall.n})`,
        ...slices.map(
          (s) =>
            `${s.segment}: ${fmt(s.value)} [${fmt(s.interval[0])}, ${fmt(s.interval[1])}] (n ${s.n})` +
            (s.difference === null
              ? ''
              : `, vs rest ${s.difference >= 0 ? '+' : ''}${fmt(s.difference)}, p = ${fmt(s.pValue!)}`) +
            (s.worse ? '  <- significantly worse' : ''),
        ),
      ].join('\n'),
  });
  return report;
}
