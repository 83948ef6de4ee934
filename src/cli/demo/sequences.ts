import type { SyntheticShop } from '../../data/synthetic.js';
import { Seq2Seq } from '../../models/sequence/seq2seq.js';
import { Vocabulary } from '../../models/sequence/vocabulary.js';
import type { ReportInput } from '../../report/types.js';
import { section, table } from './format.js';
import { nextItemDemo } from './next-item.js';
import type { DemoResult, DemoSizes } from './options.js';

/** Next-item prediction on the customers' journeys and subject lines written from keywords. */
export async function sequenceSection(
  shop: SyntheticShop,
  size: DemoSizes,
  seed: number,
  k: number,
  log: (line: string) => void,
  charts: ReportInput | null,
): Promise<NonNullable<DemoResult['sequences']>> {
  section(log, 'Sequences');
  const next = await nextItemDemo(shop, size, seed, k, log, charts);

  // Subject lines: 90% of the (keywords → line) pairs train an LSTM encoder-decoder; the
  // generated lines for three held-out keyword sets are shown next to the real ones.
  const pairs = shop.subjects.map((x) => ({ keywords: x.keywords, text: x.text }));
  const nTrain = Math.round(pairs.length * 0.9);
  const vocab = Vocabulary.build(pairs.flatMap((x) => [x.text, ...x.keywords]));
  const writer = new Seq2Seq({ arch: 'lstm', vocabulary: vocab, dim: 64, layers: 1, seed });
  const epochs = await writer.fit(pairs.slice(0, nTrain), {
    epochs: size.subjectEpochs,
    batchSize: 32,
    lr: 1e-2,
    seed,
  });
  if (charts) charts.training = [...(charts.training ?? []), { model: 'subject-line LSTM', epochs }];
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
    users: next.users,
    nextItem: next.nextItem,
    popularity: next.popularity,
    subjects,
  };
}
