import type { BackendName } from '../../backends/backend.js';
import type { Interactions } from '../../data/interactions.js';
import { leaveLastOut } from '../../data/split.js';
import type { SyntheticShop } from '../../data/synthetic.js';
import { hitRateAtK, ndcgAtK } from '../../metrics/ranking.js';
import { BPR } from '../../models/bpr.js';
import { ItemKNN } from '../../models/itemknn.js';
import { Popularity } from '../../models/popularity.js';
import type { Recommender } from '../../models/recommender.js';
import type { ReportInput } from '../../report/types.js';
import { fmt, fmtInt, fmtRatio, section, table } from './format.js';
import type { DemoItem, DemoResult, DemoSizes } from './options.js';

/**
 * BPR against popularity by leave-last-out HR@k / NDCG@k, the top 5 of the customer with the
 * longest history, and ItemKNN's "also bought" list for the best-selling item.
 */
export async function recommendSection(
  shop: SyntheticShop,
  interactions: Interactions,
  size: DemoSizes,
  seed: number,
  factorBackend: BackendName,
  k: number,
  log: (line: string) => void,
  charts: ReportInput,
): Promise<DemoResult['recommend']> {
  const ev = shop.events;
  const nEvents = ev.time.length;
  section(log, 'Recommendations');
  const split = leaveLastOut(interactions);
  const bprLosses: { epoch: number; loss: number }[] = [];
  const bpr = await new BPR({
    factors: 32,
    epochs: size.bprEpochs,
    lr: 0.05,
    reg: 0.005,
    seed,
    backend: factorBackend,
  }).fit(split.train, { onEpoch: (e) => void bprLosses.push({ epoch: e.epoch, loss: e.loss }) });
  charts.training = [...(charts.training ?? []), { model: 'BPR', epochs: bprLosses }];
  const pop = await new Popularity().fit(split.train);
  const testUsers = split.test.users;
  const relevant = Array.from(split.test.items, (i) => [i]);
  const listsOf: { model: string; lists: Int32Array[] }[] = [];
  const rank = async (m: Recommender, model: string): Promise<{ hitRate: number; ndcg: number }> => {
    const top = await m.topKIndices(testUsers, { k });
    const lists = top.map((x) => x.items);
    listsOf.push({ model, lists });
    return { hitRate: hitRateAtK(lists, relevant, k), ndcg: ndcgAtK(lists, relevant, k) };
  };
  const bprScore = await rank(bpr, 'BPR');
  const popScore = await rank(pop, 'Popularity');
  // The report's coverage and popularity curve: the same top-k lists, items ranked by training interactions.
  const itemInteractions = new Float64Array(split.train.numItems);
  for (const i of split.train.items) itemInteractions[i]!++;
  charts.recommendations = { k, itemInteractions, models: listsOf };
  log(
    `leave-last-out: each customer's latest new item is held out (${fmtInt(testUsers.length)} customers); BPR (32 factors, ${size.bprEpochs} epochs, ${factorBackend})`,
  );
  table(
    log,
    ['model', `HR@${k}`, `NDCG@${k}`],
    [
      ['Popularity', fmt(popScore.hitRate, 3), fmt(popScore.ndcg, 3)],
      ['BPR', fmt(bprScore.hitRate, 3), fmt(bprScore.ndcg, 3)],
    ],
    'lrr',
  );
  log(`BPR vs popularity: NDCG@${k} ${fmtRatio(bprScore.ndcg / popScore.ndcg)}`);

  const item = (id: number, score: number): DemoItem => {
    const it = shop.items[id]!;
    return { item: id, name: it.name, category: it.category, score };
  };
  // Show the test customer with the longest history: the most to learn from.
  const g = split.train.byUser();
  let best = 0;
  for (let j = 1; j < testUsers.length; j++) {
    const len = (u: number): number => g.offsets[u + 1]! - g.offsets[u]!;
    if (len(testUsers[j]!) > len(testUsers[best]!)) best = j;
  }
  const customer = split.train.userIds.id(testUsers[best]!) as number;
  const heldOut = split.train.itemIds.id(split.test.items[best]!) as number;
  const history = Array.from(
    g.rows.subarray(g.offsets[testUsers[best]!]!, g.offsets[testUsers[best]! + 1]!),
    (r) => split.train.itemIds.id(split.train.items[r]!) as number,
  );
  const top = (await bpr.recommend(customer, { k: 5 })).map((s) => item(s.item as number, s.score));
  log('');
  log(
    `top 5 for customer ${customer} (${shop.customers[customer]!.segment}, ${history.length} items carted or bought; latest: ${history
      .slice(-3)
      .map((i) => shop.items[i]!.name)
      .join(', ')})`,
  );
  table(
    log,
    ['#', 'item', 'category', 'price', 'score'],
    top.map((r, j) => [
      String(j + 1),
      `${r.name}${r.item === heldOut ? ' ← held out' : ''}`,
      r.category,
      fmt(shop.items[r.item]!.price, 2),
      fmt(r.score, 3),
    ]),
    'rllrr',
  );
  log(
    `held-out item: ${shop.items[heldOut]!.name} (${shop.items[heldOut]!.category})${top.some((r) => r.item === heldOut) ? ', found in the top 5' : ''}`,
  );

  const knn = await new ItemKNN({ neighbors: 50 }).fit(interactions);
  // The best-selling item anchors "customers who bought X also bought".
  const sold = new Float64Array(shop.items.length);
  for (let e = 0; e < nEvents; e++) if (ev.type[e] === 'purchase') sold[ev.item[e]!]! += ev.quantity[e]!;
  const anchorId = sold.indexOf(Math.max(...sold));
  const anchor = item(anchorId, sold[anchorId]!);
  const alsoBought = (await knn.similarItems(anchorId, 5)).map((s) => item(s.item as number, s.score));
  log('');
  log(
    `customers who bought "${anchor.name}" (${anchor.category}, ${fmtInt(anchor.score)} sold) also bought — ItemKNN, cosine:`,
  );
  table(
    log,
    ['#', 'item', 'category', 'similarity'],
    alsoBought.map((r, j) => [String(j + 1), r.name, r.category, fmt(r.score, 3)]),
    'rllr',
  );
  return {
    k,
    testUsers: testUsers.length,
    bpr: bprScore,
    popularity: popScore,
    customer,
    heldOut,
    top,
    anchor,
    alsoBought,
  };
}
