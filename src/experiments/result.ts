import { NumericalError, ValueError, fmtValue } from '../core/errors.js';
import { checkRange } from '../core/checks.js';
import { normalQuantile } from './distributions.js';

/** What a test concluded at its level: which arm is better, or that the data cannot tell. */
export type Decision = 'treatment better' | 'control better' | 'no significant difference';

/**
 * The one shape every frequentist test in `at.experiments` returns: the effect (treatment minus
 * control unless the test says otherwise), its interval, the p-value and the decision, with a
 * printable one-paragraph {@link TestResult.summary}.
 */
export interface TestResult {
  /** The test's name, e.g. `'two-proportion z-test'`. */
  readonly test: string;
  /** What `effect` measures, e.g. `'difference in proportions (treatment - control)'`. */
  readonly effectName: string;
  /** The estimated effect. */
  readonly effect: number;
  /** Its confidence interval at `confidence`. */
  readonly interval: readonly [number, number];
  /** Confidence level of `interval`, 1 - alpha. */
  readonly confidence: number;
  /** The test statistic (z, t or chi-square). */
  readonly statistic: number;
  /** Two-sided p-value (after correction when the result came from a corrected family). */
  readonly pValue: number;
  /** Significance level the decision used. */
  readonly alpha: number;
  /** `pValue < alpha`, with the sign of the effect. */
  readonly decision: Decision;
  /** A printable summary: effect, interval, p-value, decision. */
  summary(): string;
}

/** The options every test takes. */
export interface TestOptions {
  /** Significance level; the interval is at 1 - alpha. Default 0.05. */
  alpha?: number;
}

/** Checks `alpha` ∈ (0, 1) and returns it (default 0.05). */
export function alphaOf(op: string, options: TestOptions): number {
  const alpha = options.alpha ?? 0.05;
  checkRange(op, 'alpha', alpha, Number.MIN_VALUE, 1);
  return alpha;
}

/** z_{1 - alpha/2}, the two-sided critical value. */
export function zCritical(alpha: number): number {
  return normalQuantile(1 - alpha / 2);
}

/** The decision at `alpha` from a p-value and the sign of the effect. */
export function decide(pValue: number, effect: number, alpha: number): Decision {
  if (!(pValue < alpha)) return 'no significant difference';
  return effect > 0 ? 'treatment better' : 'control better';
}

/** A number for a summary line: 4 significant digits, small p-values in exponent form. */
export function fmtNum(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a < 1e-4 || a >= 1e6) return x.toExponential(2);
  return Number(x.toPrecision(4)).toString();
}

/** Throws a NumericalError naming every field of `values` that is not finite, so NaN never leaves. */
export function checkResult(op: string, values: Record<string, number>): void {
  for (const [k, v] of Object.entries(values)) {
    if (!Number.isFinite(v)) throw new NumericalError(`${op}: ${k} came out ${fmtValue(v)}; the input is degenerate`);
  }
}

/** Builds a {@link TestResult} (checking every number is finite) with its summary. */
export function makeResult<T extends object = object>(
  op: string,
  r: Omit<TestResult, 'summary' | 'decision'> & { decision?: Decision },
  extra?: T,
  note?: () => string,
): TestResult & T {
  checkResult(op, {
    effect: r.effect,
    lower: r.interval[0],
    upper: r.interval[1],
    statistic: r.statistic,
    pValue: r.pValue,
  });
  const decision = r.decision ?? decide(r.pValue, r.effect, r.alpha);
  const out = { ...r, decision, ...extra } as TestResult & T;
  Object.defineProperty(out, 'summary', {
    enumerable: false,
    value: () =>
      `${r.test}: ${r.effectName} = ${fmtNum(r.effect)}, ${Math.round(r.confidence * 1000) / 10}% CI ` +
      `[${fmtNum(r.interval[0])}, ${fmtNum(r.interval[1])}], statistic ${fmtNum(r.statistic)}, ` +
      `p = ${fmtNum(r.pValue)} -> ${decision} (alpha ${r.alpha})${note ? `; ${note()}` : ''}`,
  });
  return out;
}

/** Success counts of one arm: `successes` of `trials` (conversions of visitors). */
export interface Counts {
  successes: number;
  trials: number;
}

/** Checks one arm's counts: integers, trials ≥ 1 (an arm with data), 0 ≤ successes ≤ trials. */
export function checkCounts(op: string, name: string, c: Counts): Counts {
  if (c === null || typeof c !== 'object')
    throw new ValueError(`${op}: ${name} must be { successes, trials }; got ${fmtValue(c)}`);
  const { successes, trials } = c;
  if (!Number.isInteger(trials) || trials < 0)
    throw new ValueError(`${op}: ${name}.trials must be a non-negative integer; got ${fmtValue(trials)}`);
  if (trials === 0) throw new ValueError(`${op}: ${name} has no data (trials = 0)`);
  if (!Number.isInteger(successes) || successes < 0)
    throw new ValueError(`${op}: ${name}.successes must be a non-negative integer; got ${fmtValue(successes)}`);
  if (successes > trials)
    throw new ValueError(`${op}: ${name}.successes (${successes}) is more than its trials (${trials})`);
  return c;
}

/** Mean, sample variance (n - 1) and size of one arm's outcomes. */
export interface MeanStats {
  mean: number;
  variance: number;
  n: number;
}

/** Mean and sample variance of `x` (two-pass, so large offsets do not lose digits). */
export function meanStats(op: string, name: string, x: ArrayLike<number>): MeanStats {
  const n = x.length;
  if (n === 0) throw new ValueError(`${op}: ${name} is empty (an arm with no data)`);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new ValueError(`${op}: ${name}[${i}] must be a finite number; got ${fmtValue(v)}`);
    s += v;
  }
  const mean = s / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (x[i]! - mean) ** 2;
  return { mean, variance: n > 1 ? ss / (n - 1) : 0, n };
}

/** Checks given summary statistics: n ≥ 2, finite mean, variance ≥ 0. */
export function checkMeanStats(op: string, name: string, s: MeanStats): MeanStats {
  if (s === null || typeof s !== 'object')
    throw new ValueError(`${op}: ${name} must be { mean, variance, n } or an array of outcomes; got ${fmtValue(s)}`);
  if (!Number.isInteger(s.n) || s.n < 0)
    throw new ValueError(`${op}: ${name}.n must be a non-negative integer; got ${fmtValue(s.n)}`);
  if (s.n === 0) throw new ValueError(`${op}: ${name} has no data (n = 0)`);
  if (!Number.isFinite(s.mean)) throw new ValueError(`${op}: ${name}.mean must be finite; got ${fmtValue(s.mean)}`);
  if (!(s.variance >= 0) || !Number.isFinite(s.variance))
    throw new ValueError(`${op}: ${name}.variance must be a finite number >= 0; got ${fmtValue(s.variance)}`);
  return s;
}

/** An arm given as raw outcomes or as summary statistics. */
export type MeanInput = ArrayLike<number> | MeanStats;

/** Summary statistics of an arm given either way. */
export function toMeanStats(op: string, name: string, x: MeanInput): MeanStats {
  if (x !== null && typeof x === 'object' && 'mean' in x && 'variance' in x && 'n' in x)
    return checkMeanStats(op, name, x);
  if (x === null || typeof x !== 'object' || typeof (x as ArrayLike<number>).length !== 'number')
    throw new ValueError(`${op}: ${name} must be an array of outcomes or { mean, variance, n }; got ${fmtValue(x)}`);
  return meanStats(op, name, x as ArrayLike<number>);
}
