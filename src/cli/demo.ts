import type { BackendName } from '../backends/backend.js';
import { ready, type ReadyInfo } from '../backends/registry.js';
import { TabularEncoder } from '../data/encoder.js';
import { Interactions } from '../data/interactions.js';
import { Rng } from '../core/random.js';
import { rfmFeatures } from '../data/rfm.js';
import { leaveLastOut } from '../data/split.js';
import { syntheticShop, type SyntheticShop } from '../data/synthetic.js';
import { ValueError } from '../core/errors.js';
import { silhouetteScore } from '../metrics/clustering.js';
import { hitRateAtK, ndcgAtK } from '../metrics/ranking.js';
import { BPR } from '../models/bpr.js';
import { ChurnClassifier, type ChurnReport } from '../models/churn.js';
import { ItemKNN } from '../models/itemknn.js';
import { KMeans } from '../models/kmeans.js';
import { Popularity } from '../models/popularity.js';
import type { Recommender } from '../models/recommender.js';
import { segmentProfiles, type SegmentProfile } from '../models/segmentation.js';
import { NextItemModel } from '../models/sequence/next-item.js';
import { Seq2Seq } from '../models/sequence/seq2seq.js';
import { Vocabulary } from '../models/sequence/vocabulary.js';

/** Options of {@link runDemo} (and of `attune demo`). */
export interface DemoOptions {
  /** `'auto'` (default): WebGPU when an adapter answers, else the CPU; or force one. */
  backend?: 'auto' | 'cpu' | 'webgpu';
  /** Seeds the shop and every model; default 7. */
  seed?: number;
  /** Customers in the synthetic shop; default 5000 (1500 with `quick`). */
  customers?: number;
  /** A smaller shop (1500 customers, 150 items, 150 days) and fewer epochs, for tests and a first look. */
  quick?: boolean;
  /** Train the sequence models (next item, subject lines), the slowest part on a CPU; default true. */
  sequences?: boolean;
}

/** A recommended item with its catalogue entry, as the demo prints it. */
export interface DemoItem {
  item: number;
  name: string;
  category: string;
  score: number;
}

/** The figures {@link runDemo} prints, for tests and for callers that want them as data. */
export interface DemoResult {
  backend: ReadyInfo;
  data: {
    customers: number;
    items: number;
    events: number;
    purchases: number;
    /** First and last event as ISO dates (YYYY-MM-DD). */
    from: string;
    to: string;
    /** Distinct (customer, item) pairs with a cart or purchase: the implicit interactions. */
    interactions: number;
  };
  recommend: {
    k: number;
    /** Customers evaluated by leave-last-out. */
    testUsers: number;
    bpr: { hitRate: number; ndcg: number };
    popularity: { hitRate: number; ndcg: number };
    /** The customer whose top 5 are shown, and the item held out for them. */
    customer: number;
    heldOut: number;
    top: DemoItem[];
    /** "Customers who bought `anchor` also bought": ItemKNN neighbours. */
    anchor: DemoItem;
    alsoBought: DemoItem[];
  };
  segments: {
    k: number;
    /** Customers with at least one purchase (RFM is defined for buyers only). */
    customers: number;
    silhouette: number;
    profiles: SegmentProfile[];
  };
  churn: {
    trainRows: number;
    testRows: number;
    features: string[];
    /** Test-set report on calibrated probabilities. */
    report: ChurnReport;
    /** ECE of the raw (uncalibrated) probabilities on the same rows, for comparison. */
    eceUncalibrated: number;
    platt: { a: number; b: number } | null;
  };
  /** Null when `sequences: false`. */
  sequences: {
    /** Customers whose last event was held out (each has at least 3 events). */
    users: number;
    /** HR@10 of the next-item transformer and of popularity on the held-out next event. */
    nextItem: { hitRate: number };
    popularity: { hitRate: number };
    /** Held-out subject lines: the keywords, the line written from them, and the real one. */
    subjects: { keywords: string[]; generated: string; reference: string }[];
  } | null;
  /** Wall time of each section in seconds. */
  seconds: { data: number; recommend: number; segments: number; churn: number; sequences: number; total: number };
}

