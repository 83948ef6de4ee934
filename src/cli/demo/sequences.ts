import type { SyntheticShop } from '../../data/synthetic.js';
import { NextItemModel } from '../../models/sequence/next-item.js';
import { Seq2Seq } from '../../models/sequence/seq2seq.js';
import { Vocabulary } from '../../models/sequence/vocabulary.js';
import { fmt, fmtInt, section, table } from './format.js';
import type { DemoResult, DemoSizes } from './options.js';

/** Next-item prediction on the customers' journeys and subject lines written from keywords. */
export async function sequenceSection(
  shop: SyntheticShop,
  size: DemoSizes,
  seed: number,
  k: number,
  log: (line: string) => void,
): Promise<NonNullable<DemoResult['sequences']>> {
  section(log, 'Sequences');
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
  const seqUsers = journeys.filter((j) => j.length >= 3).slice(0, size.sequences);
  const histories = seqUsers.map((j) => j.slice(-(maxLen + 1), -1));
  const targets = seqUsers.map((j) => j[j.length - 1]!);
  const nextModel = new NextItemModel({
    arch: 'transformer',
    numItems: shop.items.length,
    dim: 32,
    layers: 1,
    heads: 2,
    maxLen,
    dropout: 0.1,
    seed,
  });
  await nextModel.fit(histories, { epochs: size.seqEpochs, batchSize: 128, lr: 5e-3, seed });
  const nextRecs = await nextModel.recommendNextBatch(histories, { k, excludeSeen: false });
  const seen = new Float64Array(shop.items.length);
  for (const h of histories) for (const i of h) seen[i]!++;
  const popTop = new Set(
    Array.from(seen.keys())
      .sort((a, b) => seen[b]! - seen[a]! || a - b)
      .slice(0, k),
  );
  let nextHits = 0;
  let popHits = 0;
  targets.forEach((tgt, j) => {
    if (nextRecs[j]!.some((r) => r.item === tgt)) nextHits++;
    if (popTop.has(tgt)) popHits++;
  });
  nextModel.dispose();
  log(
    `next item: a causal transformer (1 layer, 32 dims, last ${maxLen} events, ${size.seqEpochs} epochs) on ${fmtInt(seqUsers.length)} customers' cart/purchase sequences; last event held out`,
  );
  table(
    log,
    ['model', `HR@${k}`],
    [
      ['Popularity', fmt(popHits / seqUsers.length, 3)],
      ['NextItemModel', fmt(nextHits / seqUsers.length, 3)],
    ],
    'lr',
  );

  // Subject lines: 90% of the (keywords → line) pairs train an LSTM encoder-decoder; the
  // generated lines for three held-out keyword sets are shown next to the real ones.
  const pairs = shop.subjects.map((x) => ({ keywords: x.keywords, text: x.text }));
  const nTrain = Math.round(pairs.length * 0.9);
  const vocab = Vocabulary.build(pairs.flatMap((x) => [x.text, ...x.keywords]));
  const writer = new Seq2Seq({ arch: 'lstm', vocabulary: vocab, dim: 64, layers: 1, seed });
  await writer.fit(pairs.slice(0, nTrain), { epochs: size.subjectEpochs, batchSize: 32, lr: 1e-2, seed });
  const shown = pairs.slice(nTrain, nTrain + 3);
  const generated = await writer.generateBatch(shown.map((x) => x.keywords));
  writer.dispose();
  const subjects = shown.map((x, j) => ({ keywords: [...x.keywords], generated: generated[j]!, reference: x.text }));
  log('');
  log(
    `subject lines: LSTM encoder-decoder with attention, ${size.subjectEpochs} epochs on ${nTrain} keyword → line pairs; held-out keywords:`,
  );
  table(
    log,
    ['keywords', 'generated', 'written'],
    subjects.map((x) => [x.keywords.join(' · '), x.generated, x.reference]),
    'lll',
  );
  return {
    users: seqUsers.length,
    nextItem: { hitRate: nextHits / seqUsers.length },
    popularity: { hitRate: popHits / seqUsers.length },
    subjects,
  };
}
