import { ValueError, fmtValue } from '../core/errors.js';
import { checkRange } from '../core/checks.js';
import { bisect, normalCdf, normalQuantile, normalSf } from './distributions.js';
import { fmtNum } from './result.js';

// Designs use the normal approximation statsmodels' NormalIndPower uses, so the figures match
// it: a standardized effect d, the harmonic sample size n1·n2/(n1 + n2), and a two-sided power
// that counts both rejection tails. For proportions d is Cohen's h = 2·asin√p2 - 2·asin√p1 (the
// arcsine transform makes the variance independent of p); for means d = mde / sd.

/** The error rates and arm ratio a design assumes. */
export interface DesignOptions {
  /** Two-sided significance level; default 0.05. */
  alpha?: number;
  /** Probability of detecting the effect when it is there; default 0.8. */
  power?: number;
  /** Treatment arm size over control arm size; default 1. */
  ratio?: number;
}

/** A sample size: per arm (rounded up) and in total. */
export interface SampleSize {
  /** Control arm size, rounded up. */
  control: number;
  /** Treatment arm size, rounded up. */
  treatment: number;
  total: number;
  /** The exact (unrounded) control size the power equation solves to. */
  exact: number;
  /** The standardized effect the design used (Cohen's h or d). */
  effectSize: number;
  summary(): string;
}

function opts(op: string, o: DesignOptions): { alpha: number; power: number; ratio: number } {
  const alpha = o.alpha ?? 0.05;
  const power = o.power ?? 0.8;
  const ratio = o.ratio ?? 1;
  checkRange(op, 'alpha', alpha, Number.MIN_VALUE, 1);
  checkRange(op, 'power', power, Number.MIN_VALUE, 1);
  if (!(ratio > 0) || !Number.isFinite(ratio))
    throw new ValueError(`${op}: ratio must be a positive number; got ${fmtValue(ratio)}`);
  return { alpha, power, ratio };
}

/** Two-sided power of a z-test with standardized effect `d` and control size `n1`. */
function normalPower(d: number, n1: number, alpha: number, ratio: number): number {
  const nEff = 1 / (1 / n1 + 1 / (n1 * ratio));
  const crit = normalQuantile(1 - alpha / 2);
  const shift = Math.abs(d) * Math.sqrt(nEff);
  return normalSf(crit - shift) + normalCdf(-crit - shift);
}

function solveN(op: string, d: number, alpha: number, power: number, ratio: number): number {
  if (!(Math.abs(d) > 0)) throw new ValueError(`${op}: the effect must be non-zero; got ${fmtValue(d)}`);
  let hi = 2;
  while (normalPower(d, hi, alpha, ratio) < power) {
    hi *= 2;
    if (hi > 1e15) throw new ValueError(`${op}: the effect ${fmtValue(d)} is too small to detect with any sample`);
  }
  return bisect((n) => normalPower(d, n, alpha, ratio) - power, 1e-9, hi, false);
}

function sizeResult(exact: number, ratio: number, effectSize: number, what: string): SampleSize {
  const control = Math.ceil(exact - 1e-9);
  const treatment = Math.ceil(exact * ratio - 1e-9);
  const r = { control, treatment, total: control + treatment, exact, effectSize } as SampleSize;
  Object.defineProperty(r, 'summary', {
    enumerable: false,
    value: () => `sample size for ${what}: ${control} control + ${treatment} treatment = ${control + treatment} users`,
  });
  return r;
}

function checkRate(op: string, name: string, p: number): number {
  if (!(p > 0 && p < 1)) throw new ValueError(`${op}: ${name} must be a rate in (0, 1); got ${fmtValue(p)}`);
  return p;
}

/** Cohen's h between two proportions: 2·asin√p2 - 2·asin√p1. */
export function cohensH(p1: number, p2: number): number {
  return 2 * Math.asin(Math.sqrt(p2)) - 2 * Math.asin(Math.sqrt(p1));
}

/**
 * Users needed to detect a change of a conversion rate from `baseline` by `mde` (absolute, e.g.
 * 0.01 for one point) with a two-sided z-test at `alpha` and `power`. Equals statsmodels'
 * `NormalIndPower().solve_power(proportion_effectsize(p2, p1), ...)`.
 */
