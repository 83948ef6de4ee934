import { ShapeError, ValueError, fmtValue } from '../core/errors.js';
import { type MeansTestResult, welchTest } from './means.js';
import { type TestOptions, alphaOf, checkResult } from './result.js';

/** One arm for CUPED: the outcome and its pre-period covariate, row by row. */
export interface CupedArm {
  /** Outcome per user in the experiment (spend). */
  y: ArrayLike<number>;
  /** The same users' pre-experiment covariate (last year's spend); unaffected by treatment. */
  x: ArrayLike<number>;
}

/** CUPED's result: Welch's test on the adjusted outcomes, plus what the adjustment did. */
export interface CupedResult extends MeansTestResult {
  /** The regression coefficient θ = cov(y, x) / var(x), pooled over both arms. */
  theta: number;
  /**
   * Share of the outcome's variance removed, 1 - var(y - θx) / var(y), pooled over both arms
   * (equals the squared correlation of y and x). The same share of users is saved for a given power.
   */
  varianceReduction: number;
  /** Welch's test on the raw outcomes, for comparison. */
  unadjusted: MeansTestResult;
}

function checkArm(op: string, name: string, arm: CupedArm): void {
  if (arm === null || typeof arm !== 'object' || !arm.y || !arm.x)
    throw new ValueError(`${op}: ${name} must be { y, x } (outcome and pre-period covariate); got ${fmtValue(arm)}`);
  if (arm.y.length !== arm.x.length)
    throw new ShapeError(
      `${op}: ${name}.x (covariate) has ${arm.x.length} values but ${name}.y has ${arm.y.length}; give one covariate per user`,
    );
  if (arm.y.length === 0) throw new ValueError(`${op}: ${name} is empty (an arm with no data)`);
  for (const [k, a] of [
    ['y', arm.y],
    ['x', arm.x],
  ] as const)
    for (let i = 0; i < a.length; i++)
      if (!Number.isFinite(a[i]!))
        throw new ValueError(`${op}: ${name}.${k}[${i}] must be a finite number; got ${fmtValue(a[i])}`);
}

/**
 * CUPED (Deng, Xu, Kohavi and Walker, 2013): variance reduction with a pre-experiment covariate.
 * Each outcome becomes y - θ(x - mean(x)), θ = cov(y, x)/var(x) over both arms together; since
 * x is measured before assignment its arms share a mean, so the adjustment leaves the effect
 * unbiased and shrinks its variance by the squared correlation. The effect, interval and
 * p-value are Welch's test on the adjusted outcomes; `unadjusted` is the plain test.
 *
 * Throws a ShapeError when an arm's covariate and outcome differ in length, and a ValueError
 * when the covariate is constant (zero variance: nothing to regress on).
 */
export function cuped(control: CupedArm, treatment: CupedArm, options: TestOptions = {}): CupedResult {
  const op = 'cuped';
  const alpha = alphaOf(op, options);
  checkArm(op, 'control', control);
  checkArm(op, 'treatment', treatment);
  const n = control.y.length + treatment.y.length;
  let sx = 0;
  let sy = 0;
  for (const arm of [control, treatment])
    for (let i = 0; i < arm.y.length; i++) {
      sx += arm.x[i]!;
      sy += arm.y[i]!;
    }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const arm of [control, treatment])
    for (let i = 0; i < arm.y.length; i++) {
      const dx = arm.x[i]! - mx;
      const dy = arm.y[i]! - my;
      sxx += dx * dx;
      sxy += dx * dy;
      syy += dy * dy;
    }
  if (sxx === 0)
    throw new ValueError(`${op}: zero variance: the covariate x is constant, so it cannot explain any variance`);
  if (syy === 0) throw new ValueError(`${op}: zero variance: the outcome y is constant in both arms`);
  const theta = sxy / sxx;
  const adjust = (arm: CupedArm) => Float64Array.from(arm.y, (y, i) => y - theta * (arm.x[i]! - mx));
  const adjusted = welchTest(adjust(control), adjust(treatment), { alpha });
  const unadjusted = welchTest(control.y, treatment.y, { alpha });
  const varianceReduction = (sxy * sxy) / (sxx * syy);
  checkResult(op, { theta, varianceReduction });
  const out = {
    ...adjusted,
    test: "CUPED + Welch's t-test",
    theta,
    varianceReduction,
    unadjusted,
  } as CupedResult;
  Object.defineProperty(out, 'summary', {
    enumerable: false,
    value: () =>
      `${adjusted.summary().replace("Welch's t-test", "CUPED + Welch's t-test")}; theta ${theta.toPrecision(4)}, ` +
      `variance reduced by ${(varianceReduction * 100).toFixed(1)}% (unadjusted CI ` +
      `[${unadjusted.interval[0].toPrecision(4)}, ${unadjusted.interval[1].toPrecision(4)}])`,
  });
  return out;
}
