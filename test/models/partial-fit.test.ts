import { describe, expect, it } from 'vitest';
import { ValueError } from '../../src/core/errors.js';
import { Interactions } from '../../src/data/interactions.js';
import { randomSplit } from '../../src/data/split.js';
import { rmse } from '../../src/metrics/regression.js';
import { FeatureMatrix } from '../../src/data/features.js';
import {
  ALS,
  BPR,
  HybridRecommender,
  ImplicitALS,
  MatrixFactorization,
  loadRecommender,
  saveRecommender,
} from '../../src/models/index.js';
import { conformanceBackends, onBackend } from '../helpers/backends.js';
import { plantedRatings } from './synthetic.js';

/** Rows of `d` whose user passes `keep`, re-encoded with their external ids. */
function subset(d: Interactions, keep: (user: string) => boolean): Interactions {
  const rows = Array.from({ length: d.length }, (_, j) => j).filter((j) => keep(String(d.userIds.id(d.users[j]!))));
  return Interactions.fromArrays({
    users: rows.map((j) => d.userIds.id(d.users[j]!)),
    items: rows.map((j) => d.itemIds.id(d.items[j]!)),
    values: rows.map((j) => d.values[j]!),
  });
}

const backends = conformanceBackends().filter((b) => b === 'cpu' || b === 'webgpu');
describe.each(backends)('partialFit on %s', (backend) => {
  onBackend(backend);
  const b = backend as 'cpu';

  it('MatrixFactorization: new users join the maps and learn from the new rows only', async () => {
    const { data } = plantedRatings({ users: 120, items: 90, rank: 3, density: 0.4, noise: 0.1 });
    const isNew = (u: string) => Number(u.slice(1)) >= 100;
    const mf = await new MatrixFactorization({
      factors: 6,
      epochs: 60,
      lr: 0.02,
      reg: 0.02,
      clip: false,
      backend: b,
    }).fit(subset(data, (u) => !isNew(u)));
    const fresh = randomSplit(subset(data, isNew), 0.3, { seed: 1 });
    const mean = mf.factors().mean;
    await mf.partialFit(fresh.train, { epochs: 40 });
    expect(mf.numUsers).toBe(120);
    expect(mf.factors().mean).toBe(mean); // statistics of the first fit are kept
    const ids = (col: Int32Array, map: typeof fresh.test.userIds) => Array.from(col, (i) => map.id(i));
    const pred = mf.predict(ids(fresh.test.users, fresh.test.userIds), ids(fresh.test.items, fresh.test.itemIds));
    expect(rmse(fresh.test.values, pred)).toBeLessThan(0.3);
    mf.dispose();
  });

  it('BPR: a new item bought by new users of one cluster sits with that cluster', async () => {
    // Users u0..u59 in 3 clusters over items 0..29 (item i in cluster i % 3).
    const users: string[] = [];
    const items: string[] = [];
    for (let u = 0; u < 60; u++)
      for (let j = 0; j < 8; j++) {
        users.push(`u${u}`);
        items.push(`i${(u % 3) + 3 * ((u + j * 7) % 10)}`);
      }
    const m = await new BPR({ factors: 8, epochs: 60, seed: 1, backend: b }).fit(
      Interactions.fromArrays({ users, items }),
    );
    // New users of cluster 0 buy cluster-0 items and a new item 'fresh'.
    const nu: string[] = [];
    const ni: string[] = [];
    for (let u = 0; u < 20; u++) {
      for (const i of ['fresh', `i${3 * (u % 10)}`, `i${3 * ((u + 3) % 10)}`]) {
        nu.push(`n${u}`);
        ni.push(i);
      }
    }
    await m.partialFit(Interactions.fromArrays({ users: nu, items: ni }), { epochs: 40 });
    expect(m.itemIds.has('fresh')).toBe(true);
    expect(m.numUsers).toBe(80);
    // Its factors sit with cluster 0: those users score it higher than the other clusters do.
    const meanScore = (c: number) => {
      const us = Array.from({ length: 20 }, (_, j) => `u${c + 3 * j}`);
      return m.predict(us, new Array(20).fill('fresh')).reduce((x, y) => x + y, 0) / 20;
    };
    expect(meanScore(0)).toBeGreaterThan(meanScore(1) + 0.5);
    expect(meanScore(0)).toBeGreaterThan(meanScore(2) + 0.5);
    m.dispose();
  });
});

