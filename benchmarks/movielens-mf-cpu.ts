/**
 * MF SGD and BPR kernel throughput on the CPU, MovieLens-100k (100,000 ratings), k = 64, one
 * thread, side by side in one process:
 *
 * - plain TypeScript loop: the textbook SGD (or BPR) loop over Float32Arrays, written inline;
 * - attune-ts: the CPU backend's fused op with the TypeScript kernels (backend.mfSgd / mfBpr);
 * - attune-wasm: the same op on the WebAssembly SIMD kernels (src/backends/wasm/mf.ts).
 *
 * One timed run is one epoch over the same shuffled rows (tables copied in and out by the wasm
 * kernel included). Contenders run interleaved for `--rounds` rounds; the table gives medians of
 * wall and process CPU time, the latter the steadier figure on a shared machine.
 *
 *   npm run bench -- movielens-mf-cpu [--rounds=5]
 */
import os from 'node:os';
import type { Handle } from '../src/backends/backend.js';
import { CpuBackend } from '../src/backends/cpu/index.js';
import { Rng } from '../src/core/random.js';
import { loadMovieLens } from '../src/data/movielens.js';
import { environment, fmt, markdownTable, median, writeResults } from './harness.js';

const PATH = new URL('../../shared/datasets/movielens-100k/u.data', import.meta.url);
const K = 64;
const [LR, REG] = [0.005, 0.02];

interface Problem {
  users: Int32Array;
  items: Int32Array;
  ratings: Float32Array;
  negatives: Int32Array;
  U: number;
  I: number;
  mean: number;
}

function initTables(U: number, I: number) {
  const rng = new Rng(1);
  const p = new Float32Array(U * K).map(() => (rng.float() - 0.5) * 0.2);
  const q = new Float32Array(I * K).map(() => (rng.float() - 0.5) * 0.2);
  return { p, q, bu: new Float32Array(U), bi: new Float32Array(I) };
}

/** The textbook loops, inline (the baseline any user could write). */
function plainSgd(pr: Problem, t: ReturnType<typeof initTables>): void {
  const { p: P, q: Q, bu, bi } = t;
  for (let r = 0; r < pr.users.length; r++) {
    const [u, i] = [pr.users[r]!, pr.items[r]!];
    let dot = 0;
    for (let f = 0; f < K; f++) dot += P[u * K + f]! * Q[i * K + f]!;
    const err = pr.ratings[r]! - (pr.mean + bu[u]! + bi[i]! + dot);
    bu[u]! += LR * (err - REG * bu[u]!);
    bi[i]! += LR * (err - REG * bi[i]!);
    for (let f = 0; f < K; f++) {
      const [pf, qf] = [P[u * K + f]!, Q[i * K + f]!];
      P[u * K + f] = pf + LR * (err * qf - REG * pf);
      Q[i * K + f] = qf + LR * (err * pf - REG * qf);
    }
  }
}

function plainBpr(pr: Problem, t: ReturnType<typeof initTables>): void {
  const { p: P, q: Q, bi } = t;
  for (let r = 0; r < pr.users.length; r++) {
    const [u, i, j] = [pr.users[r]!, pr.items[r]!, pr.negatives[r]!];
    let x = bi[i]! - bi[j]!;
    for (let f = 0; f < K; f++) x += P[u * K + f]! * (Q[i * K + f]! - Q[j * K + f]!);
    const g = 1 / (1 + Math.exp(x));
    bi[i]! += LR * (g - REG * bi[i]!);
    bi[j]! += LR * (-g - REG * bi[j]!);
    for (let f = 0; f < K; f++) {
      const [pf, qi, qj] = [P[u * K + f]!, Q[i * K + f]!, Q[j * K + f]!];
      P[u * K + f] = pf + LR * (g * (qi - qj) - REG * pf);
      Q[i * K + f] = qi + LR * (g * pf - REG * qi);
      Q[j * K + f] = qj + LR * (-g * pf - REG * qj);
    }
  }
}

type Epoch = () => void;

