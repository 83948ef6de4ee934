/**
 * Out-of-core HybridRecommender and NextItemModel: `fitStream` over a Parquet file read in
 * chunks, against the in-memory path on the same file (the same hyper-parameters and epochs).
 * The sibling of out-of-core.ts (MF, BPR); each contender runs in its own child process so its
 * peak RSS (process.resourceUsage().maxRSS) is its own.
 *
 *   nice -n 15 node --import tsx --import ./benchmarks/wgsl-loader.mjs benchmarks/out-of-core-models.ts --model=hybrid --rows=3000000
 *   nice -n 15 node --import tsx --import ./benchmarks/wgsl-loader.mjs benchmarks/out-of-core-models.ts --model=next-item --rows=300000
 *
 * - `--model=hybrid`: `--rows` interaction rows (default 3,000,000) of rows/50 users and rows/500
 *   items in random order; 20 genres, user u likes genre u % 20 and 80% of its rows are items of
 *   that genre. Item features (the genre) are held in memory by both fits. Streamed:
 *   `HybridRecommender.fitStream(() => readInteractionsParquetStream(...), {itemFeatures})`; in
 *   memory: `readInteractionsParquet` + `fit(data, {itemFeatures})`. WARP, 16 factors.
 * - `--model=next-item`: about `--rows` events (default 300,000) as the sequences of rows/8.5
 *   users (6 to 11 events each, rows grouped by user) from a Markov chain over 1,000 items (next
 *   item i+1 with probability 0.5, i+5 with 0.2, else a popularity draw). Streamed:
 *   `NextItemModel.fitStream(() => readInteractionsParquetStream(...))`; in memory: the file read
 *   with `readParquet`, grouped into sequences, `fit(sequences)`. A 1-layer transformer, dim 32,
 *   maxLen 20, batches of 128, full softmax, on the CPU backend.
 *
 * Reported: peak RSS, wall and process CPU time, the training epochs' time (after pass 0 or the
 * load) as wall and CPU seconds and rows per CPU second, and the last epoch's training loss.
 */
import { existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParquetWriter, fileWriter } from 'hyparquet-writer';
import { Rng } from '../src/core/random.js';
import { FeatureMatrix } from '../src/data/features.js';
import { readParquet } from '../src/data/parquet.js';
import { readInteractionsParquet, readInteractionsParquetStream } from '../src/data/parquet-interactions.js';
import { HybridRecommender } from '../src/models/hybrid.js';
import { NextItemModel } from '../src/models/sequence/next-item.js';
import { environment, fmt, markdownTable, numberArg, runInChildProcesses, writeResults } from './harness.js';

const MODEL = process.argv.find((a) => a.startsWith('--model='))?.slice(8) ?? 'hybrid';
if (MODEL !== 'hybrid' && MODEL !== 'next-item')
  throw new Error(`out-of-core-models: --model must be hybrid or next-item; got ${MODEL}`);
const HYBRID = MODEL === 'hybrid';
const ROWS = numberArg('rows', HYBRID ? 3_000_000 : 300_000);
const EPOCHS = numberArg('epochs', 1);
const CHUNK = numberArg('chunk', HYBRID ? 262_144 : 16_384);
const GENRES = 20;
const CATALOG = 1000;
const USERS = Math.max(10, Math.floor(HYBRID ? ROWS / 50 : ROWS / 8.5));
const ITEMS = HYBRID ? Math.max(GENRES, Math.floor(ROWS / 500)) : CATALOG;
const HYBRID_OPTS = { factors: 16, epochs: EPOCHS, seed: 1 };
const SEQ_OPTS = {
  numItems: CATALOG,
  dim: 32,
  layers: 1,
  heads: 1,
  maxLen: 20,
  dropout: 0,
  seed: 1,
  backend: 'cpu' as const,
};
const SEQ_FIT = { epochs: EPOCHS, batchSize: 128, lr: 5e-3 };
/** NextItemModel: stop after this many batches (an abort signal), so a large file measures memory in minutes. */
const BATCHES = numberArg('batches', Infinity);

/** Writes the file: user and item INT32 columns, in row groups of 1,000,000. */
async function generate(path: string): Promise<number> {
  const rng = new Rng(7);
  const users: number[] = [];
  const items: number[] = [];
  if (HYBRID) {
    const perGenre = Math.floor(ITEMS / GENRES);
    for (let r = 0; r < ROWS; r++) {
      const u = rng.int(USERS);
      users.push(u);
      items.push(rng.float() < 0.8 ? (u % GENRES) + GENRES * rng.int(perGenre) : rng.int(ITEMS));
    }
  } else {
    const cumulative: number[] = [];
    for (let j = 0, s = 0; j < CATALOG; j++) cumulative.push((s += 1 / (1 + j)));
    const total = cumulative.at(-1)!;
    const popular = () => {
      const x = rng.float() * total;
      let lo = 0;
      let hi = CATALOG - 1;
      while (lo < hi) {
        const m = (lo + hi) >> 1;
        if (cumulative[m]! < x) lo = m + 1;
        else hi = m;
      }
      return lo;
    };
    for (let u = 0; u < USERS; u++) {
      let i = popular();
      const len = 6 + rng.int(6);
      for (let t = 0; t < len; t++) {
        users.push(u);
        items.push(i);
        const p = rng.float();
        i = p < 0.5 ? (i + 1) % CATALOG : p < 0.7 ? (i + 5) % CATALOG : popular();
      }
    }
  }
  const writer = new ParquetWriter({
    writer: fileWriter(path),
    schema: [
      { name: 'spark_schema', num_children: 2 },
      { name: 'user', type: 'INT32', repetition_type: 'REQUIRED' },
      { name: 'item', type: 'INT32', repetition_type: 'REQUIRED' },
    ],
  });
  const group = 1_000_000;
  for (let s = 0; s < users.length; s += group) {
    await writer.write({
      columnData: [
        { name: 'user', data: Int32Array.from(users.slice(s, s + group)) },
        { name: 'item', data: Int32Array.from(items.slice(s, s + group)) },
      ],
      rowGroupSize: group,
    });
  }
  writer.finish();
  return users.length;
}

