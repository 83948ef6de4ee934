import { describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import { ShapeError, ValueError } from '../../src/core/errors.js';

const { exposureReport } = at.fairness;

/** 100 items, Zipf popularity (item 0 most popular); items 0..49 are group 'old', 50..99 'new'. */
const items = 100;
const popularity = Array.from({ length: items }, (_, i) => Math.round(1000 / (i + 1)));
const itemGroup = Array.from({ length: items }, (_, i) => (i < 50 ? 'old' : 'new'));

function randomLists(users: number, k: number, seed: number): number[][] {
  const rng = new at.data.Rng(seed);
  return Array.from({ length: users }, () => Array.from(rng.permutation(items).slice(0, k)));
}

describe('exposureReport', () => {
  it('measures exposure, Gini and coverage by hand on a tiny case', () => {
    // Uniform slots: items 0 and 1 each get 2 of 4 slots; Gini of [2, 2, 0, 0] is 0.5.
    const r = exposureReport({
      lists: [
        [0, 1],
        [1, 0],
      ],
      items: 4,
      weighting: 'uniform',
      bootstrap: 0,
    });
    expect(r.gini).toBeCloseTo(0.5, 12);
    expect(r.coverage).toBe(0.5);
    // Log slots: rank 1 weighs 1, rank 2 weighs 1/log2(3); one list [0, 1] over groups a, b.
    const g = exposureReport({ lists: [[0, 1]], itemGroup: ['a', 'b'], bootstrap: 0 });
    expect(Number.isNaN(g.groups![0]!.exposure.lo)).toBe(true);
    const w2 = 1 / Math.log2(3);
    expect(g.groups![0]!.exposure.value).toBeCloseTo(1 / (1 + w2), 12);
    expect(g.groups![1]!.ratio.value).toBeCloseTo(w2 / (1 + w2) / 0.5, 12);
  });

  it('a most-popular recommender puts all exposure on the head; random lists spread it like the catalogue', () => {
    const top10 = Array.from({ length: 10 }, (_, i) => i);
    const pop = exposureReport({ lists: Array.from({ length: 200 }, () => top10), popularity, itemGroup, seed: 1 });
    const rnd = exposureReport({ lists: randomLists(200, 10, 2), popularity, itemGroup, seed: 1 });
    expect(pop.headItems).toBe(20);
    expect(pop.headShare!.value).toBe(1);
    expect(pop.coverage).toBe(0.1);
    expect(pop.gini).toBeGreaterThan(0.9);
    expect(pop.groups!.find((x) => x.group === 'old')!.exposure.value).toBe(1);
    expect(pop.groups!.find((x) => x.group === 'new')!.ratio.value).toBe(0);
    expect(pop.averagePopularity!.value).toBeGreaterThan(5 * pop.catalogueAveragePopularity);
    // The head holds most interactions (Zipf), so "in proportion to use" is far above 20%.
    expect(pop.headInteractionShare).toBeGreaterThan(0.6);

    // Random lists: head share near the head's 20% of the catalogue, within the interval.
    const h = rnd.headShare!;
    expect(h.value).toBeGreaterThan(0.15);
    expect(h.value).toBeLessThan(0.25);
    expect(h.lo).toBeLessThan(0.2);
    expect(h.hi).toBeGreaterThan(0.2);
    expect(h.lo).toBeLessThanOrEqual(h.value);
    expect(h.hi).toBeGreaterThanOrEqual(h.value);
    expect(rnd.coverage).toBe(1);
    expect(rnd.gini).toBeLessThan(0.2);
    const newer = rnd.groups!.find((x) => x.group === 'new')!;
    expect(newer.catalogueShare).toBe(0.5);
    expect(newer.ratio.lo).toBeLessThan(1);
    expect(newer.ratio.hi).toBeGreaterThan(1);
    expect(newer.interactionShare).toBeLessThan(0.2);
    expect(rnd.averagePopularity!.value).toBeLessThan(2 * rnd.catalogueAveragePopularity);
  });

  it('same seed, same intervals; a different seed moves them', () => {
    const lists = randomLists(100, 5, 3);
    const a = exposureReport({ lists, popularity, seed: 4, bootstrap: 200 });
    const b = exposureReport({ lists, popularity, seed: 4, bootstrap: 200 });
    const c = exposureReport({ lists, popularity, seed: 5, bootstrap: 200 });
    expect(b.headShare).toEqual(a.headShare);
    expect(c.headShare!.value).toBe(a.headShare!.value);
    expect([c.headShare!.lo, c.headShare!.hi]).not.toEqual([a.headShare!.lo, a.headShare!.hi]);
  });

  it('bad input is a clear error', () => {
    expect(() => exposureReport({ lists: [], items: 3 })).toThrow(/non-empty array/);
    expect(() => exposureReport({ lists: [[0]] })).toThrow(/catalogue size/);
    expect(() => exposureReport({ lists: [[0, 3]], items: 3 })).toThrow(
      /lists\[0\]\[1\] must be an item index in \[0, 3\); got 3/,
    );
    expect(() => exposureReport({ lists: [[0.5]], items: 3 })).toThrow(ValueError);
    expect(() => exposureReport({ lists: [[0]], items: 3, popularity: [1, 2] })).toThrow(ShapeError);
    expect(() => exposureReport({ lists: [[0]], popularity: [1, -2] })).toThrow(/popularity\[1\] must be/);
    expect(() => exposureReport({ lists: [[0]], itemGroup: ['a', 'a'] })).toThrow(/at least 2/);
    expect(() => exposureReport({ lists: [[]], items: 2 })).toThrow(/every list is empty/);
    expect(() => exposureReport({ lists: [[0]], items: 2, weighting: 'dcg' as never })).toThrow(/weighting/);
    expect(() => exposureReport({ lists: [[0]], items: 2, head: 2 })).toThrow(/head/);
  });
});
