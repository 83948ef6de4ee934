import { describe, expect, it } from 'vitest';
import { Interactions } from '../../src/data/interactions.js';
import { randomSplit } from '../../src/data/split.js';
import { DataError, ValueError } from '../../src/core/errors.js';
import { crossValidate } from '../../src/metrics/cross-validate.js';
import { rmse } from '../../src/metrics/regression.js';
import { BaselineOnly, MatrixFactorization, SVDpp, loadRecommender, saveRecommender } from '../../src/models/index.js';
import { plantedRatings } from './synthetic.js';

const NOISE = 0.1;
const planted = plantedRatings({ users: 120, items: 90, rank: 3, density: 0.4, noise: NOISE });
const split = randomSplit(planted.data, 0.2, { seed: 3 });

describe('MatrixFactorization on a planted rank-3 matrix', () => {
  it('recovers the structure: held-out RMSE near the noise level, far below the biases-only baseline', async () => {
    const mf = new MatrixFactorization({ factors: 6, epochs: 80, lr: 0.02, reg: 0.02, clip: false });
    const losses: number[] = [];
    await mf.fit(split.train, { onEpoch: (e) => void losses.push(e.loss) });
    expect(losses).toHaveLength(80);
    expect(losses[79]!).toBeLessThan(losses[0]! / 3);
    const err = rmse(split.test.values, mf.predictIndices(split.test.users, split.test.items));
    const base = new BaselineOnly({ epochs: 30 });
    await base.fit(split.train);
    const baseErr = rmse(split.test.values, base.predictIndices(split.test.users, split.test.items));
    expect(err).toBeLessThan(2 * NOISE);
    expect(baseErr).toBeGreaterThan(3 * err);
  });

  it('is reproducible for a seed and predicts by external id', async () => {
    const a = await new MatrixFactorization({ factors: 4, epochs: 5, seed: 7 }).fit(split.train);
    const b = await new MatrixFactorization({ factors: 4, epochs: 5, seed: 7 }).fit(split.train);
    expect(a.predict(['u1', 'u2'], ['i3', 'i4'])).toEqual(b.predict(['u1', 'u2'], ['i3', 'i4']));
    const byId = a.predict(['u1'], ['i3'])[0]!;
    const byIndex = a.predictIndices(
      Int32Array.of(split.train.userIds.index('u1')),
      Int32Array.of(split.train.itemIds.index('i3')),
    )[0]!;
    expect(byId).toBe(byIndex);
  });

  it('clips to the training range by default', async () => {
    const data = Interactions.fromArrays({ users: [1, 1, 2, 2], items: ['a', 'b', 'a', 'c'], values: [5, 5, 5, 1] });
    const mf = await new MatrixFactorization({ factors: 2, epochs: 200, lr: 0.1 }).fit(data);
    const p = mf.predict([1, 1, 2, 2], ['a', 'b', 'a', 'c']);
    for (const v of p) expect(v >= 1 && v <= 5).toBe(true);
  });
});

describe('errors and edge cases', () => {
  it('names an unknown user or item id, and offers the cold-start path', async () => {
    const mf = await new MatrixFactorization({ factors: 2, epochs: 2 }).fit(split.train);
    expect(() => mf.predict(['nobody'], ['i1'])).toThrow(ValueError);
    expect(() => mf.predict(['nobody'], ['i1'])).toThrow(/unknown user id "nobody"/);
    expect(() => mf.predict(['u1'], [42])).toThrow(/unknown item id 42 \(number\)/);
    const [cold] = mf.predict(['nobody'], ['i1'], { coldStart: 'mean' });
    const { mean, itemBias } = mf.factors();
    expect(cold).toBeCloseTo(mean + itemBias[split.train.itemIds.index('i1')]!, 5);
    await expect(mf.recommend('nobody')).rejects.toThrow(/unknown user id "nobody"/);
    const popular = await mf.recommend('nobody', { coldStart: 'popular', k: 3 });
    expect(popular).toHaveLength(3);
  });

  it('refuses empty data, unfitted use, bad options and mismatched lengths', async () => {
    const empty = split.train.subset([]);
    await expect(new MatrixFactorization().fit(empty)).rejects.toThrow(DataError);
    expect(() => new MatrixFactorization().predict([1], [1])).toThrow(/not fitted/);
    expect(() => new MatrixFactorization({ lr: -1 })).toThrow(/lr must be/);
    expect(() => new MatrixFactorization({ factors: 1.5 })).toThrow(/factors must be an integer/);
    const mf = await new MatrixFactorization({ factors: 2, epochs: 1 }).fit(split.train);
    expect(() => mf.predict(['u1', 'u2'], ['i1'])).toThrow(/same length/);
  });

  it('NaN ratings never reach a model: Interactions refuses them with the row', () => {
    expect(() => Interactions.fromArrays({ users: [1, 2], items: [1, 2], values: [4, NaN] })).toThrow(
      /row 1: value must be a finite number/,
    );
  });

  it('duplicate pairs kept by the caller count as separate observations', async () => {
    const data = Interactions.fromArrays(
      { users: [1, 1, 1, 2], items: ['a', 'a', 'b', 'a'], values: [5, 5, 1, 3] },
      { duplicates: 'keep' },
    );
    const mf = await new MatrixFactorization({ factors: 0, epochs: 50, lr: 0.05, reg: 0 }).fit(data);
    expect(mf.predict([1], ['a'])[0]!).toBeGreaterThan(4);
  });
});