/** Users u0..u59 in 3 clusters over items i0..i29 (item i in cluster i % 3), 8 items each. */
function clusters(): Interactions {
  const users: string[] = [];
  const items: string[] = [];
  for (let u = 0; u < 60; u++)
    for (let j = 0; j < 8; j++) {
      users.push(`u${u}`);
      items.push(`i${(u % 3) + 3 * ((u + j * 7) % 10)}`);
    }
  return Interactions.fromArrays({ users, items });
}

/** 20 new users n0..n19 of cluster 0: two cluster-0 items each, and the new item 'fresh'. */
function newcomers(): Interactions {
  const users: string[] = [];
  const items: string[] = [];
  for (let u = 0; u < 20; u++)
    for (const i of ['fresh', `i${3 * (u % 10)}`, `i${3 * ((u + 3) % 10)}`]) {
      users.push(`n${u}`);
      items.push(i);
    }
  return Interactions.fromArrays({ users, items });
}

/** Mean score of item `item` over the 20 old users of cluster c. */
function clusterScore(m: { predict: (u: string[], i: string[]) => Float32Array }, c: number, item: string): number {
  const us = Array.from({ length: 20 }, (_, j) => `u${c + 3 * j}`);
  return m.predict(us, new Array(20).fill(item)).reduce((x, y) => x + y, 0) / 20;
}

/** Share of cluster-0 items among a user's top 5 (excluding what they have seen). */
async function clusterShare(
  m: { recommend: (u: string, o: { k: number }) => Promise<{ item: unknown }[]> },
  user: string,
) {
  const recs = await m.recommend(user, { k: 5 });
  return recs.filter((r) => r.item !== 'fresh' && Number(String(r.item).slice(1)) % 3 === 0).length / recs.length;
}

