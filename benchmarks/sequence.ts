/**
 * Sequence models, two tasks:
 *
 * 1. Next item on Amazon Video Games (`../shared/datasets/amazon-games/Video.txt`, "user item"
 *    in time order), SASRec protocol: per user with >= 3 actions the last item is the test
 *    target and the second-last the validation item; training sees all but the last two; the
 *    test ranks the last item after the history before it (train + validation) among itself and
 *    100 negatives drawn uniformly from items the user never touched. HR@10 and NDCG@10 for
 *    NextItemModel (transformer and LSTM) and a popularity baseline on the same users and
 *    negatives (same seed). SASRec's published figures: HR@10 0.7318, NDCG@10 0.5308.
 * 2. Subject lines from keywords on the synthetic shop: Seq2Seq (LSTM and transformer) trained
 *    on 80% of the (keywords → subject) pairs, scored on the rest by exact match and unigram F1.
 *
 * To stay near five minutes on two CPU cores, task 1 trains and tests on a random subset of
 * users (--users, default 4000) for a few epochs (--epochs, default 4). Flags: --users=N
 * (0 = all 31,013), --epochs=N, --dim=N, --full (also rank the whole catalogue).
 *
 *   node --import tsx --import ./benchmarks/wgsl-loader.mjs benchmarks/sequence.ts --users=4000
 *
 * Writes bench-results/sequence.{json,md}.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as at from '../src/index.js';
import {
  NextItemModel,
  Seq2Seq,
  Vocabulary,
  evaluateStaticScores,
  type NextItemEvaluation,
} from '../src/models/index.js';
import { environment, markdownTable, writeResults } from './harness.js';

const PATH = fileURLToPath(new URL('../../shared/datasets/amazon-games/Video.txt', import.meta.url));
const SASREC = { hr10: 0.7318, ndcg10: 0.5308 };

function flag(argv: string[], name: string, def: number): number {
  const a = argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : def;
}

function loadSequences(): { seqs: number[][]; numItems: number } {
  const byUser = new Map<string, number[]>();
  let numItems = 0;
  for (const line of readFileSync(PATH, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const [u, i] = line.trim().split(/\s+/);
    const item = Number(i) - 1; // ids are 1-based in the file
    numItems = Math.max(numItems, item + 1);
    let s = byUser.get(u!);
    if (!s) byUser.set(u!, (s = []));
    s.push(item);
  }
  return { seqs: [...byUser.values()], numItems };
}

interface Row {
  model: string;
  fitS: number;
  evalS: number;
  ev: NextItemEvaluation;
}

export async function run(argv: string[] = process.argv.slice(2)): Promise<string> {
  await at.ready({ backend: 'cpu' });
  const usersWanted = flag(argv, 'users', 4000);
  const epochs = flag(argv, 'epochs', 4);
  const dim = flag(argv, 'dim', 50);
  const full = argv.includes('--full');
  const { seqs: all, numItems } = loadSequences();
  const eligible = all.filter((s) => s.length >= 3);
  // A seeded subset of users (their whole histories); training uses all but the last two items.
  let users = eligible;
  if (usersWanted > 0 && usersWanted < eligible.length) {
    const rnd = mulberry(7);
    users = eligible
      .map((s) => [rnd(), s] as const)
      .sort((a, b) => a[0] - b[0])
      .slice(0, usersWanted)
      .map(([, s]) => s);
  }
  const train = users.map((s) => s.slice(0, -2));
  const evalOpts = { k: 10, negatives: 100, seed: 0, full, batchSize: 256 };
  const rows: Row[] = [];

  // Popularity: training-set counts of the same users.
  const counts = new Float32Array(numItems);
  for (const s of train) for (const i of s) counts[i]! += 1;
  let t0 = Date.now();
  rows.push({ model: 'Popularity', fitS: 0, evalS: 0, ev: await evaluateStaticScores(users, counts, evalOpts) });
  rows[0]!.evalS = (Date.now() - t0) / 1000;

  const configs = {
    dim,
    layers: 2,
    heads: 1,
    maxLen: 50,
    dropout: 0.2,
    loss: 'sampled' as const,
    negatives: 256,
    seed: 0,
    numItems,
  };
  for (const arch of ['transformer', 'lstm'] as const) {
    const m = new NextItemModel({ arch, ...configs });
    t0 = Date.now();
    const hist = await m.fit(train, {
      epochs,
      batchSize: 128,
      lr: 3e-3,
      onEpoch: (e) =>
        console.log(`${arch} epoch ${e.epoch}: loss ${e.loss.toFixed(3)} (${(e.ms / 1000).toFixed(1)} s)`),
    });
    const fitS = (Date.now() - t0) / 1000;
    t0 = Date.now();
    const ev = await m.evaluate(users, evalOpts);
    rows.push({
      model: `NextItemModel ${arch} (final loss ${hist[hist.length - 1]!.loss.toFixed(3)})`,
      fitS,
      evalS: (Date.now() - t0) / 1000,
      ev,
    });
    console.log(arch, JSON.stringify(ev));
    m.dispose();
  }

  // Subject lines.
  const shop = at.data.syntheticShop({ customers: 10, items: 20, days: 5, subjects: 600, seed: 3 });
  const pairs = shop.subjects.map((s) => ({ keywords: s.keywords, text: s.text }));
  const trainPairs = pairs.filter((_, i) => i % 5 !== 0);
  const testPairs = pairs.filter((_, i) => i % 5 === 0);
  const vocab = Vocabulary.build(trainPairs.flatMap((p) => [p.text, ...p.keywords]));
  const textRows: (string | number)[][] = [];
  const textJson: Record<string, unknown>[] = [];
  for (const arch of ['lstm', 'transformer'] as const) {
    const m = new Seq2Seq({ arch, vocabulary: vocab, dim: 64, layers: 1, heads: 4, dropout: 0.1, seed: 0 });
    t0 = Date.now();
    const hist = await m.fit(trainPairs, { epochs: 30, batchSize: 32, lr: 3e-3 });
    const fitS = (Date.now() - t0) / 1000;
    for (const strategy of ['greedy', 'beam'] as const) {
      t0 = Date.now();
      const gen = await m.generateBatch(
        testPairs.map((p) => p.keywords),
        { strategy, beamSize: 4 },
      );
      const genS = (Date.now() - t0) / 1000;
      let exact = 0;
      let f1 = 0;
      gen.forEach((g, i) => {
        const ref = vocab.normalize(testPairs[i]!.text);
        if (g === ref) exact++;
        f1 += unigramF1(vocab.tokenize(g), vocab.tokenize(ref));
      });
      const r = {
        arch,
        strategy,
        exact: exact / gen.length,
        f1: f1 / gen.length,
        fitS,
        genS,
        finalLoss: hist[hist.length - 1]!.loss,
        example: { keywords: testPairs[0]!.keywords, generated: gen[0], reference: testPairs[0]!.text },
      };
      textJson.push(r);
      textRows.push([
        `Seq2Seq ${arch}`,
        strategy,
        r.exact.toFixed(3),
        r.f1.toFixed(3),
        fitS.toFixed(1),
        genS.toFixed(1),
      ]);
    }
    m.dispose();
  }

  const table = markdownTable(
    [
      'model',
      'HR@10 (100 neg)',
      'NDCG@10 (100 neg)',
      ...(full ? ['HR@10 full', 'NDCG@10 full'] : []),
      'fit (s)',
      'eval (s)',
    ],
    rows.map((r) => [
      r.model,
      r.ev.sampled.hitRate.toFixed(4),
      r.ev.sampled.ndcg.toFixed(4),
      ...(full ? [r.ev.full!.hitRate.toFixed(4), r.ev.full!.ndcg.toFixed(4)] : []),
      r.fitS.toFixed(1),
      r.evalS.toFixed(1),
    ]),
  );
  const md = [
    '# Sequence models',
    '',
    `## Next item: Amazon Video Games, SASRec protocol (leave-one-out, 100 sampled negatives)`,
    '',
    `${rows[0]!.ev.users} test users (${usersWanted > 0 && usersWanted < eligible.length ? `seeded subset of ${eligible.length}` : 'all'} users with >= 3 actions), ${numItems} items; training on the same users' histories minus their last two items; cpu backend; ${epochs} epochs, dim ${dim}, 2 layers, maxLen 50, sampled softmax with 256 shared negatives, Adam lr 3e-3, batch 128.`,
    '',
    table,
    '',
    `SASRec (paper, all 31,013 users, 200+ epochs, dim 50): HR@10 ${SASREC.hr10}, NDCG@10 ${SASREC.ndcg10}. These runs are far smaller (a user subset, a few epochs on two CPU cores) and are not a like-for-like reproduction.`,
    '',
    `## Subject lines from keywords: synthetic shop (${trainPairs.length} train / ${testPairs.length} held-out pairs, vocabulary ${vocab.size})`,
    '',
    markdownTable(['model', 'decoding', 'exact match', 'unigram F1', 'fit (s)', 'generate (s)'], textRows),
  ].join('\n');
  const out = writeResults(
    'sequence',
    { environment: environment(), config: { usersWanted, epochs, dim, full }, nextItem: rows, subjects: textJson },
    md,
  );
  console.log(`\n${md}\n\nwrote ${out.md}`);
  return md;
}

function unigramF1(a: string[], b: string[]): number {
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

function mulberry(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await run();
