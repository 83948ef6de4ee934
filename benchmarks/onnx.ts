/**
 * The ONNX export table: for each exportable model type, the graph's ops, the file size, the
 * largest difference between onnxruntime-node's outputs and attune's on the same random batch,
 * and the latency of one batch in onnxruntime-node (CPU execution provider, default threads)
 * next to attune's own inference for the same batch on the cpu backend. Both sides compute the
 * same thing: recommenders and NextItemModel score every item and keep the top 10 (attune:
 * topKIndices / recommendNextBatch with excludeSeen off; ONNX: the TopK subgraph); KMeans
 * assigns; ChurnClassifier gives calibrated probabilities; TextClassifier gives class
 * probabilities (predict); Seq2Seq greedy-decodes a batch of keyword sets (attune's
 * generateBatch against seq2seqGreedy running the exported encoder and step graphs; its max
 * difference is over the encoder memory and three steps' next-token probabilities, and the
 * texts are compared). Models are small and trained briefly: the table is about the export,
 * not the models' quality.
 *
 *   nice -n 15 node --import tsx --import ./benchmarks/wgsl-loader.mjs benchmarks/onnx.ts [--only=text,seq2seq]
 */
import * as ort from 'onnxruntime-node';
import { ready } from '../src/backends/registry.js';
import { Rng } from '../src/core/random.js';
import { Interactions } from '../src/data/interactions.js';
import {
  BPR,
  ChurnClassifier,
  ImplicitALS,
  KMeans,
  MatrixFactorization,
  NextItemModel,
  SVDpp,
  Seq2Seq,
  TextClassifier,
  Vocabulary,
} from '../src/models/index.js';
import { sourceBatch } from '../src/models/sequence/seq2seq-copy.js';
import { sourceWords } from '../src/models/sequence/vocabulary.js';
import { encodeTexts } from '../src/models/text/text-batches.js';
import type { Recommender } from '../src/models/recommender.js';
import { describe, export as exportOnnx, exportSeq2Seq, seq2seqGreedy } from '../src/onnx/index.js';
import { environment, fmt, markdownTable, maxAbsDiff, median, writeResults } from './harness.js';

const TOP = 10;
const REPS = 7;

interface Row {
  model: string;
  ops: string;
  kb: number;
  maxDiff: string;
  batch: string;
  ortMs: number;
  attuneMs: number;
}

async function timeMs(f: () => Promise<unknown>): Promise<number> {
  await f();
  const s: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const t = performance.now();
    await f();
    s.push(performance.now() - t);
  }
  return median(s);
}

function int64(values: ArrayLike<number>, dims: number[]): ort.Tensor {
  return new ort.Tensor(
    'int64',
    BigInt64Array.from(Array.from(values), (v) => BigInt(v)),
    dims,
  );
}

async function measure(
  model: string,
  bytes: Uint8Array,
  feeds: Record<string, ort.Tensor>,
  batch: string,
  compare: (out: ort.InferenceSession.ReturnType) => Promise<string>,
  attune: () => Promise<unknown>,
): Promise<Row> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run(feeds);
  const maxDiff = await compare(out);
  const ortMs = await timeMs(() => session.run(feeds));
  const attuneMs = await timeMs(attune);
  await session.release();
  return { model, ops: describe(bytes).ops.join(', '), kb: bytes.length / 1024, maxDiff, batch, ortMs, attuneMs };
}

function interactions(users: number, items: number, rows: number): Interactions {
  const rng = new Rng(1);
  const u = new Int32Array(rows);
  const i = new Int32Array(rows);
  const v = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    u[r] = Math.floor(rng.float() * users);
    i[r] = Math.floor(rng.float() * items);
    v[r] = 1 + Math.floor(rng.float() * 5);
  }
  return Interactions.fromArrays({ users: u, items: i, values: v }, { duplicates: 'last' });
}

