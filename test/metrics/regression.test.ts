import { describe, it, expect } from 'vitest';
import { mae, rmse } from '../../src/metrics/regression.js';
import { ShapeError, ValueError } from '../../src/core/errors.js';

describe('rmse and mae', () => {
  it('match hand-computed values', () => {
    // errors: 1, -2, 0, 3
    const y = [3, 1, 4, 5];
    const p = new Float32Array([2, 3, 4, 2]);
    expect(rmse(y, p)).toBeCloseTo(Math.sqrt(14 / 4), 12);
    expect(mae(y, p)).toBeCloseTo(6 / 4, 12);
    expect(rmse(y, y)).toBe(0);
  });

  it('refuse mismatched lengths, empty input and NaN', () => {
    expect(() => rmse([1, 2], [1])).toThrow(ShapeError);
    expect(() => mae([1], [1, 2])).toThrow(/yTrue and yPred must have the same length; got 1 and 2/);
    expect(() => rmse([], [])).toThrow(ValueError);
    expect(() => rmse([1, Number.NaN], [1, 2])).toThrow(/yTrue\[1\]/);
    expect(() => mae([1, 2], [1, Infinity])).toThrow(/yPred\[1\]/);
  });
});
