import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { catalogCoverage, hitRateAtK, mapAtK, ndcgAtK, precisionAtK, recallAtK } from '../../src/metrics/ranking.js';
import { ShapeError, ValueError } from '../../src/core/errors.js';

describe('top-K ranking metrics', () => {
  // user 0: hits at ranks 1 and 3 (0-based 0 and 2) of 3 relevant; user 1: no hit; user 2: no relevant (skipped).
  const recs = [
    [1, 2, 3, 4],
    [5, 6, 7, 8],
    [1, 2],
  ];
  const rel = [new Set([1, 3, 9]), [10], []];

  it('match hand-computed values at k = 3', () => {
    expect(precisionAtK(recs, rel, 3)).toBeCloseTo((2 / 3 + 0) / 2, 12);
    expect(recallAtK(recs, rel, 3)).toBeCloseTo((2 / 3 + 0) / 2, 12);
    expect(hitRateAtK(recs, rel, 3)).toBe(0.5);
    const dcg = 1 + 1 / Math.log2(4);
    const idcg = 1 + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(ndcgAtK(recs, rel, 3)).toBeCloseTo(dcg / idcg / 2, 12);
    expect(mapAtK(recs, rel, 3)).toBeCloseTo((1 + 2 / 3) / 3 / 2, 12);
  });

  it('score a short list as padded with misses', () => {
    expect(precisionAtK([[1]], [[1]], 5)).toBe(0.2);
    expect(ndcgAtK([[1]], [[1]], 5)).toBe(1);
  });

  it('check arguments', () => {
    expect(() => precisionAtK(recs, rel.slice(1), 3)).toThrow(ShapeError);
    expect(() => ndcgAtK(recs, rel, 0)).toThrow(/k must be a positive integer/);
    expect(() => recallAtK([[1]], [[]], 1)).toThrow(/no user has a relevant item/);
    expect(() => hitRateAtK([[1, 1]], [[1]], 2)).toThrow(/recommended\[0\] repeats item 1/);
  });

  const cases = fc
    .array(
      fc.tuple(
        fc.uniqueArray(fc.nat(30), { maxLength: 15 }),
        fc.uniqueArray(fc.nat(30), { minLength: 1, maxLength: 10 }),
      ),
      { minLength: 1, maxLength: 8 },
    )
    .map((us) => ({ recs: us.map((u) => u[0]), rel: us.map((u) => u[1]) }));

  it('stay in [0, 1] and ndcg/map/recall are 1 for a perfect ranking', () => {
    fc.assert(
      fc.property(cases, fc.integer({ min: 1, max: 12 }), ({ recs, rel }, k) => {
        for (const f of [precisionAtK, recallAtK, ndcgAtK, hitRateAtK, mapAtK]) {
          const v = f(recs, rel, k);
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1 + 1e-12);
        }
        const perfect = rel.map((r) => [...r, 1000, 1001]);
        expect(ndcgAtK(perfect, rel, k)).toBeCloseTo(1, 12);
        expect(mapAtK(perfect, rel, k)).toBeCloseTo(1, 12);
        expect(hitRateAtK(perfect, rel, k)).toBe(1);
        if (rel.every((r) => r.length <= k)) expect(recallAtK(perfect, rel, k)).toBeCloseTo(1, 12);
      }),
    );
  });

  it('ndcg rises when a hit moves up', () => {
    expect(ndcgAtK([[5, 1]], [[1]], 2)).toBeLessThan(ndcgAtK([[1, 5]], [[1]], 2));
  });
});

describe('catalogCoverage', () => {
  it('counts distinct recommended items', () => {
    expect(
      catalogCoverage(
        [
          [0, 1],
          [1, 2],
        ],
        10,
      ),
    ).toBe(0.3);
    expect(
      catalogCoverage(
        [
          [0, 1],
          [1, 2],
        ],
        10,
        1,
      ),
    ).toBe(0.2);
    expect(() => catalogCoverage([[10]], 10)).toThrow(/recommended\[0\]\[0\]/);
    expect(() => catalogCoverage([[1]], 0)).toThrow(ValueError);
  });
});