interface ChildResult {
  mode: string;
  rows: number;
  peakRssMb: number;
  seconds: number;
  cpuSeconds: number;
  trainSeconds: number;
  trainCpuSeconds: number;
  /** Batches trained (NextItemModel). */
  batches: number;
  loss: number;
}

const cpuNow = () => (process.cpuUsage().user + process.cpuUsage().system) / 1e6;

async function child(mode: string, path: string): Promise<ChildResult> {
  const t0 = performance.now();
  let tTrain = t0;
  let cpuTrain = 0;
  let loss = NaN;
  let rows = 0;
  let batches = 0;
  const startTraining = () => {
    tTrain = performance.now();
    cpuTrain = cpuNow();
  };
  let reads = 0;
  const stream = () => {
    // Pass 0 is the first read; training starts at the second.
    if (reads++ === 1) startTraining();
    return readInteractionsParquetStream(path, {}, { batchRows: CHUNK });
  };
  if (HYBRID) {
    const ids = Array.from({ length: ITEMS }, (_, i) => i);
    const itemFeatures = FeatureMatrix.fromColumns(ids, { genre: ids.map((i) => `g${i % GENRES}`) });
    const onEpoch = (e: { loss: number }) => {
      loss = e.loss;
    };
    const model = new HybridRecommender(HYBRID_OPTS);
    if (mode === 'stream') {
      await model.fitStream(stream, { itemFeatures, onEpoch });
      rows = ROWS;
    } else {
      const data = await readInteractionsParquet(path, {}, { duplicates: 'keep' });
      rows = data.users.length;
      startTraining();
      await model.fit(data, { itemFeatures, onEpoch });
    }
  } else {
    const model = new NextItemModel({ ...SEQ_OPTS, itemIds: Array.from({ length: CATALOG }, (_, i) => i) });
    const controller = new AbortController();
    const limit = {
      ...SEQ_FIT,
      signal: controller.signal,
      onProgress: () => {
        batches++;
        if (batches >= BATCHES) controller.abort(new Error('batch limit'));
      },
      onEpoch: (e: { loss: number }) => {
        loss = e.loss;
      },
    };
    try {
      if (mode === 'stream') {
        await model.fitStream(stream, limit);
      } else {
        const b = await readParquet(path, { columns: { user: 'id', item: 'id' } });
        const users = b.columns.user as number[];
        const items = b.columns.item as number[];
        rows = users.length;
        const seqs: number[][] = [];
        for (let r = 0; r < users.length; r++) {
          if (r === 0 || users[r] !== users[r - 1]) seqs.push([]);
          seqs[seqs.length - 1]!.push(items[r]!);
        }
        startTraining();
        await model.fit(seqs, limit);
      }
    } catch (e) {
      if (!controller.signal.aborted) throw e;
    }
  }
  const t1 = performance.now();
  return {
    mode,
    rows,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    seconds: (t1 - t0) / 1000,
    cpuSeconds: cpuNow(),
    trainSeconds: (t1 - tTrain) / 1000,
    trainCpuSeconds: cpuNow() - cpuTrain,
    batches,
    loss,
  };
}

export async function run(): Promise<void> {
  const path = join(tmpdir(), `attune-ooc-${MODEL}-${ROWS}.parquet`);
  let rows = ROWS;
  const results = await runInChildProcesses<ChildResult>(
    'out-of-core-models',
    ['stream', 'memory'],
    (mode) => child(mode, path),
    async () => {
      if (existsSync(path)) return;
      const t = performance.now();
      rows = await generate(path);
      console.log(`generated ${path} (${rows} rows) in ${fmt((performance.now() - t) / 1000, 1)} s`);
    },
  );
  if (!results) return;
  // The in-memory child counts the rows it read (next-item files hold whole sequences, ~ROWS).
  const events = results.find((r) => r.mode === 'memory')!.rows || rows;
  const name = HYBRID ? 'Hybrid' : 'NextItemModel';
  const table = markdownTable(
    [
      'fit',
      'rows',
      'users',
      'items',
      'epochs',
      'peak RSS (MB)',
      'wall (s)',
      'CPU (s)',
      'training wall (s)',
      'training CPU (s)',
      HYBRID ? 'rows per CPU s (training)' : 'batches of 128 per CPU s (training)',
      'last-epoch loss',
    ],
    results.map((r) => [
      `${name}: ${r.mode === 'stream' ? `fitStream (chunks of ${CHUNK})` : 'in memory (read whole + fit)'}`,
      events,
      USERS,
      ITEMS,
      EPOCHS,
      fmt(r.peakRssMb, 0),
      fmt(r.seconds, 1),
      fmt(r.cpuSeconds, 1),
      fmt(r.trainSeconds, 1),
      fmt(r.trainCpuSeconds, 1),
      HYBRID ? fmt((events * EPOCHS) / r.trainCpuSeconds, 0) : fmt(r.batches / r.trainCpuSeconds, 2),
      typeof r.loss !== 'number' || Number.isNaN(r.loss) ? `stopped after ${r.batches} batches` : fmt(r.loss, 4),
    ]),
  );
  console.log(table);
  console.log(
    `load average (1, 5, 15 min) at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')}`,
  );
  writeResults(
    `out-of-core-${MODEL}`,
    { env: environment(), model: MODEL, rows: events, epochs: EPOCHS, chunk: CHUNK, results },
    table,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