const DAY_MS = 86_400_000;

function sizes(o: DemoOptions): {
  customers: number;
  items: number;
  days: number;
  bprEpochs: number;
  churnEpochs: number;
  sequences: number;
  seqEpochs: number;
  subjectEpochs: number;
} {
  const quick = o.quick === true;
  const customers = o.customers ?? (quick ? 1500 : 5000);
  if (!Number.isInteger(customers) || customers < 50)
    throw new ValueError(`demo: customers must be an integer ≥ 50; got ${customers}`);
  return quick
    ? {
        customers,
        items: 150,
        days: 150,
        bprEpochs: 25,
        churnEpochs: 40,
        sequences: 500,
        seqEpochs: 5,
        subjectEpochs: 10,
      }
    : {
        customers,
        items: 200,
        days: 180,
        bprEpochs: 30,
        churnEpochs: 60,
        sequences: 800,
        seqEpochs: 8,
        subjectEpochs: 15,
      };
}

/**
 * The whole attune pipeline on the built-in synthetic shop: pick a backend, fit BPR and compare
 * it with popularity by leave-last-out HR@10 / NDCG@10, show recommendations and "also bought"
 * items (ItemKNN), segment buyers by RFM + k-means, and train a calibrated churn classifier on a
 * stratified train/test split. Every line goes to `log`; the figures come back as a
 * {@link DemoResult}. Seeded: the same options give the same figures on the same backend.
 */