function attune(kernels: 'wasm' | 'ts', pr: Problem, bpr: boolean, threads = 1): { epoch: Epoch; dispose(): void } {
  const be = new CpuBackend({ kernels, threads });
  const t = initTables(pr.U, pr.I);
  const tables = {
    userFactors: be.upload(t.p, 'float32'),
    itemFactors: be.upload(t.q, 'float32'),
    userBias: be.upload(t.bu, 'float32'),
    itemBias: be.upload(t.bi, 'float32'),
  };
  const n = pr.users.length;
  const batch = {
    users: be.upload(pr.users, 'int32'),
    items: be.upload(pr.items, 'int32'),
    ratings: be.upload(pr.ratings, 'float32'),
    negatives: be.upload(pr.negatives, 'int32'),
    loss: be.alloc(n, 'float32'),
  };
  const common = { k: K, start: 0, count: n, lr: LR, reg: REG };
  return {
    epoch: bpr
      ? () => be.mfBpr(tables, batch, { ...common, regBias: REG })
      : () => be.mfSgd(tables, batch, { ...common, lrBias: LR, regBias: REG, mean: pr.mean, biases: true }),
    dispose: () => [...Object.values(tables), ...Object.values(batch)].forEach((h: Handle) => be.dispose(h)),
  };
}

export async function run(argv: readonly string[] = []): Promise<{ markdown: string }> {
  const rounds = Number(argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 5);
  const data = await loadMovieLens(PATH);
  const n = data.length;
  const rng = new Rng(2);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  rng.shuffle(order);
  let mean = 0;
  for (const v of data.values) mean += v;
  const pr: Problem = {
    users: order.map((r) => data.users[r]!),
    items: order.map((r) => data.items[r]!),
    ratings: Float32Array.from(order, (r) => data.values[r]!),
    negatives: Int32Array.from({ length: n }, () => Math.floor(rng.float() * data.numItems)),
    U: data.numUsers,
    I: data.numItems,
    mean: mean / n,
  };
  const rows: (string | number)[][] = [];
  const json: Record<string, unknown>[] = [];
  for (const bpr of [false, true]) {
    const what = bpr ? 'BPR' : 'MF SGD';
    const plainTables = initTables(pr.U, pr.I);
    const contenders: [string, { epoch: Epoch; dispose(): void }][] = [
      ['plain TypeScript loop', { epoch: () => (bpr ? plainBpr : plainSgd)(pr, plainTables), dispose() {} }],
      ['attune-ts', attune('ts', pr, bpr)],
      ['attune-wasm', attune('wasm', pr, bpr)],
      // SGD over rows in order has no output tiles to split: the 2-thread backend runs the same kernel.
      ['attune-wasm, 2 threads', attune('wasm', pr, bpr, 2)],
    ];
    const wall = new Map<string, number[]>(contenders.map(([c]) => [c, []]));
    const cpu = new Map<string, number[]>(contenders.map(([c]) => [c, []]));
    for (const [, c] of contenders) c.epoch(); // warmup (JIT, kernel compile)
    for (let r = 0; r < rounds; r++) {
      for (const [name, c] of contenders) {
        const [t0, c0] = [performance.now(), process.cpuUsage()];
        c.epoch();
        const cu = process.cpuUsage(c0);
        wall.get(name)!.push(performance.now() - t0);
        cpu.get(name)!.push((cu.user + cu.system) / 1e3);
      }
    }
    const base = median(cpu.get('plain TypeScript loop')!);
    const baseWall = median(wall.get('plain TypeScript loop')!);
    for (const [name, c] of contenders) {
      const [w, cm] = [median(wall.get(name)!), median(cpu.get(name)!)];
      rows.push([
        what,
        name,
        fmt(w),
        fmt(n / w / 1e3, 2),
        `${fmt(baseWall / w)}x`,
        fmt(cm),
        fmt(n / cm / 1e3, 2),
        `${fmt(base / cm)}x`,
      ]);
      json.push({ kernel: what, contender: name, wallMs: w, cpuMs: cm, vsPlainCpu: base / cm });
      c.dispose();
    }
  }
  const load = os.loadavg().map((x) => x.toFixed(1));
  const markdown = [
    `# MF SGD and BPR epochs on the CPU (MovieLens-100k, ${n} rows, k = ${K})`,
    '',
    `Interleaved, ${rounds} rounds, medians. CPU ms is process CPU time per epoch. Load average at the end: ${load.join(', ')} (${os.cpus().length} cores).`,
    '',
    markdownTable(
      [
        'update',
        'contender',
        'wall ms / epoch',
        'M rows/s (wall)',
        'vs plain loop (wall)',
        'CPU ms / epoch',
        'M rows/s (CPU time)',
        'vs plain loop (CPU time)',
      ],
      rows,
    ),
  ].join('\n');
  writeResults('movielens-mf-cpu', { environment: environment(), rows: json }, markdown);
  console.log(markdown);
  return { markdown };
}
