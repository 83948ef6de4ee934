import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';

const {
  fairnessReport,
  groupRates,
  demographicParityDifference,
  demographicParityRatio,
  equalOpportunityDifference,
  equalizedOddsDifference,
} = at.fairness;

// Group a: 10 rows, 4 positives; predictions select 5 (3 true positives, 2 false positives).
// Group b: 10 rows, 5 positives; predictions select 2 (1 true positive, 1 false positive).
const yTrue = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0];
const yPred = [1, 1, 1, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0];
const group = [...Array(10).fill('a'), ...Array(10).fill('b')];

describe('group fairness measures', () => {
  it('match the hand-computed rates', () => {
    const r = groupRates(yTrue, yPred, group);
    expect(r.map((g) => g.group)).toEqual(['a', 'b']);
    expect(r[0]).toMatchObject({ n: 10, selectionRate: 0.5, baseRate: 0.4, tpr: 0.75, fpr: 2 / 6 });
    expect(r[1]).toMatchObject({ n: 10, selectionRate: 0.2, baseRate: 0.5, tpr: 0.2, fpr: 0.2 });
    expect(demographicParityDifference(yPred, group)).toBeCloseTo(0.3, 12);
    expect(demographicParityRatio(yPred, group)).toBeCloseTo(0.4, 12);
    expect(equalOpportunityDifference(yTrue, yPred, group)).toBeCloseTo(0.55, 12);
    expect(equalizedOddsDifference(yTrue, yPred, group)).toBeCloseTo(0.55, 12);
  });

  it('fairnessReport: the same point values, seeded bootstrap intervals around them, more than two groups', () => {
    const r = fairnessReport({ yTrue, yPred, group, bootstrap: 400, seed: 3 });
    expect(r.demographicParityDifference.value).toBeCloseTo(0.3, 12);
    for (const m of [
      r.demographicParityDifference,
      r.demographicParityRatio,
      r.equalOpportunityDifference,
      r.equalizedOddsDifference,
    ]) {
      expect(m.lo).toBeLessThanOrEqual(m.value);
      expect(m.hi).toBeGreaterThanOrEqual(m.value);
      expect(m.hi).toBeGreaterThan(m.lo);
    }
    expect(fairnessReport({ yTrue, yPred, group, bootstrap: 400, seed: 3 })).toEqual(r);
    const three = fairnessReport({ yPred, group: group.map((g, i) => (i % 5 === 0 ? 'c' : g)), bootstrap: 0 });
    expect(three.groups).toHaveLength(3);
    expect(Number.isNaN(three.equalOpportunityDifference.value)).toBe(true); // no yTrue
    expect(Number.isNaN(three.demographicParityDifference.lo)).toBe(true); // no resamples
  });

  it('intervals shrink with more data and cover the truth of a simulated population', () => {
    const rng = new at.data.Rng(1);
    const sim = (n: number) => {
      const g: string[] = [];
      const y: number[] = [];
      const p: number[] = [];
      for (let i = 0; i < n; i++) {
        const grp = i % 2 ? 'x' : 'y';
        const prob = rng.float() * (grp === 'x' ? 0.8 : 0.6); // calibrated: y ~ Bernoulli(prob)
        g.push(grp);
        p.push(prob);
        y.push(rng.float() < prob ? 1 : 0);
      }
      return fairnessReport({ yTrue: y, yProb: p, group: g, threshold: 0.3, bootstrap: 300, seed: 0 });
    };
    const small = sim(400);
    const big = sim(8000);
    const width = (m: at.fairness.Interval) => m.hi - m.lo;
    expect(width(big.demographicParityDifference)).toBeLessThan(width(small.demographicParityDifference));
    // Selection rates: P(prob ≥ 0.3) = 1 − 0.3/0.8 = 0.625 for x, 1 − 0.3/0.6 = 0.5 for y.
    expect(big.demographicParityDifference.lo).toBeLessThan(0.125);
    expect(big.demographicParityDifference.hi).toBeGreaterThan(0.125);
    // Both groups are calibrated: small expected calibration error, the truth inside the group's interval.
    for (const c of big.calibration!) {
      expect(c.ece.value).toBeLessThan(0.05);
      expect(c.meanPredicted).toBeCloseTo(c.observedRate, 1);
      expect(c.bins.reduce((s, b) => s + b.count, 0)).toBe(4000);
    }
  });

  it('calibration by group exposes a miscalibrated group', () => {
    const rng = new at.data.Rng(2);
    const g: string[] = [];
    const y: number[] = [];
    const p: number[] = [];
    for (let i = 0; i < 4000; i++) {
      const grp = i % 2 ? 'honest' : 'inflated';
      const truth = rng.float();
      g.push(grp);
      y.push(rng.float() < truth ? 1 : 0);
      p.push(grp === 'honest' ? truth : Math.min(1, truth + 0.2));
    }
    const r = fairnessReport({ yTrue: y, yProb: p, group: g, bootstrap: 200 });
    const [honest, inflated] = ['honest', 'inflated'].map((name) => r.calibration!.find((c) => c.group === name)!);
    expect(inflated!.ece.lo).toBeGreaterThan(honest!.ece.hi);
  });

  it('rejects bad input with clear errors', () => {
    expect(() => fairnessReport({ yPred, group: Array(20).fill('a') })).toThrow(/at least 2/);
    expect(() => fairnessReport({ yPred, group: group.slice(1) })).toThrow(at.ShapeError);
    expect(() => fairnessReport({ group })).toThrow(/yProb .* or yPred/);
    expect(() => fairnessReport({ yProb: yPred.map((v) => v * 2), group })).toThrow(/probability/);
    expect(() => fairnessReport({ yPred, group: [...group.slice(0, 19), undefined as never] })).toThrow(
      /group\[19\] is missing/,
    );
    const noPositivesInB = yTrue.map((v, i) => (i >= 10 ? 0 : v));
    expect(() => fairnessReport({ yTrue: noPositivesInB, yPred, group })).toThrow(/group "b" has no positives/);
  });
});
