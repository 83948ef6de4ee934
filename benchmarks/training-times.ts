/**
 * Model training times on the CPU backend, before and after the WebAssembly kernels, in one
 * process: the TypeScript kernels forced (`cpu-ts`, the "before"), then WebAssembly SIMD on one
 * thread and on two. Each workload runs the three configurations back to back (interleaved,
 * `--rounds` times, median), so load from other jobs on a shared machine hits all of them alike;
 * process CPU time (all threads summed) is reported beside wall time.
 *
 * - MF: MatrixFactorization on MovieLens-100k (k = 100, `--mf-epochs`, default 10);
 * - BPR on MovieLens-100k (default options, `--bpr-epochs`, default 10);
 * - k-means on CDNOW's standardized RFM features (k = 4, 3 restarts, as benchmarks/segmentation.ts);
 * - the churn MLP on Telco (hidden [16], 30 epochs, Platt; as benchmarks/churn.ts, all rows);
 * - NextItemModel (transformer, dim 50, 2 layers, sampled softmax, batch 128) for one epoch on a
 *   seeded subset of Amazon Video Games users (`--users`, default 1000); the full-data epoch is
 *   extrapolated by training positions, and the table says so.
 *
 * Every workload first runs once untimed on each configuration (JIT, kernel compiles; a 50-user
 * epoch for NextItemModel).
 *
 *   npm run bench -- training-times [--rounds=1] [--only=MF,BPR]
 *
 * Data are read from ../shared/datasets (never copied into the repository).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/core/random.js';
import { loadMovieLens } from '../src/data/movielens.js';
import * as at from '../src/index.js';
import { BPR, MatrixFactorization, NextItemModel } from '../src/models/index.js';
import { environment, fmt, markdownTable, median, writeResults } from './harness.js';
import { TELCO_CATEGORICAL, TELCO_NUMERIC, TELCO_PATH } from './telco.js';

const DATA = (p: string) => fileURLToPath(new URL(`../../shared/datasets/${p}`, import.meta.url));

interface Config {
  name: string;
  kernels: 'ts' | 'wasm';
  threads: number;
}
const CONFIGS: Config[] = [
  { name: 'TypeScript kernels (cpu-ts)', kernels: 'ts', threads: 1 },
  { name: 'wasm, 1 thread', kernels: 'wasm', threads: 1 },
  { name: 'wasm, 2 threads', kernels: 'wasm', threads: 2 },
];

export interface Workload {
  name: string;
  /** What the timed fit is (shown in the table). */
  what: string;
  /** Multiplies the measured time into the reported one (1 unless extrapolated). */
  scale: number;
  fit(): Promise<unknown>;
  /** An untimed run per configuration first (JIT, kernel compiles); the fit itself unless given. */
  warm?(): Promise<unknown>;
}

function flag(argv: readonly string[], name: string, fallback: number): number {
  const hit = argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split('=')[1]) : fallback;
}

/** The workloads above, data loaded (also used by benchmarks/cpu-pool.ts). */
export async function workloads(argv: readonly string[]): Promise<Workload[]> {
  const ratings = await loadMovieLens(new URL('../../shared/datasets/movielens-100k/u.data', import.meta.url));
  const mfEpochs = flag(argv, 'mf-epochs', 10);
  const bprEpochs = flag(argv, 'bpr-epochs', 10);

  const tx = await at.data.loadCdnow(DATA('cdnow/CDNOW_master.txt'));
  const X = at.data.rfmFeatures(tx, { asOf: Date.UTC(1998, 6, 1) }).matrix('standardized');

  const table = await at.data.readCsvTable(TELCO_PATH);
  const y = at.data.binaryTarget(table.column('Churn'), 'Yes', 'No');
  const columns: Record<string, string[]> = {};
  for (const c of [...TELCO_NUMERIC, ...TELCO_CATEGORICAL]) columns[c] = table.column(c);
  const enc = new at.data.TabularEncoder({ numeric: TELCO_NUMERIC, categorical: TELCO_CATEGORICAL, missing: 'median' });
  const telco = enc.fitTransform(columns);

  // Amazon Video Games: "user item" lines, 1-based item ids; histories in file order.
  const byUser = new Map<string, number[]>();
  let numItems = 0;
  for (const line of readFileSync(DATA('amazon-games/Video.txt'), 'utf8').split('\n')) {
    const [u, i] = line.trim().split(/\s+/);
    if (!u || !i) continue;
    numItems = Math.max(numItems, Number(i));
    let s = byUser.get(u);
    if (!s) byUser.set(u, (s = []));
    s.push(Number(i) - 1);
  }
  // Training sequences as benchmarks/sequence.ts makes them: the last two items held out.
  const all = [...byUser.values()].filter((s) => s.length >= 3).map((s) => s.slice(0, -2));
  const usersWanted = Math.min(flag(argv, 'users', 1000), all.length);
  const pick = new Rng(7, 'benchmarks/training-times', 'sample').shuffle(all.map((_, i) => i)).slice(0, usersWanted);
  const subset = pick.map((i) => all[i]!);
  const positions = (seqs: number[][]) => seqs.reduce((a, s) => a + Math.max(0, s.length - 1), 0);
  const extrapolate = positions(all) / positions(subset);
  const nextItem = (seqs: number[][]) =>
    new NextItemModel({
      arch: 'transformer',
      numItems,
      dim: 50,
      layers: 2,
      heads: 1,
      maxLen: 50,
      dropout: 0.2,
      loss: 'sampled',
      seed: 0,
    }).fit(seqs, { epochs: 1, batchSize: 128, lr: 5e-3 });

  return [
    {
      name: 'MF (MatrixFactorization)',
      what: `MovieLens-100k, k 100, ${mfEpochs} epochs`,
      scale: 1,
      fit: () => new MatrixFactorization({ factors: 100, epochs: mfEpochs, seed: 0 }).fit(ratings),
    },
    {
      name: 'BPR',
      what: `MovieLens-100k, defaults, ${bprEpochs} epochs`,
      scale: 1,
      fit: () => new BPR({ epochs: bprEpochs, seed: 0 }).fit(ratings),
    },
    {
      name: 'k-means',
      what: `CDNOW RFM (${X.data.length / 3} customers), k 4, 3 restarts`,
      scale: 1,
      fit: () => new at.models.KMeans({ k: 4, nInit: 3, seed: 0 }).fit(X),
    },
    {
      name: 'churn MLP',
      what: `Telco (${y.length} rows), hidden [16], 30 epochs, Platt`,
      scale: 1,
      fit: () =>
        new at.models.ChurnClassifier({
          hidden: [16],
          epochs: 30,
          lr: 0.003,
          weightDecay: 1e-3,
          seed: 0,
          calibration: 'platt',
        }).fit(telco, y),
    },
    {
      name: 'NextItemModel epoch',
      what: `Amazon Games, transformer, 1 epoch on ${usersWanted} of ${all.length} users, x${fmt(extrapolate)} to the full epoch`,
      scale: extrapolate,
      fit: () => nextItem(subset),
      warm: () => nextItem(subset.slice(0, 50)),
    },
  ];
}

