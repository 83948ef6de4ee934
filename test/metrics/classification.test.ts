import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import {
  accuracy,
  brierScore,
  calibrationCurve,
  expectedCalibrationError,
  logLoss,
  prAuc,
  precisionRecallF1,
  rocAuc,
} from '../../src/metrics/classification.js';
import { ShapeError, ValueError } from '../../src/core/errors.js';

/** The definition: share of (positive, negative) pairs ordered right, ties counting 1/2. */
function pairwiseAuc(y: number[], s: number[]): number {
  let num = 0;
  let pairs = 0;
  for (let i = 0; i < y.length; i++) {
    for (let j = 0; j < y.length; j++) {
      if (y[i] === 1 && y[j] === 0) {
        pairs++;
        num += s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0;
      }
    }
  }
  return num / pairs;
}

const labelled = fc
  .array(fc.tuple(fc.constantFrom(0, 1), fc.integer({ min: -5, max: 5 })), { minLength: 2, maxLength: 40 })
  .filter((rows) => rows.some((r) => r[0] === 1) && rows.some((r) => r[0] === 0))
  .map((rows) => ({ y: rows.map((r) => r[0]), s: rows.map((r) => r[1]) }));

describe('rocAuc', () => {
  it('matches sklearn on a known example and the pairwise count with ties', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
    const y = [1, 0, 1, 0, 1, 0];
    const s = [0.5, 0.5, 0.9, 0.1, 0.2, 0.2];
    expect(rocAuc(y, s)).toBeCloseTo(pairwiseAuc(y, s), 12);
    expect(rocAuc([true, false], [1, 0])).toBe(1);
  });

  it('equals the brute-force pairwise count (small integer scores force ties)', () => {
    fc.assert(
      fc.property(labelled, ({ y, s }) => {
        expect(rocAuc(y, s)).toBeCloseTo(pairwiseAuc(y, s), 12);
      }),
    );
  });

  it('is invariant under strictly increasing transforms and flips under negation', () => {
    fc.assert(
      fc.property(labelled, ({ y, s }) => {
        const auc = rocAuc(y, s);
        expect(
          rocAuc(
            y,
            s.map((v) => Math.exp(v) * 3 + 1),
          ),
        ).toBeCloseTo(auc, 12);
        expect(
          rocAuc(
            y,
            s.map((v) => -v),
          ),
        ).toBeCloseTo(1 - auc, 12);
      }),
    );
  });

  it('refuses one-class labels, bad labels, NaN scores and mismatched lengths', () => {
    expect(() => rocAuc([1, 1], [0.1, 0.2])).toThrow(/only positives/);
    expect(() => rocAuc([0, 2], [0.1, 0.2])).toThrow(/yTrue\[1\] must be 0 or 1/);
    expect(() => rocAuc([0, 1], [0.1, Number.NaN])).toThrow(/yScore\[1\]/);
    expect(() => rocAuc([0, 1], [0.1])).toThrow(ShapeError);
    expect(rocAuc([0, 1], [-Infinity, Infinity])).toBe(1);
  });
});

describe('prAuc', () => {
  it('matches sklearn average_precision_score', () => {
    // sklearn: average_precision_score([0,0,1,1],[0.1,0.4,0.35,0.8]) = 0.8333...
    expect(prAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(5 / 6, 12);
    // Tied scores form one threshold: all tied -> precision = base rate.
    expect(prAuc([1, 0, 0, 0], [1, 1, 1, 1])).toBeCloseTo(0.25, 12);
    expect(prAuc([1, 1, 0], [3, 2, 1])).toBe(1);
    expect(() => prAuc([0, 0], [1, 2])).toThrow(ValueError);
  });
});

describe('probability metrics', () => {
  it('logLoss and brierScore match hand-computed values', () => {
    expect(logLoss([1, 0], [0.9, 0.2])).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8)) / 2, 12);
    expect(logLoss([1], [0])).toBeCloseTo(-Math.log(1e-15), 6);
    expect(Number.isFinite(logLoss([0], [1], { eps: 1e-7 }))).toBe(true);
    expect(brierScore([1, 0, 1], [0.9, 0.2, 0.5])).toBeCloseTo((0.01 + 0.04 + 0.25) / 3, 12);
    expect(() => logLoss([1], [1.2])).toThrow(/yProb\[0\] must be a probability/);
    expect(() => brierScore([1], [-0.1])).toThrow(ValueError);
    expect(() => logLoss([1], [0.5], { eps: 0 })).toThrow(ValueError);
  });

  it('accuracy and precisionRecallF1 at a threshold', () => {
    const y = [1, 1, 0, 0, 1];
    const p = [0.9, 0.4, 0.6, 0.1, 0.7];
    const r = precisionRecallF1(y, p);
    expect(r).toMatchObject({ tp: 2, fp: 1, tn: 1, fn: 1 });
    expect(r.precision).toBeCloseTo(2 / 3, 12);
    expect(r.recall).toBeCloseTo(2 / 3, 12);
    expect(r.f1).toBeCloseTo(2 / 3, 12);
    expect(accuracy(y, p)).toBeCloseTo(3 / 5, 12);
    expect(accuracy(y, [1, 1, 0, 0, 1])).toBe(1);
    expect(accuracy(y, p, { threshold: 0.3 })).toBeCloseTo(4 / 5, 12);
    expect(precisionRecallF1([0, 0], [0.1, 0.2])).toMatchObject({ precision: 0, recall: 0, f1: 0, tn: 2 });
  });

  it('calibrationCurve bins predictions and ECE weights the gaps', () => {
    const y = [0, 1, 1, 1, 0];
    const p = [0.05, 0.15, 0.95, 1, 0.9];
    const c = calibrationCurve(y, p, { bins: 2 });
    expect(Array.from(c.edges)).toEqual([0, 0.5, 1]);
    expect(Array.from(c.count)).toEqual([2, 3]);
    expect(c.meanPredicted[0]).toBeCloseTo(0.1, 12);
    expect(c.fractionPositive[1]).toBeCloseTo(2 / 3, 12);
    const ece = (2 * Math.abs(0.5 - 0.1) + 3 * Math.abs(2 / 3 - 2.85 / 3)) / 5;
    expect(expectedCalibrationError(y, p, { bins: 2 })).toBeCloseTo(ece, 12);
    const sparse = calibrationCurve([1], [0.95], { bins: 4 });
    expect(sparse.count[0]).toBe(0);
    expect(sparse.meanPredicted[0]).toBeNaN();
    expect(() => calibrationCurve([1], [0.5], { bins: 0 })).toThrow(ValueError);
  });

  it('a perfectly calibrated predictor has near-zero ECE', () => {
    const y: number[] = [];
    const p: number[] = [];
    for (let b = 0; b < 10; b++) {
      for (let i = 0; i < 10; i++) {
        p.push(b / 10 + 0.05);
        y.push(i < b + 0.5 ? 1 : 0);
      }
    }
    expect(expectedCalibrationError(y, p)).toBeLessThan(0.051);
  });
});