/** Recommender rows: ORT's scores against attune's full ranking, latency of the top-10 batch. */
async function recommenderRow(name: string, model: Recommender & { numItems: number }): Promise<Row> {
  const B = 256;
  const users = Int32Array.from({ length: B }, (_, b) => (b * 7) % model.numUsers);
  const bytes = await exportOnnx(model as never, { topK: TOP });
  const n = model.numItems;
  return measure(
    name,
    bytes,
    { user: int64(users, [B]) },
    `${B} users × ${n} items`,
    async (out) => {
      const ref = await model.topKIndices(users, { k: n, excludeSeen: false });
      const full = new Float32Array(B * n);
      ref.forEach((r, b) => r.items.forEach((it, j) => (full[b * n + it] = r.scores[j]!)));
      return maxAbsDiff(out.scores!.data as Float32Array, full).toExponential(1);
    },
    () => model.topKIndices(users, { k: TOP, excludeSeen: false }),
  );
}

/** Which groups of rows to run (--only=recommenders,kmeans,churn,next-item,text,seq2seq); all by default. */
const ONLY = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const want = (group: string) => !ONLY || ONLY.includes(group);

export async function run(): Promise<void> {
  await ready({ backend: 'cpu' });
  const rows: Row[] = [];
  if (want('text')) rows.push(...(await textRows()));
  if (want('seq2seq')) rows.push(...(await seq2seqRows()));
  if (ONLY && !ONLY.some((g) => ['recommenders', 'kmeans', 'churn', 'next-item'].includes(g))) return report(rows);
  const data = interactions(2000, 3000, 60_000);
  rows.push(
    await recommenderRow(
      'MatrixFactorization (k=64)',
      await new MatrixFactorization({ factors: 64, epochs: 2 }).fit(data),
    ),
  );
  rows.push(await recommenderRow('SVDpp (k=32)', await new SVDpp({ factors: 32, epochs: 1 }).fit(data)));
  rows.push(await recommenderRow('BPR (k=64)', await new BPR({ factors: 64, epochs: 2 }).fit(data)));
  rows.push(await recommenderRow('ImplicitALS (k=64)', await new ImplicitALS({ factors: 64, epochs: 2 }).fit(data)));

  const rng = new Rng(2);
  const N = 10_000;
  const X = Array.from({ length: N }, () => Array.from({ length: 16 }, () => rng.float() * 4));
  const Xf = new ort.Tensor('float32', Float32Array.from(X.flat()), [N, 16]);
  const km = await new KMeans({ k: 8, seed: 1 }).fit(X);
  rows.push(
    await measure(
      'KMeans (k=8, d=16)',
      await exportOnnx(km),
      { X: Xf },
      `${N} rows`,
      async (out) => {
        const labels = await km.predict(X);
        const l = out.labels!.data as BigInt64Array;
        // Labels are exact or not: report how many agree.
        return `labels equal: ${labels.reduce((s, v, j) => s + (BigInt(v) === l[j] ? 1 : 0), 0)}/${N}`;
      },
      () => km.predict(X),
    ),
  );
  const y = X.map((r) => (r[0]! + r[1]! + rng.float() * 2 > 5 ? 1 : 0));
  const clf = await new ChurnClassifier({ hidden: [32, 16], epochs: 2, seed: 1, calibration: 'isotonic' }).fit(X, y);
  rows.push(
    await measure(
      'ChurnClassifier ([32, 16], isotonic)',
      await exportOnnx(clf),
      { X: Xf },
      `${N} rows`,
      async (out) => maxAbsDiff(out.probability!.data as Float32Array, await clf.predictProba(X)).toExponential(1),
      () => clf.predictProba(X),
    ),
  );

  const items = 1000;
  const seqs = Array.from({ length: 300 }, (_, s) => Array.from({ length: 30 }, (_, t) => (s * 13 + t * 7) % items));
  for (const arch of ['transformer', 'lstm'] as const) {
    const m = new NextItemModel({ arch, numItems: items, dim: 64, layers: 2, heads: 2, maxLen: 50, seed: 1 });
    await m.fit(seqs, { epochs: 1 });
    const B = 64;
    const T = 30;
    const hs = seqs.slice(0, B);
    const flat = hs.flatMap((h) => h.map((i) => i + 1));
    const feeds = {
      items: int64(flat, [B, T]),
      lengths: int64(
        hs.map(() => T),
        [B],
      ),
    };
    rows.push(
      await measure(
        `NextItemModel (${arch}, dim 64, 2 layers)`,
        await exportOnnx(m, { topK: TOP }),
        feeds,
        `${B} histories × ${T} events, ${items} items`,
        async (out) => {
          const ranked = await m.recommendNextBatch(hs, { k: items, excludeSeen: false });
          const full = new Float32Array(B * items);
          ranked.forEach((r, b) => r.forEach(({ item, score }) => (full[b * items + (item as number)] = score)));
          return maxAbsDiff(out.scores!.data as Float32Array, full).toExponential(1);
        },
        () => m.recommendNextBatch(hs, { k: TOP, excludeSeen: false }),
      ),
    );
    m.dispose();
  }

  return report(rows);
}

