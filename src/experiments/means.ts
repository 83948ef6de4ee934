import { ValueError, fmtValue } from '../core/errors.js';
import { checkInt } from '../core/checks.js';
import { Rng } from '../core/random.js';
import { studentQuantile, studentSf } from './distributions.js';
import { type Lift, deltaLift } from './proportions.js';
import {
  type MeanInput,
  type MeanStats,
  type TestOptions,
  type TestResult,
  alphaOf,
  checkResult,
  makeResult,
  meanStats,
  toMeanStats,
} from './result.js';

/** A test on means: the shared fields plus each arm's statistics and the relative lift. */
export interface MeansTestResult extends TestResult {
  control: MeanStats;
  treatment: MeanStats;
  /** Welch's degrees of freedom. */
  df: number;
  /** Relative lift (treatment / control - 1), delta method; null when the control mean is 0. */
  lift: Lift | null;
}

/**
 * Welch's t-test of `treatment` against `control` for a mean outcome (revenue per user, order
 * value), not assuming equal variances: t, the Welch–Satterthwaite degrees of freedom, the
 * difference `mt - mc` with its t interval, and the relative lift (delta method). Arms are raw
 * outcomes or `{ mean, variance, n }` (sample variance, n - 1). Same values as scipy's
 * `ttest_ind(equal_var=False)` and statsmodels' `CompareMeans.tconfint_diff(usevar='unequal')`.
 *
 * Throws a ValueError for an empty arm, an arm of one value, NaN outcomes, and zero variance in
 * both arms.
 */
export function welchTest(control: MeanInput, treatment: MeanInput, options: TestOptions = {}): MeansTestResult {
  const op = 'welchTest';
  const alpha = alphaOf(op, options);
  const c = toMeanStats(op, 'control', control);
  const t = toMeanStats(op, 'treatment', treatment);
  for (const [name, s] of [
    ['control', c],
    ['treatment', t],
  ] as const) {
    if (s.n < 2) throw new ValueError(`${op}: ${name} has ${s.n} value; a variance needs at least 2`);
  }
  const vc = c.variance / c.n;
  const vt = t.variance / t.n;
  const se = Math.sqrt(vc + vt);
  if (se === 0) throw new ValueError(`${op}: zero variance: both arms are constant, so a t-test is undefined`);
  const df = (vc + vt) ** 2 / (vc ** 2 / (c.n - 1) + vt ** 2 / (t.n - 1));
  const diff = t.mean - c.mean;
  const stat = diff / se;
  checkResult(op, { difference: diff, standardError: se, degreesOfFreedom: df, statistic: stat });
  const q = studentQuantile(1 - alpha / 2, df);
  const lift = c.mean !== 0 ? deltaLift(c.mean, vc, t.mean, vt, alpha) : null;
  return makeResult(
    op,
    {
      test: "Welch's t-test",
      effectName: 'difference in means (treatment - control)',
      effect: diff,
      interval: [diff - q * se, diff + q * se],
      confidence: 1 - alpha,
      statistic: stat,
      pValue: 2 * studentSf(Math.abs(stat), df),
      alpha,
    },
    { control: c, treatment: t, df, lift },
    () =>
      `means ${c.mean.toPrecision(4)} vs ${t.mean.toPrecision(4)}, df ${df.toFixed(1)}` +
      (lift ? `, relative lift ${(lift.effect * 100).toFixed(2)}%` : ''),
  ) as MeansTestResult;
}

/** Options of {@link bootstrapMeanDiff}. */
export interface BootstrapOptions extends TestOptions {
  /** Bootstrap resamples; default 2000. */
  resamples?: number;
  /** Seeds the resampling (same seed, same interval); default 0. */
  seed?: number;
}

/** A bootstrap result: the shared fields plus the resampled differences' standard deviation. */
export interface BootstrapResult extends TestResult {
  /** Standard deviation of the resampled differences (the bootstrap standard error). */
  se: number;
  resamples: number;
}

/**
 * Percentile bootstrap of the difference in means `mean(treatment) - mean(control)`: each
 * resample draws each arm with replacement (seeded, so the interval is reproducible). Makes no
 * normality assumption, which matters for skewed revenue. The p-value is the two-sided share
 * of resampled differences on the other side of 0, (1 + count) / (1 + resamples) so it is never
 * 0; `statistic` is the difference over its bootstrap standard error.
 */
export function bootstrapMeanDiff(
  control: ArrayLike<number>,
  treatment: ArrayLike<number>,
  options: BootstrapOptions = {},
): BootstrapResult {
  const op = 'bootstrapMeanDiff';
  const alpha = alphaOf(op, options);
  const B = checkInt(op, 'resamples', options.resamples ?? 2000, 100);
  const rng = new Rng(options.seed ?? 0, op);
  const c = meanStats(op, 'control', control);
  const t = meanStats(op, 'treatment', treatment);
  if (c.variance === 0 && t.variance === 0)
    throw new ValueError(`${op}: zero variance: both arms are constant, so there is nothing to resample`);
  const diffs = new Float64Array(B);
  for (let b = 0; b < B; b++) diffs[b] = resampledMean(treatment, rng) - resampledMean(control, rng);
  diffs.sort();
  const diff = t.mean - c.mean;
  let below = 0;
  let above = 0;
  let sum = 0;
  for (const d of diffs) {
    if (d <= 0) below++;
    if (d >= 0) above++;
    sum += d;
  }
  const mean = sum / B;
  let ss = 0;
  for (const d of diffs) ss += (d - mean) ** 2;
  const se = Math.sqrt(ss / (B - 1));
  const pValue = Math.min(1, (2 * (1 + Math.min(below, above))) / (1 + B));
  return makeResult(
    op,
    {
      test: 'percentile bootstrap',
      effectName: 'difference in means (treatment - control)',
      effect: diff,
      interval: [quantileSorted(diffs, alpha / 2), quantileSorted(diffs, 1 - alpha / 2)],
      confidence: 1 - alpha,
      statistic: se > 0 ? diff / se : 0,
      pValue,
      alpha,
    },
    { se, resamples: B },
    () => `${B} resamples, bootstrap se ${se.toPrecision(4)}`,
  ) as BootstrapResult;
}

function resampledMean(x: ArrayLike<number>, rng: Rng): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[rng.int(x.length)]!;
  return s / x.length;
}

/** Linear-interpolated quantile of sorted values (numpy's default). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) throw new ValueError(`quantile: no values; got ${fmtValue(sorted)}`);
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}
