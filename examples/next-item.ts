/**
 * Next-item prediction from customer journeys: take the synthetic shop's time-ordered event
 * log (view, cart, purchase), build one sequence per customer, hold out each customer's last
 * event for the test and the one before it for validation (the epoch with the best validation
 * NDCG@10 is kept), train a SASRec-style Transformer that also reads the event types, and report
 * HR@10 and NDCG@10 (50 sampled negatives, and the full catalogue) against a popularity
 * baseline. Then recommend the next items for one customer with the past events they rest on
 * (attention weights), predict their next action, give a new customer popular items (cold
 * start), and save and reload the model.
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
  /** The customer's past events with the attention the recommendation paid to each. */
  attention: { item: at.data.Id; weight: number }[];
  /** What a customer with no history gets (the most popular items). */
  coldStart: at.models.ScoredItem[];
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
  const all = [...journeys.values()].filter((j) => j.items.length >= 4);
  // Leave one out: the last event is the test, the one before it the validation target; train
  // on the rest.
  const upTo = (j: { items: number[]; actions: string[] }, end: number) => ({
    items: j.items.slice(0, end),
    actions: j.actions.slice(0, end),
  });
  const train = all.map((j) => upTo(j, -2));
  const validation = all.map((j) => upTo(j, -1));
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
    itemBias: true,
    seed: 1,
  });
  await model.fit(train, {
    epochs: options.epochs ?? 10,
    batchSize: 64,
    lr: 5e-3,
    // Score the validation item after every epoch; keep the best epoch's weights.
    validation: { sequences: validation, metric: 'ndcg', negatives: 50 },
    patience: 3,
    onEpoch: (e) =>
      log(`epoch ${e.epoch}: loss ${e.loss.toFixed(3)}, validation NDCG@10 ${e.validation!.toFixed(3)} (${e.ms} ms)`),
  });
  const result = await model.evaluate(all, { k: 10, negatives: 50 });

  // Popularity on the same protocol: every customer gets the training counts as scores.
  const counts = new Float32Array(shop.items.length);
  for (const j of validation) for (const i of j.items) counts[i]! += 1;
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

  // What might customer 0 do next, and which of their past events does that rest on?
  const history = all[0]!;
  const explained = await model.explainNext(history, { k: 5 });
  const recommended = explained.recommended;
  const actions = await model.predictNextAction(history);
  log(
    `customer's last items: ${history.items
      .slice(-5)
      .map((i) => shop.items[i]!.name)
      .join(', ')}`,
  );
  log(`next items: ${recommended.map((r) => shop.items[r.item as number]!.name).join(', ')}`);
  log(
    `attention behind them: ${explained.events
      .slice(-5)
      .map((e) => `${shop.items[e.item as number]!.name} (${e.action}) ${e.weight.toFixed(2)}`)
      .join(', ')}`,
  );
  log(`next action: ${actions.map((a) => `${a.action} ${(a.probability * 100).toFixed(0)}%`).join(', ')}`);
  // A customer with no history yet: the most popular items of the training data.
  const coldStart = await model.recommendNext([], { k: 3, coldStart: 'popular' });
  log(`a new customer gets: ${coldStart.map((r) => shop.items[r.item as number]!.name).join(', ')}`);

  // Models are nn modules: at.save/at.load keep the config (ids, action names) with the weights.
  const bytes = await at.save(model);
  const again = (await at.load(bytes)) as at.models.NextItemModel;
  log(`reloaded: same top item ${(await again.recommendNext(history, { k: 1 }))[0]!.item === recommended[0]!.item}`);
  again.dispose();
  model.dispose();
  return {
    model: result,
    popularity,
    recommended,
    attention: explained.events.map((e) => ({ item: e.item, weight: e.weight })),
    coldStart,
    nextAction: actions[0]!.action,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--arch');
  await main({ arch: i > 0 ? (process.argv[i + 1] as 'lstm' | 'transformer') : 'transformer' });
}
