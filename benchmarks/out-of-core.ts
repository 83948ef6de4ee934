/**
 * Out-of-core MF: StreamingMatrixFactorization.fitStream over a Parquet file read in chunks,
 * against the in-memory path (readInteractionsParquet → Interactions → MatrixFactorization.fit)
 * on the same file, with the same hyper-parameters and epochs. Each contender runs in its own
 * child process so its peak RSS (process.resourceUsage().maxRSS) is its own.
 *
 * The file is generated once into the OS temp folder (not the repository): `--rows` rows
 * (default 20,000,000) of users rows/100, items rows/1000, ratings from a planted rank-4 model
 * plus noise, in row groups of 1,000,000, in random order.
 *
 *   nice -n 15 node --import tsx --import ./benchmarks/wgsl-loader.mjs benchmarks/out-of-core.ts --rows=20000000 --epochs=1
 *
 * `--model=bpr` runs StreamingBPR.fitStream against BPR.fit instead (values ignored; the
 * loss column is then BPR's mean loss per row).
 *
 * Reported: peak RSS, wall and process CPU time, the training epochs' time (after the id pass
 * or the load) as wall and CPU seconds and as rows/s, and the last epoch's training loss (RMSE
 * for MF; the two fits should agree). On a shared machine the CPU figures are the steady ones.
 */
import { existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParquetWriter, fileWriter } from 'hyparquet-writer';
import { Rng } from '../src/core/random.js';
import { readInteractionsParquet, readInteractionsParquetStream } from '../src/data/parquet-interactions.js';
import { MatrixFactorization } from '../src/models/mf.js';
import { StreamingMatrixFactorization } from '../src/models/streaming-fit.js';
import { BPR } from '../src/models/bpr.js';
import { StreamingBPR } from '../src/models/streaming-bpr.js';
import { environment, fmt, markdownTable, numberArg, runInChildProcesses, writeResults } from './harness.js';

const ROWS = numberArg('rows', 20_000_000);
const EPOCHS = numberArg('epochs', 1);
const K = numberArg('factors', 16);
const CHUNK = numberArg('chunk', 262_144);
const OPTS = { factors: K, epochs: EPOCHS, lr: 0.01, reg: 0.02, seed: 1 };
const MODEL = process.argv.find((a) => a.startsWith('--model='))?.slice(8) ?? 'mf';
if (MODEL !== 'mf' && MODEL !== 'bpr') throw new Error(`out-of-core: --model must be mf or bpr; got ${MODEL}`);

async function generate(path: string): Promise<void> {
  const users = Math.max(10, Math.floor(ROWS / 100));
  const items = Math.max(10, Math.floor(ROWS / 1000));
  const rng = new Rng(7);
  const uf = rng.normalArray(users * 4, 0.5);
  const vf = rng.normalArray(items * 4, 0.5);
  const writer = new ParquetWriter({
    writer: fileWriter(path),
    schema: [
      { name: 'spark_schema', num_children: 3 },
      { name: 'user', type: 'INT32', repetition_type: 'REQUIRED' },
      { name: 'item', type: 'INT32', repetition_type: 'REQUIRED' },
      { name: 'rating', type: 'FLOAT', repetition_type: 'REQUIRED' },
    ],
  });
  const group = 1_000_000;
  for (let s = 0; s < ROWS; s += group) {
    const n = Math.min(group, ROWS - s);
    const u = new Int32Array(n);
    const i = new Int32Array(n);
    const r = new Float32Array(n);
    for (let j = 0; j < n; j++) {
      const a = Math.floor(rng.float() * users);
      const b = Math.floor(rng.float() * items);
      let dot = 0;
      for (let f = 0; f < 4; f++) dot += uf[a * 4 + f]! * vf[b * 4 + f]!;
      u[j] = a;
      i[j] = b;
      r[j] = 3 + dot + (rng.float() - 0.5) * 0.5;
    }
    await writer.write({
      columnData: [
        { name: 'user', data: u },
        { name: 'item', data: i },
        { name: 'rating', data: r },
      ],
      rowGroupSize: group,
    });
  }
  writer.finish();
}

