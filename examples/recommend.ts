/**
 * Recommendations from explicit ratings, MovieLens style: load ratings, hold out 20%, fit
 * biased matrix factorization with its defaults, measure RMSE against a global-mean baseline,
 * show one user's top-K and the items most similar to the most-rated one, fold a new user in
 * without retraining, and, where items have categories (the synthetic shop) or genres (u.item),
 * fit a LightFM-style hybrid that also recommends items nobody has rated yet.
 *
 *   npm run build
 *   npx tsx --tsconfig tsconfig.build.json examples/recommend.ts [ratings file or folder]
 *
 * The path may be MovieLens u.data, ratings.dat or ratings.csv, or a folder holding one of them
 * (titles come from u.item when it sits next to u.data). Without a path the example uses the
 * ratings of attune's seeded synthetic shop.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as at from 'attune';

export interface RecommendExampleOptions {
  /** MovieLens ratings file or folder; the synthetic shop when absent. */
  path?: string;
  /** Customers in the synthetic shop (ignored with a path); default 2000. */
  customers?: number;
  /** Override the model's defaults (100 factors, 80 epochs, tuned on ML-100k). */
  factors?: number;
  epochs?: number;
  k?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface RecommendExampleResult {
  source: string;
  ratings: number;
  users: number;
  items: number;
  /** RMSE on the held-out 20% for the model and for predicting the training mean. */
  rmse: number;
  baselineRmse: number;
  user: at.data.Id;
  top: { item: at.data.Id; title: string; score: number }[];
  item: at.data.Id;
  similar: { item: at.data.Id; title: string; score: number }[];
  /** A new user folded in from a few ratings (no retraining), and their top-K. */
  newUser: { id: string; rated: number; top: { item: at.data.Id; title: string; score: number }[] };
  /** The hybrid's top-K for `user`, where item features exist; `cold` counts items with no rating in them. */
  hybrid?: { top: { item: at.data.Id; title: string; score: number }[]; cold: number };
}

/** Ratings plus a way to print an item, from a MovieLens file or the synthetic shop. */
async function loadRatings(path: string | undefined, customers: number, seed: number) {
  if (path) {
    const ratings = await at.data.loadMovieLens(path);
    // ML-100k ships titles in u.item ("id|title|..."); other layouts print the bare id.
    const dir = statSync(path).isDirectory() ? path : dirname(path);
    const titles = new Map<at.data.Id, string>();
    const genres = new Map<at.data.Id, string[]>();
    if (existsSync(join(dir, 'u.item'))) {
      for (const line of readFileSync(join(dir, 'u.item'), 'latin1').split('\n')) {
        const [id, title, , , , ...flags] = line.split('|');
        if (!id || !title) continue;
        titles.set(Number(id), title);
        // The last 19 fields are 0/1 genre flags; their names do not matter to the model.
        genres.set(
          Number(id),
          flags.flatMap((f, g) => (f.trim() === '1' ? [`g${g}`] : [])),
        );
      }
    }
    const itemFeatures =
      genres.size > 0
        ? at.data.FeatureMatrix.fromColumns([...genres.keys()], { genre: [...genres.values()] })
        : undefined;
    return { source: path, ratings, title: (i: at.data.Id) => titles.get(i) ?? `item ${i}`, itemFeatures };
  }
  // A year of activity, so that customers have rated enough items to learn their taste from.
  const shop = at.data.syntheticShop({ customers, days: 365, seed });
  // A customer may rate an item after each purchase of it; keep the mean rating per pair.
  const r = shop.ratings;
  const ratings = at.data.Interactions.fromArrays(
    { users: r.user, items: r.item, values: r.rating, times: r.time },
    { duplicates: 'mean' },
  );
  const itemIds = shop.items.map((_, i) => i);
  return {
    source: `synthetic shop (${customers} customers, 365 days, seed ${seed})`,
    ratings,
    title: (i: at.data.Id) => `#${i} ${shop.items[i as number]!.name} (${shop.items[i as number]!.category})`,
    // Every catalogue item, rated or not: the hybrid places unrated ones by their category.
    itemFeatures: at.data.FeatureMatrix.fromColumns(itemIds, { category: shop.items.map((it) => it.category) }),
  };
}