describe('recommend and similarItems', () => {
  it('excludes seen items by default, honours filter and k, and can include seen items', async () => {
    const mf = await new MatrixFactorization({ factors: 4, epochs: 20, lr: 0.02 }).fit(split.train);
    const seen = new Set(
      Array.from(split.train.seen(split.train.userIds.index('u5')), (i) => split.train.itemIds.id(i)),
    );
    const recs = await mf.recommend('u5', { k: 15 });
    expect(recs).toHaveLength(15);
    for (const r of recs) expect(seen.has(r.item)).toBe(false);
    for (let j = 1; j < recs.length; j++) expect(recs[j - 1]!.score).toBeGreaterThanOrEqual(recs[j]!.score);
    const all = await mf.recommend('u5', { k: 90, excludeSeen: false });
    expect(all.some((r) => seen.has(r.item))).toBe(true);
    const even = await mf.recommend('u5', { k: 5, filter: (i) => Number(String(i).slice(1)) % 2 === 0 });
    for (const r of even) expect(Number(String(r.item).slice(1)) % 2).toBe(0);
    const many = await mf.recommendMany(['u1', 'u2', 'u3'], { k: 4 });
    expect(many.map((m) => m.length)).toEqual([4, 4, 4]);
    const sim = await mf.similarItems('i0', 5);
    expect(sim).toHaveLength(5);
    expect(sim.map((s) => s.item)).not.toContain('i0');
  });

  it('saves and loads through safetensors bytes with identical predictions', async () => {
    const mf = await new MatrixFactorization({ factors: 3, epochs: 5 }).fit(split.train);
    const bytes = saveRecommender(mf);
    const back = loadRecommender(bytes) as MatrixFactorization;
    expect(back.kind).toBe('MatrixFactorization');
    expect(back.predict(['u1', 'u9'], ['i2', 'i7'])).toEqual(mf.predict(['u1', 'u9'], ['i2', 'i7']));
    expect(await back.recommend('u1', { k: 5 })).toEqual(await mf.recommend('u1', { k: 5 }));
    const sd = mf.stateDict();
    expect(sd.userFactors!.shape).toEqual([split.train.numUsers, 3]);
    expect(sd.itemBias!.shape).toEqual([split.train.numItems]);
    for (const t of Object.values(sd)) t.dispose();
  });
});

describe('SVDpp', () => {
  it('recovers the planted structure and round-trips through save/load', async () => {
    const m = await new SVDpp({ factors: 6, epochs: 60, lr: 0.02, reg: 0.02, clip: false }).fit(split.train);
    const err = rmse(split.test.values, m.predictIndices(split.test.users, split.test.items));
    expect(err).toBeLessThan(2.5 * NOISE);
    const back = loadRecommender(saveRecommender(m));
    expect(back.predict(['u3'], ['i4'])).toEqual(m.predict(['u3'], ['i4']));
  });
});

describe('crossValidate', () => {
  it('reports per-fold RMSE, MAE and fit time', async () => {
    const cv = await crossValidate(() => new MatrixFactorization({ factors: 4, epochs: 30, lr: 0.02 }), planted.data, {
      folds: 3,
      seed: 1,
    });
    expect(cv.folds).toHaveLength(3);
    for (const f of cv.folds) {
      expect(f.rmse).toBeGreaterThan(0);
      expect(f.mae).toBeLessThanOrEqual(f.rmse);
      expect(f.fitMs).toBeGreaterThan(0);
      expect(f.trainRows + f.testRows).toBe(planted.data.length);
    }
    expect(cv.mean.rmse).toBeLessThan(0.5);
  });
});

describe('defaults and presets', () => {
  it('new MatrixFactorization() and new SVDpp() take the tuned defaults; presets reproduce Surprise', () => {
    expect(new MatrixFactorization().config()).toMatchObject({
      factors: 100,
      epochs: 80,
      lr: 0.005,
      reg: 0.1,
      initStd: 0.05,
    });
    expect(new SVDpp().config()).toMatchObject({ factors: 100, epochs: 60, lr: 0.005, reg: 0.08, initStd: 0.05 });
    expect(new MatrixFactorization(MatrixFactorization.presets.surprise).config()).toMatchObject({
      factors: 100,
      epochs: 20,
      reg: 0.02,
      initStd: 0.1,
    });
    expect(new SVDpp(SVDpp.presets.surprise).config()).toMatchObject({ factors: 20, epochs: 20, lr: 0.007, reg: 0.02 });
    // An explicit option still wins over a default.
    expect(new MatrixFactorization({ epochs: 3 }).config()).toMatchObject({ epochs: 3, reg: 0.1 });
  });
});