interface ChildResult {
  mode: string;
  peakRssMb: number;
  seconds: number;
  trainSeconds: number;
  rowsPerSec: number;
  /** Process CPU time (user + system), s: load on the shared machine stretches wall time, not this. */
  cpuSeconds: number;
  /** CPU time of the training epochs alone (after the id pass or the load). */
  trainCpuSeconds: number;
  rmse: number;
}

async function child(mode: string, path: string): Promise<ChildResult> {
  const t0 = performance.now();
  let tTrain = t0;
  const cpuNow = () => (process.cpuUsage().user + process.cpuUsage().system) / 1e6;
  let cpuTrain = 0;
  let rmse = NaN;
  const onEpoch = (e: { loss: number }) => {
    rmse = e.loss;
  };
  if (mode === 'stream') {
    const model = MODEL === 'bpr' ? new StreamingBPR(OPTS) : new StreamingMatrixFactorization(OPTS);
    let first = true;
    await model.fitStream(
      () => {
        // The id pass is the first read; training starts at the second.
        if (!first && tTrain === t0) {
          tTrain = performance.now();
          cpuTrain = cpuNow();
        }
        first = false;
        return readInteractionsParquetStream(path, { value: 'rating' }, { batchRows: CHUNK });
      },
      { onEpoch },
    );
  } else {
    const data = await readInteractionsParquet(path, { value: 'rating' }, { duplicates: 'keep' });
    tTrain = performance.now();
    cpuTrain = cpuNow();
    await (MODEL === 'bpr' ? new BPR(OPTS) : new MatrixFactorization(OPTS)).fit(data, { onEpoch });
  }
  const t1 = performance.now();
  return {
    mode,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    seconds: (t1 - t0) / 1000,
    trainSeconds: (t1 - tTrain) / 1000,
    rowsPerSec: (ROWS * EPOCHS) / ((t1 - tTrain) / 1000),
    cpuSeconds: cpuNow(),
    trainCpuSeconds: cpuNow() - cpuTrain,
    rmse,
  };
}

export async function run(): Promise<void> {
  const path = join(tmpdir(), `attune-ooc-${ROWS}.parquet`);
  const results = await runInChildProcesses<ChildResult>(
    'out-of-core',
    ['stream', 'memory'],
    (mode) => child(mode, path),
    async () => {
      if (existsSync(path)) return;
      const t = performance.now();
      await generate(path);
      console.log(`generated ${path} (${ROWS} rows) in ${fmt((performance.now() - t) / 1000, 1)} s`);
    },
  );
  if (!results) return;
  const table = markdownTable(
    [
      'fit',
      'rows',
      'epochs',
      'peak RSS (MB)',
      'wall (s)',
      'CPU (s)',
      'training wall (s)',
      'training CPU (s)',
      'rows/s (training wall)',
      'rows per CPU s (training)',
      MODEL === 'bpr' ? 'train loss' : 'train RMSE',
    ],
    results.map((r) => [
      `${MODEL === 'bpr' ? 'BPR' : 'MF'}: ${r.mode === 'stream' ? `fitStream (chunks of ${CHUNK})` : 'in memory (readInteractionsParquet + fit)'}`,
      ROWS,
      EPOCHS,
      fmt(r.peakRssMb, 0),
      fmt(r.seconds, 1),
      fmt(r.cpuSeconds, 1),
      fmt(r.trainSeconds, 1),
      fmt(r.trainCpuSeconds, 1),
      fmt(r.rowsPerSec, 0),
      fmt((ROWS * EPOCHS) / r.trainCpuSeconds, 0),
      fmt(r.rmse, 4),
    ]),
  );
  console.log(table);
  console.log(
    `load average (1, 5, 15 min) at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')}`,
  );
  writeResults(
    MODEL === 'bpr' ? 'out-of-core-bpr' : 'out-of-core',
    { env: environment(), model: MODEL, rows: ROWS, epochs: EPOCHS, factors: K, chunk: CHUNK, results },
    table,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