export async function runDemo(
  options: DemoOptions = {},
  log: (line: string) => void = console.log,
): Promise<DemoResult> {
  const seed = options.seed ?? 7;
  if (!Number.isInteger(seed) || seed < 0)
    throw new ValueError(`demo: seed must be a non-negative integer; got ${seed}`);
  const request = options.backend ?? 'auto';
  if (request !== 'auto' && request !== 'cpu' && request !== 'webgpu') {
    throw new ValueError(`demo: backend must be 'auto', 'cpu' or 'webgpu'; got ${JSON.stringify(request)}`);
  }
  const size = sizes(options);
  const tStart = performance.now();
  let t = tStart;
  const lap = (): number => {
    const now = performance.now();
    const s = (now - t) / 1000;
    t = now;
    return s;
  };

  log(
    `attune demo — recommendations, segmentation and churn on a synthetic shop (seed ${seed}${options.quick ? ', quick' : ''})`,
  );

  // ── Backend ────────────────────────────────────────────────────────────────────────────────
  section(log, 'Backend');
  const backend = await ready({ backend: request });
  log(`requested ${request}; using ${backend.backend} (${backend.description})`);
  if (backend.fallbackReason) log(`fallback: ${backend.fallbackReason}`);
  // The factor models have cpu and webgpu kernels; gpujs (which `auto` may pick) only speeds up matmul.
  const factorBackend: BackendName = backend.backend === 'webgpu' ? 'webgpu' : 'cpu';

  // ── Data ───────────────────────────────────────────────────────────────────────────────────
  section(log, 'Data');
  const shop = syntheticShop({ customers: size.customers, items: size.items, days: size.days, seed, subjects: 200 });
  const ev = shop.events;
  const nEvents = ev.time.length;
  const dateOf = (day: number): string => new Date(shop.start.getTime() + day * DAY_MS).toISOString().slice(0, 10);
  const from = dateOf(ev.time[0] ?? 0);
  const to = dateOf(ev.time[nEvents - 1] ?? 0);
  const typeCount = { view: 0, cart: 0, purchase: 0 };
  for (const ty of ev.type) typeCount[ty]++;
  // Carts and purchases are the implicit positives; a repeated pair keeps its latest time, so
  // leave-last-out holds out each customer's most recent new item.
  const rows: number[] = [];
  for (let e = 0; e < nEvents; e++) if (ev.type[e] !== 'view') rows.push(e);
  const interactions = Interactions.fromArrays(
    {
      users: rows.map((e) => ev.customer[e]!),
      items: rows.map((e) => ev.item[e]!),
      times: rows.map((e) => ev.time[e]!),
    },
    { duplicates: 'sum' },
  );
  const churned = shop.churn.label.reduce((s, v) => s + v, 0);
  log(
    `customers      ${fmtInt(shop.customers.length)}  (${fmtPct(churned / shop.customers.length)} churned before the end of the log)`,
  );
  log(`items          ${fmtInt(shop.items.length)} in ${shop.categories.length} categories`);
  log(
    `events         ${fmtInt(nEvents)}: ${fmtInt(typeCount.view)} views, ${fmtInt(typeCount.cart)} carts, ${fmtInt(typeCount.purchase)} purchases`,
  );
  log(`date range     ${from} to ${to} (${shop.days} days)`);
  log(
    `interactions   ${fmtInt(interactions.length)} distinct (customer, item) carts/purchases from ${fmtInt(interactions.numUsers)} customers`,
  );
  const data = {
    customers: shop.customers.length,
    items: shop.items.length,
    events: nEvents,
    purchases: typeCount.purchase,
    from,
    to,
    interactions: interactions.length,
  };
  const secData = lap();

  // ── Recommendations ────────────────────────────────────────────────────────────────────────
  section(log, 'Recommendations');
  const k = 10;
  const split = leaveLastOut(interactions);
  const bpr = await new BPR({
    factors: 32,
    epochs: size.bprEpochs,
    lr: 0.05,
    reg: 0.005,
    seed,
    backend: factorBackend,
  }).fit(split.train);
  const pop = await new Popularity().fit(split.train);
  const testUsers = split.test.users;
  const relevant = Array.from(split.test.items, (i) => [i]);
  const rank = async (m: Recommender): Promise<{ hitRate: number; ndcg: number }> => {
    const top = await m.topKIndices(testUsers, { k });
    const lists = top.map((x) => x.items);
    return { hitRate: hitRateAtK(lists, relevant, k), ndcg: ndcgAtK(lists, relevant, k) };
  };
  const bprScore = await rank(bpr);
  const popScore = await rank(pop);
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
  const recommend = {
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
  const secRec = lap();

  // ── Segmentation ───────────────────────────────────────────────────────────────────────────
  section(log, 'Segmentation');
  const asOf = shop.start.getTime() + shop.days * DAY_MS;
  const rfm = rfmFeatures(shop.transactions, { asOf });
  const X = rfm.matrix('standardized');
  const km = await new KMeans({ k: 4, seed, nInit: 4 }).fit(X);
  const profiles = segmentProfiles(rfm, km.labels);
  const silhouette = silhouetteScore(X.data, 3, km.labels, { sampleSize: 1000, seed });
  log(
    `RFM features of ${fmtInt(rfm.customers.length)} buyers as of ${dateOf(shop.days)} (log1p, z-scored), k-means k=4 (k-means++, 4 restarts)`,
  );
  table(
    log,
    ['segment', 'customers', 'share', 'recency (d)', 'orders', 'spend', 'R F M'],
    profiles.map((p) => [
      p.name,
      fmtInt(p.size),
      fmtPct(p.share),
      fmt(p.median.recency!, 0),
      fmt(p.median.frequency!, 0),
      fmt(p.median.monetary!, 0),
      `${fmt(p.mean.rScore!, 1)} ${fmt(p.mean.fScore!, 1)} ${fmt(p.mean.mScore!, 1)}`,
    ]),
    'lrrrrrr',
  );
  log(
    `medians per segment; R F M = mean quintile scores (5 = best); silhouette ${fmt(silhouette, 3)}, inertia ${fmt(km.inertia, 1)}`,
  );
  const segments = { k: 4, customers: rfm.customers.length, silhouette, profiles };
  const secSeg = lap();

  // ── Churn ──────────────────────────────────────────────────────────────────────────────────
  section(log, 'Churn');
  const cols = shop.churn.columns;
  const numeric = ['tenure', 'recency', 'frequency', 'monetary', 'sessions', 'views', 'carts'] as const;
  // The latent segment is left out: a real shop would not know it.
  const { train: trainRows, test: testRows } = stratifiedSplit(shop.churn.label, 0.3, seed);
  const pickRows = (rows: number[]): Record<string, (string | number)[]> => {
    const out: Record<string, (string | number)[]> = { plan: rows.map((r) => cols.plan[r]!) };
    for (const c of numeric) out[c] = rows.map((r) => cols[c][r]!);
    return out;
  };
  const enc = new TabularEncoder({ numeric, categorical: ['plan'] });
  const Xtrain = enc.fitTransform(pickRows(trainRows));
  const Xtest = enc.transform(pickRows(testRows));
  const yTrain = Uint8Array.from(trainRows, (r) => shop.churn.label[r]!);
  const yTest = Uint8Array.from(testRows, (r) => shop.churn.label[r]!);
  const clf = await new ChurnClassifier({
    hidden: [16],
    epochs: size.churnEpochs,
    lr: 0.02,
    calibration: 'platt',
    seed,
  }).fit(Xtrain, yTrain);
  const report = await clf.evaluate(Xtest, yTest);
  const raw = await clf.evaluate(Xtest, yTest, { calibrated: false });
  const state = clf.calibratorState;
  const platt = state && 'a' in state ? { a: state.a, b: state.b } : null;
  clf.dispose();
  log(`${Xtrain.cols} features (${Xtrain.names.join(', ')})`);
  log(
    `stratified split: ${fmtInt(trainRows.length)} train (20% of it held out for Platt scaling) / ${fmtInt(testRows.length)} test; MLP (16 ReLU units), ${size.churnEpochs} epochs of Adam`,
  );
  if (platt)
    log(
      `Platt scaling on the held-out 20%: p = sigmoid(${fmt(platt.a, 3)}·logit ${platt.b < 0 ? '−' : '+'} ${fmt(Math.abs(platt.b), 3)})`,
    );
  table(
    log,
    ['metric (test set)', 'value'],
    [
      ['ROC-AUC', fmt(report.rocAuc, 3)],
      ['PR-AUC', `${fmt(report.prAuc, 3)}  (base rate ${fmt(report.baseRate, 3)})`],
      ['Brier score', fmt(report.brier, 4)],
      ['log loss', fmt(report.logLoss, 4)],
      ['ECE (10 bins)', `${fmt(report.ece, 4)}  (before calibration ${fmt(raw.ece, 4)})`],
      [
        'lift, top decile',
        `${fmt(report.liftAtDecile, 2)}×  (${fmtPct(report.precisionAtDecile)} churn there; ${fmtPct(report.recallAtDecile)} of all churners)`,
      ],
    ],
    'll',
  );
  const cal = report.calibration;
  const calRows: string[][] = [];
  for (let b = 0; b < cal.count.length; b++) {
    if (cal.count[b] === 0) continue;
    calRows.push([
      `${fmt(cal.edges[b]!, 1)}–${fmt(cal.edges[b + 1]!, 1)}`,
      fmtInt(cal.count[b]!),
      fmt(cal.meanPredicted[b]!, 3),
      fmt(cal.fractionPositive[b]!, 3),
    ]);
  }
  log('reliability (calibrated):');
  table(log, ['predicted', 'rows', 'mean p', 'observed'], calRows, 'lrrr');
  const churn = {
    trainRows: trainRows.length,
    testRows: testRows.length,
    features: Xtrain.names,
    report,
    eceUncalibrated: raw.ece,
    platt,
  };
  const secChurn = lap();

  // ── Sequences ──────────────────────────────────────────────────────────────────────────────
  // (the sequence models come last and can be skipped: they are the slowest part on a CPU)
  const sequences = options.sequences === false ? null : await sequenceSection(shop, size, seed, k, log);
  const secSeq = lap();

  const total = (performance.now() - tStart) / 1000;
  section(log, 'Timing');
  log(
    `data ${fmt(secData, 1)} s · recommendations ${fmt(secRec, 1)} s · segmentation ${fmt(secSeg, 1)} s · churn ${fmt(secChurn, 1)} s · sequences ${fmt(secSeq, 1)} s · total ${fmt(total, 1)} s`,
  );
  return {
    backend,
    data,
    recommend,
    segments,
    churn,
    sequences,
    seconds: { data: secData, recommend: secRec, segments: secSeg, churn: secChurn, sequences: secSeq, total },
  };
}

/** Next-item prediction on the customers' journeys and subject lines written from keywords. */
async function sequenceSection(
  shop: SyntheticShop,
  size: ReturnType<typeof sizes>,
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

/** Row indices split per class, `testFraction` of each class to test (seeded). */
function stratifiedSplit(labels: Uint8Array, testFraction: number, seed: number): { train: number[]; test: number[] } {
  const rng = new Rng(seed, 'demo.split');
  const train: number[] = [];
  const test: number[] = [];
  for (const cls of [0, 1]) {
    const rows: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === cls) rows.push(i);
    rng.shuffle(rows);
    const n = Math.round(rows.length * testFraction);
    test.push(...rows.slice(0, n));
    train.push(...rows.slice(n));
  }
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}

/** Parses `attune demo` arguments; a ValueError names a bad or unknown one. */
export function parseDemoArgs(args: readonly string[]): DemoOptions {
  const o: DemoOptions = {};
  const value = (i: number, flag: string): string => {
    const v = args[i + 1];
    if (v === undefined || v.startsWith('--')) throw new ValueError(`demo: ${flag} needs a value`);
    return v;
  };
  const int = (s: string, flag: string): number => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0)
      throw new ValueError(`demo: ${flag} must be a non-negative integer; got ${JSON.stringify(s)}`);
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const v = (): string => {
      if (inline !== undefined) return inline;
      return value(i++, flag);
    };
    switch (flag) {
      case '--backend': {
        const b = v();
        if (b !== 'auto' && b !== 'cpu' && b !== 'webgpu')
          throw new ValueError(`demo: --backend must be auto, cpu or webgpu; got ${JSON.stringify(b)}`);
        o.backend = b;
        break;
      }
      case '--seed':
        o.seed = int(v(), flag);
        break;
      case '--customers':
        o.customers = int(v(), flag);
        break;
      case '--quick':
        o.quick = true;
        break;
      case '--no-sequences':
        o.sequences = false;
        break;
      default:
        throw new ValueError(
          `demo: unknown option ${JSON.stringify(a)}; options are --backend auto|cpu|webgpu, --seed N, --customers N, --quick, --no-sequences`,
        );
    }
  }
  return o;
}

// ── Formatting ───────────────────────────────────────────────────────────────────────────────

function section(log: (line: string) => void, title: string): void {
  log('');
  log(`── ${title} ${'─'.repeat(Math.max(3, 72 - title.length))}`);
}

/** A plain-text table; `align` has one letter per column, l (left) or r (right). */
function table(log: (line: string) => void, header: string[], rows: string[][], align: string): void {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]): string =>
    '  ' +
    cells
      .map((s, c) => (align[c] === 'r' ? s.padStart(widths[c]!) : s.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  log(line(header));
  log(`  ${widths.map((w) => '─'.repeat(w)).join('  ')}`);
  for (const r of rows) log(line(r));
}

function fmt(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

function fmtInt(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

function fmtPct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

function fmtRatio(r: number): string {
  return Number.isFinite(r) ? `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(0)}%` : 'n/a';
}