describe.each(backends)('partialFit of ImplicitALS and HybridRecommender on %s', (backend) => {
  onBackend(backend);

  it('ImplicitALS: new users and a new item join the maps and land in their cluster', async () => {
    const m = await new ImplicitALS({ factors: 8, epochs: 10, seed: 1, backend: backend as 'cpu' }).fit(clusters());
    const untouched = m.predict(['u5'], ['i1'])[0]!;
    await m.partialFit(newcomers(), { epochs: 5 });
    expect(m.numUsers).toBe(80);
    expect(m.itemIds.has('fresh')).toBe(true);
    expect(clusterScore(m, 0, 'fresh')).toBeGreaterThan(clusterScore(m, 1, 'fresh') + 0.2);
    expect(clusterScore(m, 0, 'fresh')).toBeGreaterThan(clusterScore(m, 2, 'fresh') + 0.2);
    expect(await clusterShare(m, 'n0')).toBeGreaterThanOrEqual(0.8);
    // Users the new data does not touch keep their factors; the items they score moved only
    // where the new data re-solved them (i1 is in cluster 1, which no newcomer touched).
    expect(m.predict(['u5'], ['i1'])[0]).toBeCloseTo(untouched, 6);
    m.dispose();
  });

  it('ImplicitALS: a saved model continues exactly as the fitted one', async () => {
    const m = await new ImplicitALS({ factors: 4, epochs: 3, seed: 2, useValues: true }).fit(clusters());
    const back = loadRecommender(saveRecommender(m)) as ImplicitALS;
    await m.partialFit(newcomers(), { epochs: 2 });
    await back.partialFit(newcomers(), { epochs: 2 });
    expect(Array.from(back.predict(['n3', 'u0'], ['fresh', 'fresh']))).toEqual(
      Array.from(m.predict(['n3', 'u0'], ['fresh', 'fresh'])),
    );
  });

  it('HybridRecommender: new users, and a new item placed by its features (a new feature name included)', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `i${i}`);
    const items = FeatureMatrix.fromColumns(ids, { cluster: ids.map((_, i) => `c${i % 3}`) });
    const m = await new HybridRecommender({ factors: 8, epochs: 30, seed: 1, backend: backend as 'cpu' }).fit(
      clusters(),
      { itemFeatures: items },
    );
    const fresh = FeatureMatrix.fromLists(['fresh'], [['cluster=c0', 'label=new']]);
    await m.partialFit(newcomers(), { epochs: 10, itemFeatures: fresh });
    expect(m.numUsers).toBe(80);
    expect(m.numItems).toBe(31);
    expect(clusterScore(m, 0, 'fresh')).toBeGreaterThan(clusterScore(m, 1, 'fresh') + 0.5);
    expect(clusterScore(m, 0, 'fresh')).toBeGreaterThan(clusterScore(m, 2, 'fresh') + 0.5);
    expect(await clusterShare(m, 'n0')).toBeGreaterThanOrEqual(0.8);
    // The saved model keeps the grown vocabulary and tables and continues the same way.
    const back = loadRecommender(saveRecommender(m)) as HybridRecommender;
    const more = Interactions.fromArrays({ users: ['n1', 'z'], items: ['i6', 'i9'] });
    await m.partialFit(more, { epochs: 2 });
    await back.partialFit(more, { epochs: 2 });
    expect(Array.from(back.predict(['z', 'n1'], ['fresh', 'i3']))).toEqual(
      Array.from(m.predict(['z', 'n1'], ['fresh', 'i3'])),
    );
    m.dispose();
  });
});

describe('partialFit errors', () => {
  it('needs a fitted model that can continue, and non-empty Interactions', async () => {
    const d = Interactions.fromArrays({ users: [1, 1, 2], items: ['a', 'b', 'a'] });
    await expect(new BPR().partialFit(d)).rejects.toThrow(/not fitted/);
    const als = await new ALS({ factors: 2, epochs: 1 }).fit(d);
    await expect(als.partialFit(d)).rejects.toThrow(ValueError);
    await expect(als.partialFit(d)).rejects.toThrow(/cannot continue training; fit it again or foldIn/);
    const bpr = await new BPR({ factors: 2, epochs: 1 }).fit(d);
    await expect(bpr.partialFit([] as never)).rejects.toThrow(/must be Interactions/);
    await expect(bpr.partialFit(d, { epochs: -1 })).rejects.toThrow(/epochs must be a non-negative integer/);
  });
});

describe('HybridRecommender partialFit errors', () => {
  it('a new id missing from a feature matrix passed for its side, and a failed call leaves the model as it was', async () => {
    const d = clusters();
    const ids = Array.from({ length: 30 }, (_, i) => `i${i}`);
    const m = await new HybridRecommender({ factors: 4, epochs: 2 }).fit(d, {
      itemFeatures: FeatureMatrix.fromColumns(ids, { cluster: ids.map((_, i) => `c${i % 3}`) }),
    });
    const before = Array.from(m.predict(['u0'], ['i0']));
    const other = FeatureMatrix.fromLists(['nope'], [['cluster=c1']]);
    await expect(m.partialFit(newcomers(), { itemFeatures: other })).rejects.toThrow(
      /new id "fresh" has no row in the feature matrix/,
    );
    await expect(m.partialFit(newcomers(), { itemFeatures: [[1]] as never })).rejects.toThrow(
      /must be an at.data.FeatureMatrix/,
    );
    expect(m.numItems).toBe(30);
    expect(Array.from(m.predict(['u0'], ['i0']))).toEqual(before);
  });
});
