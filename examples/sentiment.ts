/**
 * Sentiment of short texts with TextClassifier: word vocabulary (min count, unknown words as
 * `<unk>`), embedding → BiLSTM → attention pooling; `predict` gives class probabilities and
 * `explain` shows the attention on each word ("which words drove this").
 *
 *   npm run build
 *   npx tsx --tsconfig tsconfig.build.json examples/sentiment.ts [../shared/datasets/sst2/train.tsv]
 *
 * With a path the example reads a tab-separated file with a header and `sentence<TAB>label`
 * rows (the SST-2 layout) and holds out a seeded 20% for testing. Without one it writes small
 * product reviews of its own, where a few opinion words (and "not" before them) decide the label.
 */
import { readFileSync } from 'node:fs';
import * as at from 'attune';

export interface SentimentExampleOptions {
  /** A TSV of `sentence<TAB>label` with a header row; generated reviews when absent. */
  path?: string;
  /** Rows read from the file (the first ones), or reviews generated; default 2000. */
  rows?: number;
  epochs?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface SentimentExampleResult {
  source: string;
  trainRows: number;
  testRows: number;
  accuracy: number;
  /** Accuracy of always answering the most common training label. */
  majority: number;
  explained: at.models.Explanation;
}

const PRODUCTS = ['blender', 'jacket', 'lamp', 'backpack', 'kettle', 'headphones', 'mug', 'sneakers'];
const GOOD = ['great', 'lovely', 'excellent', 'sturdy', 'comfortable', 'perfect'];
const BAD = ['flimsy', 'broken', 'terrible', 'noisy', 'disappointing', 'useless'];
const FILLER = ['the', 'this', 'my', 'it', 'is', 'was', 'really', 'quite', 'arrived', 'today', 'and', 'so'];

/** Generated reviews: one opinion word sets the label, a "not" before it flips it. */
function generated(n: number, seed: number): { texts: string[]; labels: string[] } {
  let s = seed + 1;
  const rnd = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const texts: string[] = [];
  const labels: string[] = [];
  for (let i = 0; i < n; i++) {
    let positive = rnd() < 0.5;
    const opinion = pick(positive ? GOOD : BAD);
    const negated = rnd() < 0.25;
    if (negated) positive = !positive;
    const words = [pick(FILLER), pick(PRODUCTS), pick(FILLER), ...(negated ? ['not'] : []), opinion, pick(FILLER)];
    texts.push(words.join(' '));
    labels.push(positive ? 'positive' : 'negative');
  }
  return { texts, labels };
}

function readTsv(path: string, rows: number): { texts: string[]; labels: string[] } {
  const texts: string[] = [];
  const labels: string[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n').slice(1)) {
    if (!line.trim() || texts.length >= rows) continue;
    const tab = line.lastIndexOf('\t');
    texts.push(line.slice(0, tab).trim());
    labels.push(line.slice(tab + 1).trim());
  }
  return { texts, labels };
}

export async function main(options: SentimentExampleOptions = {}): Promise<SentimentExampleResult> {
  const log = options.log ?? console.log;
  const seed = options.seed ?? 0;
  const rows = options.rows ?? 2000;
  const data = options.path ? readTsv(options.path, rows) : generated(rows, seed);
  const source = options.path ?? `${rows} generated reviews`;
  // Every fifth row is held out.
  const split = (keep: (i: number) => boolean) => ({
    texts: data.texts.filter((_, i) => keep(i)),
    labels: data.labels.filter((_, i) => keep(i)),
  });
  const train = split((i) => i % 5 !== 0);
  const test = split((i) => i % 5 === 0);

  const model = at.models.TextClassifier.fromTexts(train.texts, train.labels, { dim: 32, hidden: 32, seed });
  log(
    `${source}: ${train.texts.length} training / ${test.texts.length} test texts, vocabulary ${model.vocabulary.size}`,
  );
  await model.fit(train.texts, train.labels, {
    epochs: options.epochs ?? 8,
    batchSize: 32,
    lr: 5e-3,
    onEpoch: (e) => log(`epoch ${e.epoch}: loss ${e.loss.toFixed(3)}`),
  });
  const predicted = await model.classify(test.texts);
  const accuracy = predicted.filter((p, i) => p === test.labels[i]).length / test.texts.length;
  const counts = new Map<string, number>();
  for (const l of train.labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const common = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
  const majority = test.labels.filter((l) => l === common).length / test.labels.length;
  log(`test accuracy ${accuracy.toFixed(3)} (always "${common}": ${majority.toFixed(3)})`);

  const explained = await model.explain(test.texts[0]!);
  log(`"${test.texts[0]}" → ${explained.label} (${explained.probabilities.map((p) => p.toFixed(2)).join(' / ')})`);
  for (const t of explained.tokens)
    log(
      `  ${t.token.padEnd(14)} ${'#'.repeat(Math.round(t.weight * 40))} ${t.weight.toFixed(2)}${t.known ? '' : ' (unknown)'}`,
    );
  model.dispose();
  return { source, trainRows: train.texts.length, testRows: test.texts.length, accuracy, majority, explained };
}

const isMain =
  typeof process !== 'undefined' &&
  process.argv[1] !== undefined &&
  import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isMain) {
  await at.ready({ backend: 'cpu' });
  await main({ path: process.argv[2] });
}