export async function run(argv: readonly string[] = process.argv.slice(2)): Promise<{ markdown: string }> {
  const rounds = flag(argv, 'rounds', 1);
  const only = argv
    .find((a) => a.startsWith('--only='))
    ?.slice(7)
    .split(',');
  const loadStart = os.loadavg()[0]!;
  const rows: (string | number)[][] = [];
  const json: Record<string, unknown>[] = [];
  for (const w of await workloads(argv)) {
    if (only && !only.some((o) => w.name.includes(o))) continue;
    const wall = CONFIGS.map(() => [] as number[]);
    const cpu = CONFIGS.map(() => [] as number[]);
    for (const c of CONFIGS) {
      await at.ready({ backend: 'cpu', cpuKernels: c.kernels, cpuThreads: c.threads });
      await (w.warm ?? w.fit)();
    }
    for (let r = 0; r < rounds; r++) {
      for (const [i, c] of CONFIGS.entries()) {
        await at.ready({ backend: 'cpu', cpuKernels: c.kernels, cpuThreads: c.threads });
        const [t0, c0] = [performance.now(), process.cpuUsage()];
        await w.fit();
        const cu = process.cpuUsage(c0);
        wall[i]!.push((performance.now() - t0) * w.scale);
        cpu[i]!.push(((cu.user + cu.system) / 1e3) * w.scale);
        console.error(`[training-times] ${w.name}, ${c.name}: ${fmt(wall[i]!.at(-1)! / 1e3)} s`);
      }
    }
    const [before, beforeCpu] = [median(wall[0]!), median(cpu[0]!)];
    CONFIGS.forEach((c, i) => {
      const [ms, cpuMs] = [median(wall[i]!), median(cpu[i]!)];
      rows.push([
        w.name,
        w.what,
        c.name,
        fmt(ms / 1e3, 2),
        `${fmt(before / ms)}x`,
        fmt(cpuMs / 1e3, 2),
        `${fmt(beforeCpu / cpuMs)}x`,
      ]);
      json.push({ workload: w.name, what: w.what, config: c.name, wallMs: ms, cpuMs, speedup: before / ms });
    });
  }
  await at.ready({ backend: 'cpu', cpuKernels: 'auto', cpuThreads: 'auto' });
  const markdown = [
    '# Training times on the CPU backend: TypeScript kernels vs WebAssembly on 1 and 2 threads',
    '',
    `One process; the three configurations run back to back per workload, ${rounds} round(s), medians. CPU s is process CPU time (all threads summed). 1-minute load average: ${fmt(loadStart)} at the start, ${fmt(os.loadavg()[0]!)} at the end (${os.cpus().length} cores).`,
    '',
    markdownTable(
      ['workload', 'what is timed', 'kernels', 'wall s', 'speed-up (wall)', 'CPU s', 'speed-up (CPU time)'],
      rows,
    ),
  ].join('\n');
  writeResults('training-times', { environment: environment(), rows: json }, markdown);
  console.log(markdown);
  return { markdown };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await run();
