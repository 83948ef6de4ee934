import { describe, expect, it } from 'vitest';
import { ValueError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/random.js';
import { stratifiedSplit } from '../../src/data/split.js';

describe('stratifiedSplit', () => {
  // 100 rows, 20 positives spread unevenly (rows 0..9 and 90..99), so a plain random split
  // would usually miss the rate; a stratified one keeps it exactly.
  const labels = Array.from({ length: 100 }, (_, i) => (i < 10 || i >= 90 ? 1 : 0));

  it('keeps each class at the asked fraction, covers every row once, and sorts both sides', () => {
    const { train, test } = stratifiedSplit(labels, 0.25, new Rng(7));
    expect(test.filter((r) => labels[r] === 1)).toHaveLength(5);
    expect(test.filter((r) => labels[r] === 0)).toHaveLength(20);
    expect([...train, ...test].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(train).toEqual([...train].sort((a, b) => a - b));
    expect(test).toEqual([...test].sort((a, b) => a - b));
  });

  it('is the same for the same seed and differs for another', () => {
    const a = stratifiedSplit(labels, 0.3, new Rng(1)).test;
    expect(stratifiedSplit(labels, 0.3, new Rng(1)).test).toEqual(a);
    expect(stratifiedSplit(labels, 0.3, new Rng(2)).test).not.toEqual(a);
  });

  it('leaves rows whose label is neither 0 nor 1 out of both sides', () => {
    const { train, test } = stratifiedSplit([0, 1, 2, 0, 1, Number.NaN], 0.5, new Rng(3));
    expect([...train, ...test].sort()).toEqual([0, 1, 3, 4]);
  });

  it('names a fraction outside (0, 1)', () => {
    expect(() => stratifiedSplit(labels, 1, new Rng(0))).toThrow(ValueError);
    expect(() => stratifiedSplit(labels, 0, new Rng(0))).toThrow(/testFraction must be in \(0, 1\); got 0/);
  });
});
