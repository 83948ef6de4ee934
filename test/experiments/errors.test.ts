// Bad input gets a clear error naming what is wrong; NaN never comes back.
import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { NumericalError, ShapeError, ValueError } from '../../src/core/errors.js';

const ex = at.experiments;
const ok = { successes: 10, trials: 100 };

describe('experiments reject bad input with a clear error', () => {
  it('counts: negative, non-integer, more successes than trials, an empty arm', () => {
    expect(() => ex.twoProportionTest({ successes: -1, trials: 10 }, ok)).toThrow(
      /control\.successes must be a non-negative integer; got -1/,
    );
    expect(() => ex.twoProportionTest(ok, { successes: 2.5, trials: 10 })).toThrow(ValueError);
    expect(() => ex.twoProportionTest(ok, { successes: 11, trials: 10 })).toThrow(
      /treatment\.successes \(11\) is more than its trials \(10\)/,
    );
    expect(() => ex.twoProportionTest({ successes: 0, trials: 0 }, ok)).toThrow(/control has no data \(trials = 0\)/);
    expect(() => ex.twoProportionTest(ok, { successes: 0, trials: -5 })).toThrow(
      /trials must be a non-negative integer; got -5/,
    );
    expect(() => ex.bayesProportions(ok, { successes: 20, trials: 10 })).toThrow(/more than its trials/);
    expect(() => ex.wilsonInterval({ successes: 3, trials: 0 })).toThrow(/no data/);
    expect(() =>
      ex.SequentialTest.prototype.look.call(new ex.SequentialTest({ tau: 0.1 }), ok, { successes: 1, trials: 0 }),
    ).toThrow(/no data/);
  });

  it('zero variance', () => {
    expect(() => ex.twoProportionTest({ successes: 0, trials: 50 }, { successes: 0, trials: 60 })).toThrow(
      /zero variance/,
    );
    expect(() => ex.twoProportionTest({ successes: 50, trials: 50 }, { successes: 60, trials: 60 })).toThrow(
      /zero variance/,
    );
    expect(() => ex.welchTest([1, 1, 1], [1, 1])).toThrow(/zero variance/);
    expect(() => ex.bootstrapMeanDiff([2, 2], [2, 2, 2])).toThrow(/zero variance/);
    expect(() => ex.bayesMeans([3, 3], [3, 3])).toThrow(/zero variance/);
    expect(() => ex.cuped({ y: [1, 2, 3], x: [5, 5, 5] }, { y: [2, 3], x: [5, 5] })).toThrow(/covariate x is constant/);
    expect(() => ex.sampleSizeMeans(0, 1)).toThrow(/sd must be a positive number/);
    expect(() =>
      new ex.SequentialTest({ tau: 0.1 }).look({ successes: 0, trials: 10 }, { successes: 0, trials: 10 }),
    ).toThrow(/zero variance/);
  });

  it('empty arms and single values', () => {
    expect(() => ex.welchTest([], [1, 2])).toThrow(/control is empty \(an arm with no data\)/);
    expect(() => ex.welchTest([1, 2], [3])).toThrow(/treatment has 1 value/);
    expect(() => ex.welchTest({ mean: 1, variance: 1, n: 0 }, [1, 2])).toThrow(/no data \(n = 0\)/);
    expect(() => ex.bootstrapMeanDiff([1, 2], [])).toThrow(/treatment is empty/);
    expect(() => ex.compareArms(ok, {})).toThrow(/arms is empty/);
    expect(() => ex.sampleRatioMismatch([0, 0])).toThrow(/every arm is empty/);
    expect(() => ex.sampleRatioMismatch([10])).toThrow(/at least 2 arms/);
    expect(() => ex.sampleRatioMismatch([10, -1])).toThrow(/counts\[1\] must be a non-negative integer/);
    expect(() => ex.sampleRatioMismatch([10, 12], [1])).toThrow(/planned has 1 shares for 2 arms/);
  });

  it('a mismatched covariate length is a ShapeError', () => {
    expect(() => ex.cuped({ y: [1, 2, 3], x: [1, 2] }, { y: [1, 2], x: [1, 2] })).toThrow(ShapeError);
    expect(() => ex.cuped({ y: [1, 2, 3], x: [1, 2] }, { y: [1, 2], x: [1, 2] })).toThrow(
      /control\.x \(covariate\) has 2 values but control\.y has 3/,
    );
    expect(() => at.uplift.qiniCurve([0.1, 0.2], [1, 0], [1])).toThrow(ShapeError);
  });

  it('NaN outcomes and bad options', () => {
    expect(() => ex.welchTest([1, Number.NaN, 2], [1, 2])).toThrow(/control\[1\] must be a finite number; got NaN/);
    expect(() => ex.twoProportionTest(ok, ok, { alpha: 1.5 })).toThrow(/alpha must be a number in/);
    expect(() => ex.sampleSizeProportions(0.1, 0)).toThrow(/effect must be non-zero/);
    expect(() => ex.sampleSizeProportions(0.95, 0.1)).toThrow(/baseline \+ mde must be a rate in \(0, 1\)/);
    expect(() => new ex.SequentialTest({ tau: 0 })).toThrow(/tau must be a positive number/);
    expect(() => ex.holm([0.1, Number.NaN])).toThrow(/pValues\[1\] must be in \[0, 1\]/);
    expect(() => ex.bayesProportions(ok, ok, { prior: { alpha: 0, beta: 1 } })).toThrow(/prior must be/);
  });

  it('degenerate but legal input gives finite numbers, never NaN', () => {
    // A control rate of 0: no relative lift (null), everything else finite.
    const r = ex.twoProportionTest({ successes: 0, trials: 40 }, { successes: 3, trials: 40 });
    expect(r.lift).toBeNull();
    for (const v of [r.effect, r.statistic, r.pValue, ...r.interval]) expect(Number.isFinite(v)).toBe(true);
    const b = ex.bayesProportions({ successes: 0, trials: 40 }, { successes: 0, trials: 40 });
    expect(b.probabilityToBeat).toBeCloseTo(0.5, 9);
    expect(Number.isFinite(b.interval[0]) && Number.isFinite(b.expectedLoss.treatment)).toBe(true);
    const w = ex.welchTest([0, 0, 0], [0, 1, 2]); // one constant arm is fine
    expect(Number.isFinite(w.pValue)).toBe(true);
    expect(() => ex.welchTest({ mean: 0, variance: 1, n: 5 }, { mean: 1, variance: 1, n: 5 })).not.toThrow();
  });

  it('NumericalError is what a non-finite result would raise', () => {
    expect(() => ex.welchTest({ mean: 1e308, variance: 1e308, n: 2 }, { mean: -1e308, variance: 1e308, n: 2 })).toThrow(
      NumericalError,
    );
  });
});
