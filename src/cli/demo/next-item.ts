import type { SyntheticShop } from '../../data/synthetic.js';
import { NextItemModel } from '../../models/sequence/next-item.js';
import type { ReportInput } from '../../report/types.js';
import { fmt, fmtInt, table } from './format.js';
import type { DemoSizes } from './options.js';

/** What the demo's next-item part measured. */
export interface NextItemDemo {
  /** Customers whose last event was held out (each has at least 3 events). */
  users: number;
  /** HR@k of the next-item transformer and of popularity on the held-out next event. */
  nextItem: { hitRate: number };
  popularity: { hitRate: number };
  /** For the first test customer: the events the top recommendation attended to most. */
  why: { item: string; weight: number }[];
}

/**
 * Next-item prediction on the customers' journeys: a causal transformer reads each customer's
 * carts and purchases (all but the last) and ranks the whole catalogue for the held-out last
 * one, against popularity on the same customers. The shop's journeys have order (complements
 * after a cart, category runs, repeat purchases), which popularity cannot see.
 */
export async function nextItemDemo(
  shop: SyntheticShop,
  size: DemoSizes,
  seed: number,
  k: number,
  log: (line: string) => void,
  charts: ReportInput | null,
): Promise<NextItemDemo> {
  const ev = shop.events;
  const nEvents = ev.time.length;
  // Each customer's carts and purchases in time order (a repeat of the previous item collapsed);
  // the sequence models are the slowest part on a CPU, so they see a bounded sample.
  const journeys: number[][] = shop.customers.map(() => []);
  for (let e = 0; e < nEvents; e++) {
    if (ev.type[e] === 'view') continue;
    const j = journeys[ev.customer[e]!]!;
    if (j[j.length - 1] !== ev.item[e]) j.push(ev.item[e]!);
  }
  const maxLen = 10;
  const customers = journeys.flatMap((j, c) => (j.length >= 3 ? [c] : [])).slice(0, size.sequences);
  const seqUsers = customers.map((c) => journeys[c]!);
  const histories = seqUsers.map((j) => j.slice(-(maxLen + 1), -1));
  const targets = seqUsers.map((j) => j[j.length - 1]!);
  const model = new NextItemModel({
    arch: 'transformer',
    numItems: shop.items.length,
    dim: 32,
    layers: 1,
    heads: 2,
    maxLen,
    dropout: 0.1,
    itemBias: true,
    seed,
  });
  const seen = new Float64Array(shop.items.length);
  for (const h of histories) for (const i of h) seen[i]!++;
  const popTop = new Set(
    Array.from(seen.keys())
      .sort((a, b) => seen[b]! - seen[a]! || a - b)
      .slice(0, k),
  );
  const hitRate = async (): Promise<number> => {
    const recs = await model.recommendNextBatch(histories, { k, excludeSeen: false });
    let hits = 0;
    targets.forEach((tgt, j) => {
      if (recs[j]!.some((r) => r.item === tgt)) hits++;
    });
    return hits / targets.length;
  };
  // The learning curve: HR@k after every epoch, measured and drawn only (passing it as fit's
  // `validation` would keep the best epoch's weights, a choice made on the test customers).
  const perEpoch: { epoch: number; loss: number; validation: number }[] = [];
  await model.fit(histories, {
    epochs: size.seqEpochs,
    batchSize: 64,
    lr: 1e-2,
    seed,
    ...(charts && {
      onEpoch: async (e: { epoch: number; loss: number }) => {
        model.eval();
        perEpoch.push({ epoch: e.epoch, loss: e.loss, validation: await hitRate() });
        model.train();
      },
    }),
  });
  const modelHits = Math.round((await hitRate()) * targets.length);
  let popHits = 0;
  for (const tgt of targets) if (popTop.has(tgt)) popHits++;
  // Why: the events behind the first customer's top recommendation, by attention weight.
  const explained = await model.explainNext(histories[0]!, { k: 1, excludeSeen: false });
  model.dispose();
  const name = (i: number) => shop.items[i]!.name;
  const why = explained.events
    .map((e) => ({ item: name(e.item as number), weight: e.weight }))
    .sort((a, b) => b.weight - a.weight)
    .slice(0, 3);
  const hr = modelHits / seqUsers.length;
  const pop = popHits / seqUsers.length;
  if (charts)
    charts.nextItem = { epochs: perEpoch, validationName: `HR@${k}`, baseline: { name: 'popularity', value: pop } };
  log(
    `next item: a causal transformer (1 layer, 32 dims, last ${maxLen} events, ${size.seqEpochs} epochs) on ${fmtInt(seqUsers.length)} customers' cart/purchase sequences; last event held out`,
  );
  table(
    log,
    ['model', `HR@${k}`],
    [
      ['Popularity', fmt(pop, 3)],
      [
        'NextItemModel',
        `${fmt(hr, 3)} (${pop > 0 ? `${hr >= pop ? '+' : ''}${fmt((100 * (hr - pop)) / pop, 0)}%` : 'n/a'})`,
      ],
    ],
    'lr',
  );
  log(
    `why "${name(explained.recommended[0]!.item as number)}" next for customer ${customers[0]}: attention on ${why.map((w) => `${w.item} ${fmt(w.weight, 2)}`).join(', ')}`,
  );
  return { users: seqUsers.length, nextItem: { hitRate: hr }, popularity: { hitRate: pop }, why };
}
