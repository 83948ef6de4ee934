import { describe, it, expect } from 'vitest';
import { psi } from '../../src/metrics/drift.js';
import { Rng } from '../../src/core/random.js';
import { ValueError } from '../../src/core/errors.js';

describe('psi', () => {
  const rng = new Rng(5);
  const base = Array.from({ length: 5000 }, () => rng.float());

  it('is 0 for identical samples and grows with the shift', () => {
    expect(psi(base, base)).toBeCloseTo(0, 12);
    const small = psi(
      base,
      base.map((v) => v + 0.05),
    );
    const large = psi(
      base,
      base.map((v) => v + 0.3),
    );
    expect(small).toBeGreaterThan(0);
    expect(large).toBeGreaterThan(small);
    expect(large).toBeGreaterThan(0.25);
  });

  it('matches a hand-computed two-bin example', () => {
    // expected: half below 0.5; actual: 80% below. Uniform bins over [0, 1] with 2 bins.
    const expected = [0, 0.25, 0.75, 1];
    const actual = [0, 0.1, 0.2, 0.3, 0.9];
    const want = (0.8 - 0.5) * Math.log(0.8 / 0.5) + (0.2 - 0.5) * Math.log(0.2 / 0.5);
    expect(psi(expected, actual, { bins: 2, binning: 'uniform' })).toBeCloseTo(want, 12);
    expect(psi(expected, actual, { bins: 2 })).toBeCloseTo(want, 12);
  });

  it('merges tied quantile edges and floors empty bins', () => {
    const constant = new Array(100).fill(1);
    expect(psi(constant, constant)).toBe(0);
    expect(Number.isFinite(psi(constant, [5, 6, 7]))).toBe(true);
    expect(() => psi([], [1])).toThrow(/expected is empty/);
    expect(() => psi([1], [Number.NaN])).toThrow(/actual\[0\]/);
    expect(() => psi([1], [1], { bins: 0 })).toThrow(ValueError);
  });
});
