import { ValueError } from '../core/errors.js';
import { normalSf } from './distributions.js';
import {
  type Counts,
  type TestOptions,
  type TestResult,
  alphaOf,
  checkCounts,
  checkResult,
  makeResult,
  zCritical,
} from './result.js';

/**
 * Wilson score interval for one proportion `successes / trials` at `confidence` (default 0.95):
 * unlike the Wald interval it stays inside [0, 1] and keeps its coverage at 0 or all successes.
 * Same values as statsmodels' `proportion_confint(method='wilson')`.
 */
export function wilsonInterval(counts: Counts, confidence = 0.95): [number, number] {
  const op = 'wilsonInterval';
  const { successes, trials } = checkCounts(op, 'counts', counts);
  const alpha = alphaOf(op, { alpha: 1 - confidence });
  const z = zCritical(alpha);
  const p = successes / trials;
  const z2 = z * z;
  const centre = (p + z2 / (2 * trials)) / (1 + z2 / trials);
  const half = (z / (1 + z2 / trials)) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * Newcombe's hybrid score interval (method 10) for the difference of two proportions
 * `treatment - control`, built from the two Wilson intervals; statsmodels'
 * `confint_proportions_2indep(method='newcomb')`.
 */
export function newcombeInterval(control: Counts, treatment: Counts, confidence = 0.95): [number, number] {
  const op = 'newcombeInterval';
  checkCounts(op, 'control', control);
  checkCounts(op, 'treatment', treatment);
  const p1 = treatment.successes / treatment.trials;
  const p2 = control.successes / control.trials;
  const [l1, u1] = wilsonInterval(treatment, confidence);
  const [l2, u2] = wilsonInterval(control, confidence);
  const diff = p1 - p2;
  return [diff - Math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), diff + Math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)];
}

/** Relative lift `treatment / control - 1` with its delta-method interval. */
export interface Lift {
  effect: number;
  interval: [number, number];
  /** Delta-method standard error of the lift. */
  se: number;
}

/**
 * Relative lift of two means (`mt / mc - 1`) from the means and the variances of those means
 * (squared standard errors), with the first-order delta-method interval
 * Var(mt/mc) ≈ vt/mc² + mt²·vc/mc⁴. A control mean of 0 has no relative lift: ValueError.
 */
export function deltaLift(mc: number, vc: number, mt: number, vt: number, alpha: number): Lift {
  if (mc === 0) throw new ValueError('relative lift: the control mean is 0, so a relative lift is undefined');
  const effect = mt / mc - 1;
  const se = Math.sqrt(vt / (mc * mc) + (mt * mt * vc) / mc ** 4);
  const z = zCritical(alpha);
  checkResult('relative lift', { effect, se });
  return { effect, interval: [effect - z * se, effect + z * se], se };
}

/** A two-proportion test's result: the shared fields plus each arm's rate and the relative lift. */
export interface ProportionTestResult extends TestResult {
  control: { rate: number; interval: [number, number] };
  treatment: { rate: number; interval: [number, number] };
  /** Relative lift (treatment / control - 1) with a delta-method interval; null when the control rate is 0. */
  lift: Lift | null;
}

/**
 * Two-proportion z-test of `treatment` against `control` (conversions of visitors), the
 * standard A/B read for a rate: z from the pooled proportion (statsmodels' `proportions_ztest`),
 * the difference `pt - pc` with Newcombe's interval, each arm's Wilson interval and the relative
 * lift with its delta-method interval.
 *
 * Throws a ValueError for negative or non-integer counts, more successes than trials, an arm
 * with no trials, and for zero variance (both arms all 0 or all 1: nothing to test).
 *
 * @example
 * const r = at.experiments.twoProportionTest({ successes: 120, trials: 2400 }, { successes: 156, trials: 2390 });
 * console.log(r.summary()); // two-proportion z-test: difference ... p = 0.025 -> treatment better
 */
export function twoProportionTest(control: Counts, treatment: Counts, options: TestOptions = {}): ProportionTestResult {
  const op = 'twoProportionTest';
  const alpha = alphaOf(op, options);
  checkCounts(op, 'control', control);
  checkCounts(op, 'treatment', treatment);
  const pc = control.successes / control.trials;
  const pt = treatment.successes / treatment.trials;
  const pooled = (control.successes + treatment.successes) / (control.trials + treatment.trials);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / control.trials + 1 / treatment.trials));
  if (se === 0) {
    throw new ValueError(
      `${op}: zero variance: every outcome in both arms is ${pooled === 0 ? 0 : 1}, so there is no difference to test`,
    );
  }
  const z = (pt - pc) / se;
  const pValue = 2 * normalSf(Math.abs(z));
  const confidence = 1 - alpha;
  const lift =
    pc > 0 ? deltaLift(pc, (pc * (1 - pc)) / control.trials, pt, (pt * (1 - pt)) / treatment.trials, alpha) : null;
  return makeResult(
    op,
    {
      test: 'two-proportion z-test',
      effectName: 'difference in proportions (treatment - control)',
      effect: pt - pc,
      interval: newcombeInterval(control, treatment, confidence),
      confidence,
      statistic: z,
      pValue,
      alpha,
    },
    {
      control: { rate: pc, interval: wilsonInterval(control, confidence) },
      treatment: { rate: pt, interval: wilsonInterval(treatment, confidence) },
      lift,
    },
    () =>
      lift
        ? `rates ${pc.toFixed(4)} vs ${pt.toFixed(4)}, relative lift ${(lift.effect * 100).toFixed(2)}% ` +
          `[${(lift.interval[0] * 100).toFixed(2)}%, ${(lift.interval[1] * 100).toFixed(2)}%]`
        : `rates ${pc.toFixed(4)} vs ${pt.toFixed(4)} (control rate 0: no relative lift)`,
  ) as ProportionTestResult;
}
