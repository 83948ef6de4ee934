import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { Rng } from '../../src/core/random.js';

const ex = at.experiments;

function normal(n: number, mean: number, sd: number, rng: Rng): Float64Array {
  return Float64Array.from(
    { length: n },
    () => mean + sd * Math.sqrt(-2 * Math.log(1 - rng.float())) * Math.cos(2 * Math.PI * rng.float()),
  );
}

describe('compareArms', () => {
  const control = { successes: 100, trials: 2000 };
  const arms = {
    a: { successes: 135, trials: 2000 },
    b: { successes: 112, trials: 2000 },
    c: { successes: 90, trials: 2000 },
  };

  it('Holm-corrects the arms against one control and decides on the corrected p', () => {
    const r = ex.compareArms(control, arms);
    const raw = ['a', 'b', 'c'].map((k) => ex.twoProportionTest(control, arms[k as keyof typeof arms]).pValue);
    const adj = ex.holm(raw);
    ['a', 'b', 'c'].forEach((k, i) => {
      expect(r[k]!.rawPValue).toBe(raw[i]);
      expect(r[k]!.pValue).toBe(adj[i]);
    });
    // a is significant alone (p ≈ 0.02) and survives the correction only if 3·p < 0.05.
    expect(r.a!.decision).toBe(adj[0]! < 0.05 ? 'treatment better' : 'no significant difference');
    expect(r.a!.summary()).toMatch(
      /^a: two-proportion z-test: .*, p = 0\.0186\d, Holm-adjusted over 3 arms p = 0\.0558\d -> no significant difference \(alpha 0\.05\)$/,
    );
    const none = ex.compareArms(control, arms, { correction: 'none' });
    expect(none.a!.pValue).toBe(raw[0]);
  });

  it('takes outcome arrays for means, and rejects mixing counts with outcomes', () => {
    const rng = new Rng(1);
    const r = ex.compareArms(normal(300, 10, 2, rng), { up: normal(300, 11, 2, rng), same: normal(300, 10, 2, rng) });
    expect(r.up!.decision).toBe('treatment better');
    expect(r.same!.decision).toBe('no significant difference');
    expect(() => ex.compareArms(control, { x: [1, 2, 3] } as never)).toThrow(/not the same kind/);
  });
});

describe('bootstrapMeanDiff', () => {
  it('agrees with Welch on normal data, and a seed fixes the interval', () => {
    const rng = new Rng(2);
    const c = normal(400, 5, 3, rng);
    const t = normal(400, 5.8, 3, rng);
    const b = ex.bootstrapMeanDiff(c, t, { resamples: 2000, seed: 3 });
    const w = ex.welchTest(c, t);
    expect(b.effect).toBeCloseTo(w.effect, 12);
    expect(Math.abs(b.interval[0] - w.interval[0])).toBeLessThan(0.05);
    expect(Math.abs(b.interval[1] - w.interval[1])).toBeLessThan(0.05);
    expect(b.decision).toBe('treatment better');
    expect(ex.bootstrapMeanDiff(c, t, { resamples: 500, seed: 3 }).interval).toEqual(
      ex.bootstrapMeanDiff(c, t, { resamples: 500, seed: 3 }).interval,
    );
  });
});

describe('bayesMeans', () => {
  it('reads a planted lift, and a prior shrinks it toward 0', () => {
    const rng = new Rng(4);
    const c = normal(500, 20, 5, rng);
    const t = normal(500, 21, 5, rng);
    const r = ex.bayesMeans(c, t);
    expect(r.probabilityToBeat).toBeGreaterThan(0.99);
    expect(r.decision).toBe('treatment better');
    expect(r.expectedLoss.treatment).toBeLessThan(r.expectedLoss.control);
    const shrunk = ex.bayesMeans(c, t, { priorSd: 0.2 });
    expect(Math.abs(shrunk.effect)).toBeLessThan(Math.abs(r.effect));
    expect(r.summary()).toMatch(/Bayesian \(normal\): .* P\(treatment beats control\)/);
  });
});
