import { describe, expect, it } from 'vitest';
import { DataError, ShapeError, ValueError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/random.js';
import { FeatureMatrix } from '../../src/data/features.js';
import { Interactions } from '../../src/data/interactions.js';
import { HybridRecommender } from '../../src/models/hybrid.js';
import { loadRecommender, saveRecommender } from '../../src/models/index.js';
import type { RecommenderJSON } from '../../src/models/recommender-state.js';
import { encodeModelState } from '../../src/io/index.js';
import { conformanceBackends, onBackend } from '../helpers/backends.js';

// Planted: 4 genres; user u likes genre u % 4, item i has genre i % 4. Users interact with 9
// warm items, 8 of their genre; the last 20% of items are cold (no interaction at all), so
// only the genre feature can place them.
const G = 4;
const USERS = 80;
const ITEMS = 100;
const COLD_FROM = 80;
function planted(): { data: Interactions; items: FeatureMatrix; users: FeatureMatrix } {
  const rng = new Rng(5);
  const users: string[] = [];
  const items: string[] = [];
  for (let u = 0; u < USERS; u++) {
    const chosen = new Set<number>();
    while (chosen.size < 8) chosen.add((u % G) + G * rng.int(COLD_FROM / G));
    while (chosen.size < 9) chosen.add(rng.int(COLD_FROM));
    for (const i of chosen) {
      users.push(`u${u}`);
      items.push(`i${i}`);
    }
  }
  const itemIds = Array.from({ length: ITEMS }, (_, i) => `i${i}`);
  const userIds = Array.from({ length: USERS }, (_, u) => `u${u}`);
  return {
    data: Interactions.fromArrays({ users, items }),
    items: FeatureMatrix.fromColumns(itemIds, { genre: itemIds.map((_, i) => `g${i % G}`) }),
    users: FeatureMatrix.fromColumns(userIds, { likes: userIds.map((_, u) => `g${u % G}`) }),
  };
}
const genreOf = (id: unknown) => Number(String(id).slice(1)) % G;
const isCold = (id: unknown) => Number(String(id).slice(1)) >= COLD_FROM;

const backends = conformanceBackends().filter((b) => b === 'cpu' || b === 'webgpu');
describe.each(backends)('HybridRecommender on %s', (backend) => {
  onBackend(backend);
  for (const loss of ['warp', 'bpr', 'logistic'] as const) {
    it(`${loss}: ranks cold items of the user's genre first, from the genre feature alone`, async () => {
      const { data, items } = planted();
      const m = await new HybridRecommender({ loss, factors: 8, epochs: 30, seed: 1, backend: backend as 'cpu' }).fit(
        data,
        { itemFeatures: items },
      );
      expect(m.numItems).toBe(ITEMS); // the cold rows joined the catalog
      let right = 0;
      let total = 0;
      for (let u = 0; u < USERS; u += 3) {
        const recs = await m.recommend(`u${u}`, { k: 5, filter: isCold });
        expect(recs).toHaveLength(5);
        total += recs.length;
        right += recs.filter((r) => genreOf(r.item) === u % G).length;
      }
      // A genre-blind ranking gets 25%.
      expect(right / total).toBeGreaterThan(0.9);
      m.dispose();
    });
  }

  it('recommends for a new user from user features alone', async () => {
    const { data, items, users } = planted();
    const m = await new HybridRecommender({ factors: 8, epochs: 30, seed: 2, backend: backend as 'cpu' }).fit(data, {
      itemFeatures: items,
      userFeatures: users,
    });
    for (let g = 0; g < G; g++) {
      const recs = await m.recommendForFeatures([`likes=g${g}`], { k: 8 });
      const share = recs.filter((r) => genreOf(r.item) === g).length / recs.length;
      expect(share).toBeGreaterThanOrEqual(0.75);
    }
    m.dispose();
  });
});

describe('HybridRecommender input errors', () => {
  it('refuses a feature matrix that misses items, an unknown feature and empty rows', async () => {
    const { data } = planted();
    expect(() => FeatureMatrix.fromColumns(['a', 'b'], { genre: ['x'] })).toThrow(ShapeError);
    expect(() => FeatureMatrix.fromColumns(['a', 'b'], { genre: ['x'] })).toThrow(
      /column 'genre' has 1 rows but ids has 2/,
    );
    expect(() => FeatureMatrix.fromColumns(['a', 'b'], { genre: ['x', null] }, { identity: false })).toThrow(DataError);
    expect(() => FeatureMatrix.fromColumns(['a', 'b'], { genre: ['x', null] }, { identity: false })).toThrow(
      /id "b" \(row 1\) has no feature/,
    );
    const few = FeatureMatrix.fromColumns(['i0', 'i1'], { genre: ['g0', 'g1'] });
    await expect(new HybridRecommender({ epochs: 1 }).fit(data, { itemFeatures: few })).rejects.toThrow(
      /itemFeatures has no row for 78 of the 80 items/,
    );
    await expect(new HybridRecommender().fit(data, { itemFeatures: [[1]] as never })).rejects.toThrow(DataError);
    const { items, users } = planted();
    const m = await new HybridRecommender({ factors: 4, epochs: 1 }).fit(data, {
      itemFeatures: items,
      userFeatures: users,
    });
    await expect(m.recommendForFeatures(['likes=g9'])).rejects.toThrow(ValueError);
    await expect(m.recommendForFeatures(['likes=g9'])).rejects.toThrow(/unknown feature 'likes=g9'/);
    await expect(m.recommendForFeatures([])).rejects.toThrow(/feature row is empty/);
  });

  it('saves and loads with its feature sides: a loaded model serves new users from features', async () => {
    const { data, items, users } = planted();
    const m = await new HybridRecommender({ factors: 4, epochs: 3 }).fit(data, {
      itemFeatures: items,
      userFeatures: users,
    });
    const back = loadRecommender(saveRecommender(m)) as HybridRecommender;
    expect(back.numItems).toBe(ITEMS);
    expect(await back.recommend('u3', { k: 5 })).toEqual(await m.recommend('u3', { k: 5 }));
    for (const row of [['likes=g1'], { 'likes=g2': 2, 'likes=g0': 1 }])
      expect(await back.recommendForFeatures(row, { k: 6 })).toEqual(await m.recommendForFeatures(row, { k: 6 }));
    await expect(back.recommendForFeatures(['likes=g9'])).rejects.toThrow(/unknown feature 'likes=g9'/);
  });

  it('addItems: new products join a loaded model and are placed by their features alone', async () => {
    const { data, items, users } = planted();
    const m = await new HybridRecommender({ factors: 8, epochs: 30, seed: 3 }).fit(data, {
      itemFeatures: items,
      userFeatures: users,
    });
    const back = loadRecommender(saveRecommender(m)) as HybridRecommender;
    const ids = Array.from({ length: 8 }, (_, j) => `new${j}`);
    back.addItems(FeatureMatrix.fromColumns(ids, { genre: ids.map((_, j) => `g${j % G}`) }));
    expect(back.numItems).toBe(ITEMS + 8);
    const isNew = (id: unknown) => String(id).startsWith('new');
    let right = 0;
    for (let u = 0; u < 20; u++) {
      const recs = await back.recommend(`u${u}`, { k: 2, filter: isNew });
      right += recs.filter((r) => Number(String(r.item).slice(3)) % G === u % G).length;
    }
    expect(right / 40).toBeGreaterThanOrEqual(0.9); // a genre-blind choice gets 25%
    expect(() => back.addItems(FeatureMatrix.fromColumns(['new0'], { genre: ['g0'] }))).toThrow(
      /already in the catalog/,
    );
    expect(() => back.addItems(FeatureMatrix.fromColumns(['x'], { genre: ['g9'] }))).toThrow(/feature 'genre=g9'/);
    expect(() => back.addItems(FeatureMatrix.fromLists(['y'], [[]]))).toThrow(DataError);
    const idOnly = await new HybridRecommender({ factors: 4, epochs: 1 }).fit(data);
    expect(() => idOnly.addItems(FeatureMatrix.fromColumns(['z'], { genre: ['g0'] }))).toThrow(/has no item features/);
  });

  it('an older file without feature sides loads and scores; corrupt side data is a DataError', async () => {
    const { data, items, users } = planted();
    const m = await new HybridRecommender({ factors: 4, epochs: 1 }).fit(data, {
      itemFeatures: items,
      userFeatures: users,
    });
    const state = m.saveState();
    const strip = (s: typeof state) => {
      const tensors = Object.fromEntries(Object.entries(s.tensors).filter(([n]) => !/^(user|item)\./.test(n)));
      const { features: _, ...config } = s.config as unknown as RecommenderJSON;
      return { ...s, tensors, config: config as unknown as typeof s.config };
    };
    const old = loadRecommender(encodeModelState(strip(state))) as HybridRecommender;
    expect(await old.recommend('u3', { k: 5 })).toEqual(await m.recommend('u3', { k: 5 }));
    await expect(old.recommendForFeatures(['likes=g1'])).rejects.toThrow(/saved without its feature tables/);
    await expect(old.partialFit(data)).rejects.toThrow(/saved without its feature tables/);
    const json = state.config as unknown as RecommenderJSON;
    const names = json.features!.user!.names;
    const corrupt = (features: unknown) =>
      loadRecommender(encodeModelState({ ...state, config: { ...json, features } as unknown as typeof state.config }));
    expect(() => corrupt({ user: { names: names.slice(1), normalized: true }, item: json.features!.item })).toThrow(
      /user feature names must be \d+ names/,
    );
    expect(() =>
      corrupt({ user: { names: [...names.slice(1), names[0], names[0]].slice(1), normalized: true } }),
    ).toThrow(DataError);
  });

  it('bands numeric columns and multi-hot lists', () => {
    const f = FeatureMatrix.fromColumns(
      ['a', 'b', 'c'],
      { price: [5, 20, 99], genres: [['x', 'y'], [], 'z'] },
      {
        bands: { price: [10, 50] },
        identity: false,
      },
    );
    const names = (r: number) =>
      Array.from(f.cols.subarray(f.offsets[r]!, f.offsets[r + 1]!), (c) => f.names.id(c)).sort();
    expect(names(0)).toEqual(['genres=x', 'genres=y', 'price<10']);
    expect(names(1)).toEqual(['price=[10,50)']);
    expect(names(2)).toEqual(['genres=z', 'price>=50']);
    expect(f.values[0]! + f.values[1]! + f.values[2]!).toBeCloseTo(1, 6);
  });

  it('reports progress per batch and keeps a usable model when aborted', async () => {
    const { data, items } = planted();
    const ctl = new AbortController();
    const seen: number[] = [];
    const m = new HybridRecommender({ factors: 4, epochs: 5, batchSize: 100 });
    await expect(
      m.fit(data, {
        itemFeatures: items,
        onProgress: (p) => {
          seen.push(p.fraction);
          if (p.epoch === 2 && p.batch === 3) ctl.abort();
        },
        signal: ctl.signal,
      }),
    ).rejects.toThrow(/abort/i);
    // 720 pairs in batches of 100: 8 per epoch; the abort lands after batch 3 of epoch 2.
    expect(seen).toHaveLength(11);
    expect(seen[10]).toBeCloseTo((1 + 3 / 8) / 5, 6);
    expect(await m.recommend('u0', { k: 3 })).toHaveLength(3);
  });
});
