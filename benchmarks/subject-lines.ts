/**
 * Subject lines from keywords on the synthetic shop (the same 600 lines as the demo's generator
 * with seed 3): Seq2Seq (LSTM and transformer, each without and with the copy mechanism) trained
 * on 80% of the (keywords → line) pairs and scored on the other 20%:
 *
 * - keyword recall: the share of held-out keywords whose words all appear in the generated line
 *   (case-insensitive): the "keeps the words it is given" figure;
 * - exact match with the reference line, and unigram F1 against it.
 *
 * Baselines in the same run: the keywords themselves as the line (recall 1 by construction), and
 * the training line whose keywords overlap most (retrieval). Decode speed of the transformer with
 * and without the key/value cache is measured side by side (median of 3 runs, greedy and beam).
 *
 *   node --import tsx --import ./benchmarks/wgsl-loader.mjs benchmarks/subject-lines.ts [--epochs=30]
 *
 * Writes bench-results/subject-lines.{json,md}.
 */
import { fileURLToPath } from 'node:url';
import * as at from '../src/index.js';
import { Seq2Seq, type Seq2SeqPair, Vocabulary } from '../src/models/index.js';
import { environment, markdownTable, median, writeResults } from './harness.js';

function flag(argv: string[], name: string, def: number): number {
  const a = argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : def;
}

const words = (text: string): string[] => (text.toLowerCase().match(/[\p{L}\p{N}%]+/gu) ?? []).map((w) => w);

/** Share of keywords whose words all occur in the generated line. */
export function keywordRecall(pairs: readonly Seq2SeqPair[], generated: readonly string[]): number {
  let hit = 0;
  let all = 0;
  pairs.forEach((p, i) => {
    const out = new Set(words(generated[i]!));
    for (const k of typeof p.keywords === 'string' ? [p.keywords] : p.keywords) {
      all++;
      if (words(k).every((w) => out.has(w))) hit++;
    }
  });
  return hit / all;
}

export function unigramF1(a: string[], b: string[]): number {
  if (!a.length || !b.length) return 0;
  const left = new Map<string, number>();
  for (const w of b) left.set(w, (left.get(w) ?? 0) + 1);
  let hit = 0;
  for (const w of a) {
    const c = left.get(w) ?? 0;
    if (c > 0) {
      hit++;
      left.set(w, c - 1);
    }
  }
  const p = hit / a.length;
  const r = hit / b.length;
  return p + r ? (2 * p * r) / (p + r) : 0;
}

function score(vocab: Vocabulary, test: readonly Seq2SeqPair[], gen: readonly string[]) {
  let exact = 0;
  let f1 = 0;
  gen.forEach((g, i) => {
    const ref = vocab.normalize(test[i]!.text);
    if (g === ref) exact++;
    f1 += unigramF1(vocab.tokenize(g), vocab.tokenize(ref));
  });
  return { recall: keywordRecall(test, gen), exact: exact / gen.length, f1: f1 / gen.length };
}

