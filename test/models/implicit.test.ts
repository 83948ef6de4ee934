import { describe, expect, it } from 'vitest';
import { Interactions } from '../../src/data/interactions.js';
import { BPR, ImplicitALS, ItemKNN, Popularity, loadRecommender, saveRecommender } from '../../src/models/index.js';
import type { Recommender } from '../../src/models/index.js';
import { plantedClusters } from './synthetic.js';

const GROUPS = 4;
const planted = plantedClusters({ users: 80, items: 60, groups: GROUPS, perUser: 6 });
const data = planted.data;

/** Share of each user's top-k (seen items excluded) that falls in the user's own taste group. */
async function inGroupShare(model: Recommender, k = 5): Promise<number> {
  const users = data.userIds.ids();
  const recs = await model.recommendMany(users, { k });
  let hit = 0;
  let total = 0;
  recs.forEach((list, j) => {
    for (const r of list) {
      total++;
      if (planted.groupOfItem(String(r.item)) === planted.groupOfUser(String(users[j]))) hit++;
    }
  });
  return hit / total;
}

describe('BPR', () => {
  it('ranks planted positives above negatives (AUC) and recommends in-group items', async () => {
    const losses: number[] = [];
    const bpr = await new BPR({ factors: 8, epochs: 40, lr: 0.05, reg: 0.005 }).fit(data, {
      onEpoch: (e) => void losses.push(e.loss),
    });
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
    // Pairwise: a user's own-group items (seen or not) against other groups' items.
    let wins = 0;
    let pairs = 0;
    for (const u of ['u0', 'u1', 'u2', 'u3', 'u10', 'u21']) {
      const g = planted.groupOfUser(u);
      const items = data.itemIds.ids();
      const scores = bpr.predict(
        items.map(() => u),
        items,
      );
      items.forEach((i, a) => {
        if (planted.groupOfItem(String(i)) !== g) return;
        items.forEach((j, b) => {
          if (planted.groupOfItem(String(j)) === g) return;
          pairs++;
          if (scores[a]! > scores[b]!) wins++;
        });
      });
    }
    expect(wins / pairs).toBeGreaterThan(0.9);
    expect(await inGroupShare(bpr)).toBeGreaterThan(0.9);
  });
});

describe('ImplicitALS', () => {
  it('recommends in-group items and beats popularity by far', async () => {
    const als = await new ImplicitALS({ factors: 8, epochs: 10, reg: 0.1, alpha: 10 }).fit(data);
    const pop = await new Popularity().fit(data);
    const alsShare = await inGroupShare(als);
    expect(alsShare).toBeGreaterThan(0.9);
    expect(await inGroupShare(pop)).toBeLessThan(0.5);
    const back = loadRecommender(saveRecommender(als));
    expect(await back.recommend('u7', { k: 4 })).toEqual(await als.recommend('u7', { k: 4 }));
  });

  it('CG converges toward the exact least-squares solution as steps grow', async () => {
    const a = await new ImplicitALS({ factors: 4, epochs: 6, cgSteps: 1 }).fit(data);
    const b = await new ImplicitALS({ factors: 4, epochs: 6, cgSteps: 8 }).fit(data);
    expect(await inGroupShare(b)).toBeGreaterThanOrEqual((await inGroupShare(a)) - 0.05);
  });
});

describe('ItemKNN', () => {
  it('finds "also bought" items on a toy basket set', async () => {
    // Bread and butter go together, beer and chips go together, milk is everywhere.
    const baskets: [string, string[]][] = [
      ['ann', ['bread', 'butter', 'milk']],
      ['bob', ['bread', 'butter']],
      ['cy', ['beer', 'chips', 'milk']],
      ['dee', ['beer', 'chips']],
      ['eve', ['bread', 'butter', 'jam']],
      ['fay', ['beer', 'chips', 'salsa']],
    ];
    const users = baskets.flatMap(([u, items]) => items.map(() => u));
    const items = baskets.flatMap(([, items]) => items);
    const knn = await new ItemKNN({ shrink: 0 }).fit(Interactions.fromArrays({ users, items }));
    const sim = await knn.similarItems('bread', 2);
    expect(sim[0]!.item).toBe('butter');
    expect(sim[0]!.score).toBeCloseTo(1, 6);
    expect((await knn.similarItems('beer', 1))[0]!.item).toBe('chips');
    // A user who bought bread gets butter first; seen items never come back.
    const gus = Interactions.fromArrays({ users: [...users, 'gus'], items: [...items, 'bread'] });
    const knn2 = await new ItemKNN({ shrink: 0 }).fit(gus);
    const recs = await knn2.recommend('gus', { k: 2 });
    expect(recs[0]!.item).toBe('butter');
    expect(recs.map((r) => r.item)).not.toContain('bread');
    expect(() => knn2.predict(['gus'], ['caviar'])).toThrow(/unknown item id "caviar"/);
  });

  it('recommends in-group items on the planted clusters', async () => {
    const knn = await new ItemKNN({ neighbors: 20 }).fit(data);
    expect(await inGroupShare(knn)).toBeGreaterThan(0.9);
  });
});

describe('Popularity', () => {
  it('recommends the most popular unseen items and has no similarity', async () => {
    const d = Interactions.fromArrays({ users: [1, 2, 3, 1, 2, 1], items: ['a', 'a', 'a', 'b', 'b', 'c'] });
    const pop = await new Popularity().fit(d);
    expect((await pop.recommend(3, { k: 2 })).map((r) => r.item)).toEqual(['b', 'c']);
    expect((await pop.recommend(3, { k: 3, excludeSeen: false })).map((r) => r.item)).toEqual(['a', 'b', 'c']);
    await expect(pop.similarItems('a')).rejects.toThrow(/no notion of item similarity/);
  });
});