export function sampleSizeProportions(baseline: number, mde: number, options: DesignOptions = {}): SampleSize {
  const op = 'sampleSizeProportions';
  const { alpha, power, ratio } = opts(op, options);
  checkRate(op, 'baseline', baseline);
  checkRate(op, 'baseline + mde', baseline + mde);
  const h = cohensH(baseline, baseline + mde);
  return sizeResult(
    solveN(op, h, alpha, power, ratio),
    ratio,
    h,
    `${fmtNum(baseline)} -> ${fmtNum(baseline + mde)} (alpha ${alpha}, power ${power})`,
  );
}

/** Power of the two-proportion z-test for `baseline` → `baseline + mde` with `n` control users. */
export function powerProportions(
  baseline: number,
  mde: number,
  n: number,
  options: Omit<DesignOptions, 'power'> = {},
): number {
  const op = 'powerProportions';
  const { alpha, ratio } = opts(op, options);
  checkRate(op, 'baseline', baseline);
  checkRate(op, 'baseline + mde', baseline + mde);
  if (!(n > 0)) throw new ValueError(`${op}: n must be a positive number; got ${fmtValue(n)}`);
  return normalPower(cohensH(baseline, baseline + mde), n, alpha, ratio);
}

/**
 * The smallest upward change of a rate from `baseline` that `n` control users (and `n·ratio`
 * treatment users) detect with the given power: absolute and relative.
 */
export function mdeProportions(
  baseline: number,
  n: number,
  options: DesignOptions = {},
): { absolute: number; relative: number; effectSize: number } {
  const op = 'mdeProportions';
  const { alpha, power, ratio } = opts(op, options);
  checkRate(op, 'baseline', baseline);
  if (!(n > 0)) throw new ValueError(`${op}: n must be a positive number; got ${fmtValue(n)}`);
  const h = solveEffect(op, n, alpha, power, ratio);
  // Invert Cohen's h upward from the baseline; beyond a rate of 1 no effect is detectable.
  const phi = Math.asin(Math.sqrt(baseline)) + h / 2;
  if (phi >= Math.PI / 2)
    throw new ValueError(`${op}: ${n} users cannot detect any change from ${baseline} with power ${power}`);
  const p2 = Math.sin(phi) ** 2;
  return { absolute: p2 - baseline, relative: p2 / baseline - 1, effectSize: h };
}

function solveEffect(op: string, n: number, alpha: number, power: number, ratio: number): number {
  let hi = 1;
  while (normalPower(hi, n, alpha, ratio) < power) {
    hi *= 2;
    if (hi > 1e6) throw new ValueError(`${op}: n = ${fmtValue(n)} is too small for power ${power}`);
  }
  return bisect((d) => normalPower(d, n, alpha, ratio) - power, 0, hi, false);
}

function checkSd(op: string, sd: number): number {
  if (!(sd > 0) || !Number.isFinite(sd))
    throw new ValueError(
      `${op}: sd must be a positive number (zero variance cannot be designed for); got ${fmtValue(sd)}`,
    );
  return sd;
}

/**
 * Users needed to detect a change `mde` of a mean outcome with standard deviation `sd` (per user),
 * two-sided z-test. Equals statsmodels' `NormalIndPower().solve_power(mde / sd, ...)`.
 */
export function sampleSizeMeans(sd: number, mde: number, options: DesignOptions = {}): SampleSize {
  const op = 'sampleSizeMeans';
  const { alpha, power, ratio } = opts(op, options);
  const d = mde / checkSd(op, sd);
  return sizeResult(
    solveN(op, d, alpha, power, ratio),
    ratio,
    d,
    `a mean change of ${fmtNum(mde)} (sd ${fmtNum(sd)}, alpha ${alpha}, power ${power})`,
  );
}

/** Power of the test on means for a change `mde` with `n` control users. */
export function powerMeans(sd: number, mde: number, n: number, options: Omit<DesignOptions, 'power'> = {}): number {
  const op = 'powerMeans';
  const { alpha, ratio } = opts(op, options);
  if (!(n > 0)) throw new ValueError(`${op}: n must be a positive number; got ${fmtValue(n)}`);
  return normalPower(mde / checkSd(op, sd), n, alpha, ratio);
}

/** The smallest change of a mean (sd per user) that `n` control users detect with the given power. */
export function mdeMeans(sd: number, n: number, options: DesignOptions = {}): { absolute: number; effectSize: number } {
  const op = 'mdeMeans';
  const { alpha, power, ratio } = opts(op, options);
  checkSd(op, sd);
  if (!(n > 0)) throw new ValueError(`${op}: n must be a positive number; got ${fmtValue(n)}`);
  const d = solveEffect(op, n, alpha, power, ratio);
  return { absolute: d * sd, effectSize: d };
}
