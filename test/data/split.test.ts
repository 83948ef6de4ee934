import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Interactions } from '../../src/data/interactions.js';
import { kFold, leaveLastOut, randomSplit, temporalSplit } from '../../src/data/split.js';
import { Rng } from '../../src/core/random.js';
import { DataError, ValueError } from '../../src/core/errors.js';

function synthetic(n: number, users = 7, items = 11): Interactions {
  return Interactions.fromArrays(
    {
      users: Array.from({ length: n }, (_, r) => r % users),
      items: Array.from({ length: n }, (_, r) => r),
      values: Array.from({ length: n }, (_, r) => r),
      times: Array.from({ length: n }, (_, r) => (r * 37) % items),
    },
    { duplicates: 'keep' },
  );
}

/** Each row is identified by its value, which equals its original row index. */
const rowsOf = (d: Interactions) => Array.from(d.values);

describe('Rng', () => {
  it('is reproducible and uniform enough', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 1000 }, () => a.float());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b.float()));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(Math.abs(xs.reduce((s, x) => s + x, 0) / 1000 - 0.5)).toBeLessThan(0.05);
    expect(new Rng(43).float()).not.toBe(new Rng(42).float());
    expect(() => new Rng(-1)).toThrow(ValueError);
    expect(() => a.int(0)).toThrow(ValueError);
    expect(Array.from(new Rng(1).permutation(10)).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('kFold', () => {
  it('puts every row in exactly one test fold, and train is the rest', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 60 }), fc.integer({ min: 2, max: 10 }), fc.nat(1000), (n, k, seed) => {
        fc.pre(k <= n);
        const folds = kFold(synthetic(n), k, { seed });
        expect(folds.length).toBe(k);
        const count = new Array(n).fill(0);
        for (const { train, test } of folds) {
          for (const r of rowsOf(test)) count[r]++;
          expect(train.length + test.length).toBe(n);
          const inTest = new Set(rowsOf(test));
          expect(rowsOf(train).every((r) => !inTest.has(r))).toBe(true);
          expect(Math.abs(test.length - n / k)).toBeLessThan(1);
        }
        expect(count.every((c) => c === 1)).toBe(true);
      }),
    );
  });

  it('is seeded and checks k', () => {
    const d = synthetic(50);
    expect(rowsOf(kFold(d, 5, { seed: 3 })[0]!.test)).toEqual(rowsOf(kFold(d, 5, { seed: 3 })[0]!.test));
    expect(rowsOf(kFold(d, 5, { seed: 3 })[0]!.test)).not.toEqual(rowsOf(kFold(d, 5, { seed: 4 })[0]!.test));
    expect(() => kFold(d, 1)).toThrow(/k must be an integer in \[2, 50\]/);
    expect(() => kFold(d, 51)).toThrow(ValueError);
    expect(() => kFold(d, 5, { seed: 1.5 })).toThrow(/seed/);
  });

  it('shares id maps between the sides', () => {
    const d = synthetic(20);
    const [f] = kFold(d, 4);
    expect(f!.train.userIds).toBe(d.userIds);
    expect(f!.test.itemIds).toBe(d.itemIds);
  });
});

describe('randomSplit', () => {
  it('takes round(n * fraction) test rows, seeded', () => {
    const d = synthetic(100);
    const s = randomSplit(d, 0.2, { seed: 9 });
    expect([s.train.length, s.test.length]).toEqual([80, 20]);
    expect(rowsOf(randomSplit(d, 0.2, { seed: 9 }).test)).toEqual(rowsOf(s.test));
    expect(() => randomSplit(d, 0)).toThrow(ValueError);
    expect(() => randomSplit(d, 1)).toThrow(ValueError);
    expect(() => randomSplit(synthetic(3), 0.1)).toThrow(/both sides need at least one/);
  });
});

describe('temporalSplit', () => {
  const d = Interactions.fromArrays({
    users: [1, 2, 3, 4, 5],
    items: [1, 1, 1, 1, 1],
    values: [0, 1, 2, 3, 4],
    times: [50, 10, 40, 20, 40],
  });

  it('cuts at a time', () => {
    const s = temporalSplit(d, { cutoffTime: 40 });
    expect(rowsOf(s.train)).toEqual([1, 3]);
    expect(rowsOf(s.test)).toEqual([0, 2, 4]);
  });

  it('cuts at a fraction, with ties at the cutoff going to test', () => {
    expect(rowsOf(temporalSplit(d, { testFraction: 0.2 }).test)).toEqual([0]);
    // The 2 latest are t=50 and one t=40; its tie also goes to test.
    expect(rowsOf(temporalSplit(d, { testFraction: 0.4 }).test)).toEqual([0, 2, 4]);
  });

  it('refuses data without times and empty sides', () => {
    const noTimes = Interactions.fromArrays({ users: [1, 2], items: [1, 2] });
    expect(() => temporalSplit(noTimes, { testFraction: 0.5 })).toThrow(/no times/);
    expect(() => temporalSplit(d, { cutoffTime: 0 })).toThrow(/train side empty/);
    expect(() => temporalSplit(d, { cutoffTime: 99 })).toThrow(/test side empty/);
    expect(() => temporalSplit(d, {} as never)).toThrow(ValueError);
  });
});

describe('leaveLastOut', () => {
  it('moves each user’s latest interaction to test and keeps single-interaction users in train', () => {
    const d = Interactions.fromArrays({
      users: ['a', 'a', 'a', 'b', 'c', 'c'],
      items: [1, 2, 3, 1, 1, 2],
      values: [0, 1, 2, 3, 4, 5],
      times: [30, 10, 20, 5, 7, 7],
    });
    const s = leaveLastOut(d);
    // a: latest is row 0 (t30); b stays; c: tie at t7 goes to the later row 5.
    expect(rowsOf(s.test)).toEqual([0, 5]);
    expect(rowsOf(s.train)).toEqual([1, 2, 3, 4]);
  });

  it('uses input order without times and refuses data with no repeat users', () => {
    const d = Interactions.fromArrays({ users: [1, 1, 2], items: [1, 2, 3], values: [0, 1, 2] });
    expect(rowsOf(leaveLastOut(d).test)).toEqual([1]);
    expect(() => leaveLastOut(Interactions.fromArrays({ users: [1, 2], items: [1, 1] }))).toThrow(DataError);
  });
});