function report(rows: Row[]): void {
  const table = markdownTable(
    ['model', 'ONNX ops', 'file (KB)', 'max |ORT − attune|', 'batch', 'onnxruntime-node (ms)', 'attune cpu (ms)'],
    rows.map((r) => [r.model, r.ops, fmt(r.kb, 1), r.maxDiff, r.batch, fmt(r.ortMs), fmt(r.attuneMs)]),
  );
  console.log(table);
  writeResults(ONLY ? `onnx-${ONLY.join('-')}` : 'onnx', { env: environment(), rows }, table);
}

const WORDS = [
  'great',
  'good',
  'fine',
  'works',
  'love',
  'bad',
  'broke',
  'awful',
  'slow',
  'refund',
  'the',
  'it',
  'a',
  'product',
];

/** TextClassifier, both encoders: probabilities of 256 texts of up to 24 words. */
async function textRows(): Promise<Row[]> {
  const rng = new Rng(3);
  const texts = Array.from({ length: 512 }, () =>
    Array.from({ length: 4 + Math.floor(rng.float() * 20) }, () => WORDS[Math.floor(rng.float() * WORDS.length)]).join(
      ' ',
    ),
  );
  const labels = texts.map((t) => (/great|good|love|works/.test(t) ? 'pos' : 'neg'));
  const out: Row[] = [];
  for (const encoder of ['bilstm', 'transformer'] as const) {
    const model = TextClassifier.fromTexts(texts, labels, {
      encoder,
      dim: 32,
      hidden: 32,
      layers: 2,
      heads: 2,
      maxLen: 24,
      minCount: 1,
      seed: 1,
    });
    await model.fit(texts, labels, { epochs: 1 });
    const batch = texts.slice(0, 256);
    const enc = encodeTexts('bench', model.vocabulary, batch, model.maxLen);
    const T = Math.max(...enc.map((e) => e.ids.length));
    const feeds = {
      tokens: int64(
        enc.flatMap((e) => Array.from({ length: T }, (_, t) => e.ids[t] ?? 0)),
        [batch.length, T],
      ),
      lengths: int64(
        enc.map((e) => e.ids.length),
        [batch.length],
      ),
    };
    out.push(
      await measure(
        `TextClassifier (${encoder}, dim 32, 2 layers)`,
        await exportOnnx(model),
        feeds,
        `${batch.length} texts × ≤ ${T} tokens`,
        async (o) =>
          maxAbsDiff(o.probabilities!.data as Float32Array, (await model.predict(batch)).flat()).toExponential(1),
        () => model.predict(batch),
      ),
    );
    model.dispose();
  }
  return out;
}

