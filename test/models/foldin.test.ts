import { describe, expect, it } from 'vitest';
import { ValueError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/random.js';
import { Interactions } from '../../src/data/interactions.js';
import { randomSplit } from '../../src/data/split.js';
import { rmse } from '../../src/metrics/regression.js';
import { BPR, type FactorModel, HybridRecommender, ImplicitALS, MatrixFactorization } from '../../src/models/index.js';
import { conformanceBackends, onBackend } from '../helpers/backends.js';
import { plantedRatings } from './synthetic.js';

// Planted implicit clusters: user u belongs to cluster u % 6 and interacts with 10 of that
// cluster's 15 items (item i is in cluster i % 6).
const C = 6;
function clusters(users: number, prefix: string, seed: number): { users: string[]; items: string[] } {
  const rng = new Rng(seed);
  const out = { users: [] as string[], items: [] as string[] };
  for (let u = 0; u < users; u++) {
    const chosen = new Set<number>();
    while (chosen.size < 10) chosen.add((u % C) + C * rng.int(15));
    for (const i of chosen) {
      out.users.push(`${prefix}${u}`);
      out.items.push(`i${i}`);
    }
  }
  return out;
}
const clusterOf = (id: unknown) => Number(String(id).slice(1)) % C;

/** Share of the top 5 of each new user that lies in the user's cluster. */
async function clusterShare(m: FactorModel, users: number): Promise<number> {
  let right = 0;
  for (let u = 0; u < users; u++) {
    const recs = await m.recommend(`new${u}`, { k: 5 });
    right += recs.filter((r) => clusterOf(r.item) === u % C).length;
  }
  return right / (5 * users);
}

const backends = conformanceBackends().filter((b) => b === 'cpu' || b === 'webgpu');
describe.each(backends)('foldIn on %s', (backend) => {
  onBackend(backend);
  const b = backend as 'cpu';
  const makers: [string, () => FactorModel][] = [
    ['ImplicitALS (exact solve)', () => new ImplicitALS({ factors: 8, epochs: 10, seed: 1 })],
    ['BPR (SGD)', () => new BPR({ factors: 8, epochs: 40, seed: 1, backend: b })],
    ['HybridRecommender (SGD)', () => new HybridRecommender({ factors: 8, epochs: 20, seed: 1, backend: b })],
  ];
  for (const [name, make] of makers) {
    it(`${name}: a new user folded in from 5 items gets their cluster's items`, async () => {
      const m = make();
      const base = clusters(120, 'u', 1);
      await m.fit(Interactions.fromArrays(base));
      const fresh = clusters(12, 'new', 2);
      // 5 of each new user's items.
      const keep = fresh.users.map((_, j) => j % 10 < 5);
      const r = await m.foldIn(
        Interactions.fromArrays({
          users: fresh.users.filter((_, j) => keep[j]),
          items: fresh.items.filter((_, j) => keep[j]),
        }),
      );
      expect(r.users).toHaveLength(12);
      expect(m.numUsers).toBe(132);
      // Chance is 1/6; excludeSeen leaves 10 unseen items of the user's cluster.
      expect(await clusterShare(m, 12)).toBeGreaterThan(0.8);
      const seen = new Set(fresh.items.filter((_, j) => keep[j] && fresh.users[j] === 'new0'));
      for (const rec of await m.recommend('new0', { k: 10 })) expect(seen.has(String(rec.item))).toBe(false);
    });
  }
});

describe('foldIn errors and explicit fold-in', () => {
  it('MatrixFactorization: folded-in users predict their held-out ratings near the noise level', async () => {
    const planted = plantedRatings({ users: 120, items: 90, rank: 3, density: 0.4, noise: 0.1 });
    const d = planted.data;
    const isNew = (u: number) => Number(String(d.userIds.id(u)).slice(1)) >= 100;
    const pick = (f: (j: number) => boolean) => {
      const rows = Array.from({ length: d.length }, (_, j) => j).filter(f);
      return Interactions.fromArrays({
        users: rows.map((j) => d.userIds.id(d.users[j]!)),
        items: rows.map((j) => d.itemIds.id(d.items[j]!)),
        values: rows.map((j) => d.values[j]!),
      });
    };
    const mf = await new MatrixFactorization({ factors: 6, epochs: 80, lr: 0.02, reg: 0.02, clip: false }).fit(
      pick((j) => !isNew(d.users[j]!)),
    );
    const fresh = randomSplit(
      pick((j) => isNew(d.users[j]!)),
      0.3,
      { seed: 1 },
    );
    await mf.foldIn(fresh.train);
    const ids = (col: Int32Array, map: typeof fresh.test.userIds) => Array.from(col, (i) => map.id(i));
    const pred = mf.predict(ids(fresh.test.users, fresh.test.userIds), ids(fresh.test.items, fresh.test.itemIds));
    expect(rmse(fresh.test.values, pred)).toBeLessThan(0.25);
  });

  it('a user with no known item: a clear error, or zero factors with coldStart "mean"', async () => {
    const m = await new ImplicitALS({ factors: 4, epochs: 3 }).fit(Interactions.fromArrays(clusters(30, 'u', 1)));
    const unknown = Interactions.fromArrays({ users: ['x', 'x'], items: ['nope1', 'nope2'] });
    await expect(m.foldIn(unknown)).rejects.toThrow(ValueError);
    await expect(m.foldIn(unknown)).rejects.toThrow(
      /user "x" has none of the model's \d+ items; pass \{coldStart: 'mean'\}/,
    );
    expect(m.numUsers).toBe(30);
    const r = await m.foldIn(unknown, { coldStart: 'mean' });
    expect(r).toEqual({ users: [], cold: ['x'], unknownItemRows: 2 });
    expect(await m.recommend('x', { k: 3 })).toHaveLength(3);
  });
});
