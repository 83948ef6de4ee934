/**
 * Next-item prediction from customer journeys: take the synthetic shop's time-ordered event
 * log (view, cart, purchase), build one sequence per customer, hold out each customer's last
 * event, train a SASRec-style Transformer that also reads the event types, and report HR@10 and
 * NDCG@10 (100 sampled negatives, and the full catalogue) against a popularity baseline. Then
 * recommend the next items for one customer, predict their next action, and save and reload
 * the model.
 *
 *   npm run build
 *   npx tsx --tsconfig tsconfig.build.json examples/next-item.ts [--arch lstm|transformer]
 */
import * as at from 'attune';

export interface NextItemExampleOptions {
  arch?: 'lstm' | 'transformer';
  customers?: number;
  epochs?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface NextItemExampleResult {
  model: at.models.NextItemEvaluation;
  popularity: at.models.NextItemEvaluation;
  recommended: at.models.ScoredItem[];
  nextAction: string;
}

export async function main(options: NextItemExampleOptions = {}): Promise<NextItemExampleResult> {
  const log = options.log ?? console.log;
  const arch = options.arch ?? 'transformer';
  await at.ready({ backend: 'cpu' });
  const shop = at.data.syntheticShop({
    customers: options.customers ?? 600,
    items: 120,
    days: 120,
    seed: options.seed ?? 0,
  });

  // One journey per customer, oldest first (the log is already in time order).
  const journeys = new Map<number, { items: number[]; actions: string[] }>();
  const ev = shop.events;
  for (let r = 0; r < ev.customer.length; r++) {
    let j = journeys.get(ev.customer[r]!);
    if (!j) journeys.set(ev.customer[r]!, (j = { items: [], actions: [] }));
    j.items.push(ev.item[r]!);
    j.actions.push(ev.type[r]!);
  }
  const all = [...journeys.values()].filter((j) => j.items.length >= 3);
  // Leave one out: train on everything but the last event; evaluate ranks that last event.
  const train = all.map((j) => ({ items: j.items.slice(0, -1), actions: j.actions.slice(0, -1) }));
  log(`${all.length} customers with >= 3 events, ${shop.items.length} items`);

  const model = new at.models.NextItemModel({
    arch,
    numItems: shop.items.length,
    actions: ['view', 'cart', 'purchase'],
    dim: 32,
    layers: 2,
    heads: 2,
    maxLen: 30,
    dropout: 0.2,
    seed: 1,
  });
  await model.fit(train, {
    epochs: options.epochs ?? 10,
    batchSize: 64,
    lr: 3e-3,
    onEpoch: (e) => log(`epoch ${e.epoch}: loss ${e.loss.toFixed(3)} (${e.ms} ms)`),
  });
  const result = await model.evaluate(all, { k: 10, negatives: 50 });

  // Popularity on the same protocol: every customer gets the training counts as scores.
  const counts = new Float32Array(shop.items.length);
  for (const j of train) for (const i of j.items) counts[i]! += 1;
  const popularity = await at.models.evaluateStaticScores(
    all.map((j) => j.items),
    counts,
    { k: 10, negatives: 50 },
  );
  log(
    `${arch}: HR@10 ${result.sampled.hitRate.toFixed(3)}, NDCG@10 ${result.sampled.ndcg.toFixed(3)} (50 negatives); full catalogue HR@10 ${result.full!.hitRate.toFixed(3)}`,
  );
  log(
    `popularity: HR@10 ${popularity.sampled.hitRate.toFixed(3)}, NDCG@10 ${popularity.sampled.ndcg.toFixed(3)}; full catalogue HR@10 ${popularity.full!.hitRate.toFixed(3)}`,
  );

  // What might customer 0 do next?
  const history = all[0]!;
  const recommended = await model.recommendNext(history, { k: 5 });
  const actions = await model.predictNextAction(history);
  log(
    `customer's last items: ${history.items
      .slice(-5)
      .map((i) => shop.items[i]!.name)
      .join(', ')}`,
  );
  log(`next items: ${recommended.map((r) => shop.items[r.item as number]!.name).join(', ')}`);
  log(`next action: ${actions.map((a) => `${a.action} ${(a.probability * 100).toFixed(0)}%`).join(', ')}`);

  // Models are nn modules: at.save/at.load keep the config (ids, action names) with the weights.
  const bytes = await at.save(model);
  const again = (await at.load(bytes)) as at.models.NextItemModel;
  log(`reloaded: same top item ${(await again.recommendNext(history, { k: 1 }))[0]!.item === recommended[0]!.item}`);
  again.dispose();
  model.dispose();
  return { model: result, popularity, recommended, nextAction: actions[0]!.action };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--arch');
  await main({ arch: i > 0 ? (process.argv[i + 1] as 'lstm' | 'transformer') : 'transformer' });
}