export async function main(options: RecommendExampleOptions = {}): Promise<RecommendExampleResult> {
  const { customers = 2000, factors, epochs, k = 10, seed = 1, log = console.log } = options;
  const { source, ratings, title, itemFeatures } = await loadRatings(options.path, customers, seed);
  log(`${source}: ${ratings.length} ratings from ${ratings.numUsers} users on ${ratings.numItems} items`);

  // 1. Hold out a random 20% of the ratings. Both sides share the id maps, so indices agree.
  const { train, test } = at.data.randomSplit(ratings, 0.2, { seed });

  // 2. Fit r̂ = μ + b_user + b_item + p_user · q_item by SGD (Funk/Koren-style SVD). The defaults
  //    (100 factors, strong regularization) beat Surprise's SVD on ML-100k without a grid search;
  //    MatrixFactorization.presets.surprise gives Surprise's own defaults for comparison.
  const mf = new at.models.MatrixFactorization({ factors, epochs, seed });
  await mf.fit(train, {
    onEpoch: (e) => {
      if (e.epoch % 10 === 0) log(`epoch ${e.epoch}: train RMSE ${e.loss.toFixed(4)}`);
    },
  });

  // 3. RMSE on the held-out ratings, next to the simplest baseline: always predict the mean.
  const predicted = mf.predictIndices(test.users, test.items);
  const rmse = at.metrics.rmse(test.values, predicted);
  const mean = train.values.reduce((s, v) => s + v, 0) / train.length;
  const baselineRmse = at.metrics.rmse(test.values, new Float32Array(test.length).fill(mean));
  log(`test RMSE ${rmse.toFixed(4)} (global mean ${mean.toFixed(2)}: ${baselineRmse.toFixed(4)})`);

  // 4. Top-K for the user with the most ratings, leaving out what they already rated. The score
  //    is the unclipped r̂, so it may pass the top of the rating scale.
  const counts = new Int32Array(train.numUsers);
  for (const u of train.users) counts[u]!++;
  const user = train.userIds.id(counts.indexOf(Math.max(...counts)));
  const top = (await mf.recommend(user, { k })).map((s) => ({ ...s, title: title(s.item) }));
  log(`\ntop ${k} for user ${user}:`);
  for (const [j, s] of top.entries()) log(`  ${String(j + 1).padStart(2)}. ${s.title}  (score ${s.score.toFixed(2)})`);

  // 5. Items whose factor vectors point the same way as the most-rated item's (cosine).
  const itemCounts = new Int32Array(train.numItems);
  for (const i of train.items) itemCounts[i]!++;
  const item = train.itemIds.id(itemCounts.indexOf(Math.max(...itemCounts)));
  const similar = (await mf.similarItems(item, 5)).map((s) => ({ ...s, title: title(s.item) }));
  log(`\nitems similar to ${title(item)}:`);
  for (const s of similar) log(`  ${s.title}  (similarity ${s.score.toFixed(3)})`);

  // 6. A new user, without retraining: their factors are fitted to a few ratings with the item
  //    factors frozen (an exact least-squares solve for MF), and they can be recommended at once.
  const liked = similar.slice(0, 3).map((s) => s.item);
  const newId = 'new-user';
  await mf.foldIn(
    at.data.Interactions.fromArrays({ users: liked.map(() => newId), items: liked, values: liked.map(() => 5) }),
  );
  const newTop = (await mf.recommend(newId, { k })).map((s) => ({ ...s, title: title(s.item) }));
  log(`\na new user who rated ${liked.length} of those 5 stars gets:`);
  for (const s of newTop.slice(0, 5)) log(`  ${s.title}  (score ${s.score.toFixed(2)})`);

  // 7. Side features: a hybrid model (LightFM-style) sees each item as the sum of its id and its
  //    category/genre embeddings, so items nobody rated are placed by their features alone.
  let hybrid: RecommendExampleResult['hybrid'];
  if (itemFeatures) {
    const h = await new at.models.HybridRecommender({ loss: 'warp', seed }).fit(train, { itemFeatures });
    const cold = h.numItems - train.numItems;
    const hTop = (await h.recommend(user, { k })).map((s) => ({ ...s, title: title(s.item) }));
    log(`\nhybrid (WARP, item features; ${cold} items without ratings in the catalogue) for user ${user}:`);
    for (const s of hTop.slice(0, 5)) log(`  ${s.title}  (score ${s.score.toFixed(2)})`);
    hybrid = { top: hTop, cold };
  }

  return {
    source,
    ratings: ratings.length,
    users: ratings.numUsers,
    items: ratings.numItems,
    rmse,
    baselineRmse,
    user,
    top,
    item,
    similar,
    newUser: { id: newId, rated: liked.length, top: newTop },
    ...(hybrid ? { hybrid } : {}),
  };
}

const isMain =
  typeof process !== 'undefined' &&
  process.argv[1] !== undefined &&
  import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  await at.ready({ backend: 'cpu' });
  await main({ path: process.argv[2] });
}
