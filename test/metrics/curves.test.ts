import { describe, expect, it } from 'vitest';
import { ValueError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/random.js';
import { concentrationCurve, thresholdCurves } from '../../src/metrics/curves.js';

describe('metrics curves', () => {
  it('ROC, PR and gains of a perfect ranking and of ties', () => {
    const c = thresholdCurves([1, 1, 0, 0], [0.9, 0.8, 0.2, 0.1]);
    expect(c.roc).toEqual([
      { x: 0, y: 0 },
      { x: 0, y: 0.5 },
      { x: 0, y: 1 },
      { x: 0.5, y: 1 },
      { x: 1, y: 1 },
    ]);
    expect(c.pr[0]).toEqual({ x: 0, y: 1 });
    expect(c.gains[2]).toEqual({ x: 0.5, y: 1 });
    expect(c.baseRate).toBe(0.5);
    // All scores tied: one step from (0, 0) to (1, 1), no invented order.
    expect(thresholdCurves([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5]).roc).toEqual([
      { x: 0, y: 0 },
      { x: 1, y: 1 },
    ]);
  });

  it('thins long curves but keeps both ends', () => {
    // Labels drawn with P(churn) = score: a planted, strongly ranked structure.
    const rng = new Rng(3);
    const p = Float64Array.from({ length: 5000 }, () => rng.float());
    const labels = Uint8Array.from(p, (q) => (rng.float() < q ? 1 : 0));
    const c = thresholdCurves(labels, p, { maxPoints: 100 });
    expect(c.roc.length).toBeLessThanOrEqual(102);
    expect(c.roc[0]).toEqual({ x: 0, y: 0 });
    expect(c.roc[c.roc.length - 1]).toEqual({ x: 1, y: 1 });
  });

  it('rejects one class and a NaN score', () => {
    expect(() => thresholdCurves([1, 1], [0.2, 0.3])).toThrow(/only positives/);
    expect(() => thresholdCurves([1, 0], [Number.NaN, 0.3])).toThrow(ValueError);
  });

  it('popularity curve: ranked by another count', () => {
    // Recommendations go only to the least popular item.
    const c = concentrationCurve([0, 0, 4], [10, 5, 1]);
    expect(c.map((q) => q.y)).toEqual([0, 0, 0, 1]);
    expect(concentrationCurve([6, 3, 1]).map((q) => q.y)).toEqual([0, 0.6, 0.9, 1]);
  });
});