/** Seq2Seq, both architectures, copying on: greedy decoding of 32 keyword sets. */
async function seq2seqRows(): Promise<Row[]> {
  const rng = new Rng(4);
  const topics = ['winter', 'summer', 'shoes', 'coats', 'sale', 'new', 'gifts', 'kids'];
  const pairs = Array.from({ length: 200 }, () => {
    const k = [topics[Math.floor(rng.float() * 8)]!, topics[Math.floor(rng.float() * 8)]!];
    return { keywords: k, text: `${k[0]} deals on ${k[1]} this week only` };
  });
  const vocabulary = Vocabulary.build(pairs.flatMap((p) => [p.text, ...p.keywords]));
  const queries = Array.from({ length: 32 }, (_, i) => [
    topics[i % 8]!,
    topics[(i * 3 + 1) % 8]!,
    i % 5 === 0 ? 'brandnew' : 'sale',
  ]);
  const out: Row[] = [];
  for (const arch of ['lstm', 'transformer'] as const) {
    const model = new Seq2Seq({ arch, vocabulary, dim: 32, layers: 2, heads: 2, maxLen: 12, seed: 1 });
    // Enough training that greedy texts are real sentences, so "texts equal" compares words, not one repeated token.
    await model.fit(pairs, { epochs: 8, lr: 0.01, batchSize: 16 });
    const { encoder, step } = await exportSeq2Seq(model);
    const sessions = {
      encoder: await ort.InferenceSession.create(encoder),
      step: await ort.InferenceSession.create(step),
    };
    // Max difference: encoder memory at the words, then three steps' next-token probabilities.
    const src = sourceBatch(
      vocabulary,
      queries.map((q) => sourceWords(vocabulary, 'bench', q, 'q', model.maxLen)),
    );
    const { B, S } = src;
    const enc = await sessions.encoder.run({ source: int64(src.ids, [B, S]), lengths: int64(src.lengths, [B]) });
    let state = model.start(src, true);
    const d = model.dim;
    const mem = (await state.enc.memory.data()) as Float32Array;
    let diff = 0;
    for (let b = 0; b < B; b++) {
      const n = src.lengths[b]! * d;
      diff = Math.max(
        diff,
        maxAbsDiff(
          (enc.memory!.data as Float32Array).subarray(b * S * d, b * S * d + n),
          mem.subarray(b * S * d, b * S * d + n),
        ),
      );
    }
    let ortState: Record<string, ort.Tensor> = {};
    for (const [k, t] of Object.entries(enc)) if (k.startsWith('state.')) ortState[k] = t;
    for (const token of [1, vocabulary.idOf('deals'), vocabulary.idOf('on')]) {
      const tokens = new Int32Array(B).fill(token);
      const feeds: Record<string, ort.Tensor> = { token: int64(tokens, [B]), srcExt: int64(src.ext, [B, S]) };
      for (const name of sessions.step.inputNames)
        if (!(name in feeds)) feeds[name] = (name.startsWith('state.') ? ortState : enc)[name]!;
      const o = await sessions.step.run(feeds);
      const r = model.step(state, tokens);
      const mine = (await r.logp.data()) as Float32Array;
      diff = Math.max(diff, maxAbsDiff((o.logp!.data as Float32Array).map(Math.exp), mine.map(Math.exp)));
      ortState = {};
      for (const [k, t] of Object.entries(o)) if (k.startsWith('next.')) ortState[`state.${k.slice(5)}`] = t;
      state = r.next;
    }
    const viaOrt = () => seq2seqGreedy(sessions, ort, vocabulary, queries, { maxLen: model.maxLen });
    const texts = await viaOrt();
    const mine = await model.generateBatch(queries);
    const same = texts.filter((t, i) => t === mine[i]).length;
    const ortMs = await timeMs(viaOrt);
    const attuneMs = await timeMs(() => model.generateBatch(queries));
    const ops = [...new Set([...describe(encoder).ops, ...describe(step).ops])].sort();
    out.push({
      model: `Seq2Seq (${arch}, copy, dim 32, 2+2 layers): encoder + step`,
      ops: ops.join(', '),
      kb: (encoder.length + step.length) / 1024,
      maxDiff: `${diff.toExponential(1)}; greedy texts equal ${same}/${B}`,
      batch: `${B} keyword sets, greedy, ≤ ${model.maxLen} tokens`,
      ortMs,
      attuneMs,
    });
    await sessions.encoder.release();
    await sessions.step.release();
    model.dispose();
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