export async function run(argv: string[] = process.argv.slice(2)): Promise<string> {
  await at.ready({ backend: 'cpu' });
  const epochs = flag(argv, 'epochs', 30);
  const shop = at.data.syntheticShop({ customers: 10, items: 20, days: 5, subjects: 600, seed: 3 });
  const pairs: Seq2SeqPair[] = shop.subjects.map((s) => ({ keywords: s.keywords, text: s.text }));
  const train = pairs.filter((_, i) => i % 5 !== 0);
  const test = pairs.filter((_, i) => i % 5 === 0);
  const vocab = Vocabulary.build(train.flatMap((p) => [p.text, ...p.keywords]));
  const keysOf = (p: Seq2SeqPair) => (typeof p.keywords === 'string' ? [p.keywords] : [...p.keywords]);
  const rows: (string | number)[][] = [];
  const json: Record<string, unknown>[] = [];
  const add = (
    model: string,
    decoding: string,
    s: ReturnType<typeof score>,
    fitS: number | null,
    genS: number | null,
  ) => {
    rows.push([
      model,
      decoding,
      s.recall.toFixed(3),
      s.exact.toFixed(3),
      s.f1.toFixed(3),
      fitS === null ? '-' : fitS.toFixed(1),
      genS === null ? '-' : genS.toFixed(2),
    ]);
    json.push({ model, decoding, ...s, fitS, genS });
  };

  // Baselines.
  add(
    'keywords as the line',
    '-',
    score(
      vocab,
      test,
      test.map((p) => keysOf(p).join(' ')),
    ),
    null,
    null,
  );
  const nearest = test.map((p) => {
    const mine = new Set(keysOf(p));
    let best = train[0]!;
    let bestHits = -1;
    for (const q of train) {
      const hits = keysOf(q).filter((k) => mine.has(k)).length;
      if (hits > bestHits) [best, bestHits] = [q, hits];
    }
    return vocab.normalize(best.text);
  });
  add('nearest training line (keyword overlap)', '-', score(vocab, test, nearest), null, null);

  const speed: Record<string, unknown>[] = [];
  const examples: Record<string, string>[] = [];
  for (const arch of ['lstm', 'transformer'] as const) {
    for (const copy of [false, true]) {
      const name = `Seq2Seq ${arch}${copy ? ' + copy' : ''}`;
      const m = new Seq2Seq({ arch, vocabulary: vocab, dim: 64, layers: 1, heads: 4, dropout: 0.1, seed: 0, copy });
      let t0 = Date.now();
      await m.fit(train, { epochs, batchSize: 32, lr: 3e-3 });
      const fitS = (Date.now() - t0) / 1000;
      const keys = test.map((p) => p.keywords);
      for (const strategy of ['greedy', 'beam'] as const) {
        t0 = Date.now();
        const gen = await m.generateBatch(keys, { strategy, beamSize: 4 });
        add(name, strategy, score(vocab, test, gen), fitS, (Date.now() - t0) / 1000);
        if (strategy === 'greedy')
          examples.push({
            model: name,
            keywords: keysOf(test[0]!).join(' · '),
            generated: gen[0]!,
            reference: test[0]!.text,
          });
      }
      if (arch === 'transformer' && copy) {
        // Cache on and off alternate, 3 runs each; the same tokens come out either way.
        for (const strategy of ['greedy', 'beam'] as const) {
          const some = strategy === 'beam' ? keys.slice(0, 20) : keys;
          const times: Record<string, number[]> = { cached: [], uncached: [] };
          for (let r = 0; r < 3; r++)
            for (const cache of [true, false]) {
              t0 = performance.now();
              await m.generateBatch(some, { strategy, beamSize: 4, cache });
              times[cache ? 'cached' : 'uncached']!.push(performance.now() - t0);
            }
          speed.push({
            strategy,
            lines: some.length,
            cachedMs: median(times.cached!),
            uncachedMs: median(times.uncached!),
            speedup: median(times.uncached!) / median(times.cached!),
          });
        }
      }
      m.dispose();
    }
  }

  const md = [
    '# Subject lines from keywords (synthetic shop)',
    '',
    `${train.length} training / ${test.length} held-out pairs, vocabulary ${vocab.size} (from the training pairs); dim 64, 1 layer, ${epochs} epochs, Adam lr 3e-3, batch 32; cpu backend.`,
    '',
    markdownTable(
      ['model', 'decoding', 'keyword recall', 'exact match', 'unigram F1', 'fit (s)', 'generate (s)'],
      rows,
    ),
    '',
    '## Transformer decode speed, key/value cache on and off (median of 3, same run)',
    '',
    markdownTable(
      ['decoding', 'lines', 'cached (ms)', 'uncached (ms)', 'speed-up'],
      speed.map((s) => [
        String(s.strategy),
        String(s.lines),
        (s.cachedMs as number).toFixed(0),
        (s.uncachedMs as number).toFixed(0),
        `${(s.speedup as number).toFixed(2)}x`,
      ]),
    ),
    '',
    '## First held-out line',
    '',
    markdownTable(
      ['model', 'keywords', 'generated', 'reference'],
      examples.map((e) => [e.model!, e.keywords!, e.generated!, e.reference!]),
    ),
  ].join('\n');
  const out = writeResults('subject-lines', { environment: environment(), epochs, results: json, speed, examples }, md);
  console.log(`\n${md}\n\nwrote ${out.md}`);
  return md;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await run();
