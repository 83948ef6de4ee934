import { describe, expect, it } from 'vitest';
import { ValueError } from '../../src/core/errors.js';
import { Interactions } from '../../src/data/interactions.js';
import { randomSplit } from '../../src/data/split.js';
import { rmse } from '../../src/metrics/regression.js';
import { BPR, ImplicitALS, MatrixFactorization } from '../../src/models/index.js';
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

describe('partialFit errors', () => {
  it('needs a fitted model that can continue, and non-empty Interactions', async () => {
    const d = Interactions.fromArrays({ users: [1, 1, 2], items: ['a', 'b', 'a'] });
    await expect(new BPR().partialFit(d)).rejects.toThrow(/not fitted/);
    const als = await new ImplicitALS({ factors: 2, epochs: 1 }).fit(d);
    await expect(als.partialFit(d)).rejects.toThrow(ValueError);
    await expect(als.partialFit(d)).rejects.toThrow(/cannot continue training; fit it again or foldIn/);
    const bpr = await new BPR({ factors: 2, epochs: 1 }).fit(d);
    await expect(bpr.partialFit([] as never)).rejects.toThrow(/must be Interactions/);
    await expect(bpr.partialFit(d, { epochs: -1 })).rejects.toThrow(/epochs must be a non-negative integer/);
  });
});
