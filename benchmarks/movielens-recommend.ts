/**
 * Recommendation latency and throughput on ML-1M-partial (ratings.PARTIAL_first487650.dat):
 * `recommendMany` for every user (k = 10, seen items excluded) and single-user `recommend`, for
 * a 64-factor BPR model on cpu (host scoring, heap top-K) and on webgpu (one fused matmul per
 * 256 users, top-K selected on the device, only [users, k] read back). Baselines in the same
 * run: on cpu a full sort of every user's scores; on webgpu the same matmul with the whole
 * users x items score matrix read back and a host heap (the path before device top-K).
 * The tables come from a 1-epoch fit: timing does not depend on their values.
 *
 * node --import tsx --import ./benchmarks/wgsl-loader.mjs benchmarks/movielens-recommend.ts
 */
import { loadavg } from 'node:os';
import { loadMovieLens } from '../src/data/movielens.js';
import { BPR, type Recommender } from '../src/models/index.js';
import { topKRow } from '../src/models/topk.js';
import { matmulFused } from '../src/ops/matmul.js';
import { tensor } from '../src/tensor/creation.js';
import { environment, fmt, markdownTable, median, probeWebGPU, writeResults } from './harness.js';

const PATH = new URL('../../shared/datasets/movielens-1m/ratings.PARTIAL_first487650.dat', import.meta.url);
const K = 10;

async function time(reps: number, fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up: pipelines, JIT
  const ms: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

async function main(): Promise<void> {
  const data = await loadMovieLens(PATH);
  const users = data.userIds.ids();
  const { ok: gpuOk, note } = await probeWebGPU(!process.argv.includes('--no-webgpu'));
  const rows: (string | number)[][] = [];
  const add = (what: string, backend: string, ms: number, count: number) => {
    rows.push([what, backend, fmt(ms, 1), fmt((1000 * count) / ms, 0)]);
    console.log(rows.at(-1)!.join(' | '));
  };
  const models: [string, Recommender][] = [['cpu', await new BPR({ epochs: 1 }).fit(data)]];
  if (gpuOk) models.push(['webgpu', await new BPR({ epochs: 1, backend: 'webgpu' }).fit(data)]);
  for (const [backend, m] of models) {
    add(
      `recommendMany, all ${users.length} users`,
      backend,
      await time(2, () => m.recommendMany(users, { k: K })),
      users.length,
    );
    let u = 0;
    add('recommend, one user', backend, await time(30, () => m.recommend(users[u++ % users.length]!, { k: K })), 1);
  }
  // Baselines.
  const f = (models[0]![1] as BPR).factors();
  const n = data.numItems;
  const U = data.numUsers;
  const seen = (u: number) => {
    const g = data.byUser();
    return Int32Array.from(new Set(g.items.subarray(g.offsets[u]!, g.offsets[u + 1]!))).sort();
  };
  const seenAll = Array.from({ length: U }, (_, u) => seen(u));
  add(
    'baseline: host scores + full sort per user',
    'cpu',
    await time(1, async () => {
      const row = new Float32Array(n);
      for (let u = 0; u < U; u++) {
        for (let i = 0; i < n; i++) {
          let s = f.itemBias[i]!;
          for (let d = 0; d < f.k; d++) s += f.userFactors[u * f.k + d]! * f.itemFactors[i * f.k + d]!;
          row[i] = s;
        }
        const skip = new Set(seenAll[u]);
        Array.from(row.keys())
          .filter((i) => !skip.has(i))
          .sort((a, b) => row[b]! - row[a]! || a - b)
          .slice(0, K);
      }
    }),
    U,
  );
  if (gpuOk) {
    const g = (models[1]![1] as BPR).factors();
    const Q = tensor(g.itemFactors, { shape: [n, g.k], backend: 'webgpu' });
    const bi = tensor(g.itemBias, { backend: 'webgpu' });
    add(
      'baseline: GPU matmul, users x items read back, host heap',
      'webgpu',
      await time(2, async () => {
        for (let c = 0; c < U; c += 256) {
          const B = Math.min(256, U - c);
          const pu = tensor(g.userFactors.slice(c * g.k, (c + B) * g.k), { shape: [B, g.k], backend: 'webgpu' });
          const s = matmulFused(pu, Q, { transB: true, bias: bi });
          const host = (await s.data()) as Float32Array;
          for (let b = 0; b < B; b++) topKRow(host, b * n, n, K, seenAll[c + b], undefined);
          pu.dispose();
          s.dispose();
        }
      }),
      U,
    );
  }
  const md = [
    '# Recommendation latency and throughput, ML-1M-partial',
    '',
    `${U} users, ${n} items, BPR k = 64, top ${K} with seen items excluded. WebGPU adapter: ${note}. Load average at the end: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(
        ' ',
      )} (2 shared cores). SwiftShader runs WGSL on the CPU: webgpu times show the kernels work, not a GPU's speed.`,
    '',
    markdownTable(['what', 'backend', 'median ms', 'users/s'], rows),
  ].join('\n');
  const out = writeResults('movielens-recommend', { environment: environment(), rows }, md);
  console.log(`\n${md}\n\nwrote ${out.md}`);
}

await main();
