/**
 * Recommendation latency and throughput on ML-1M-partial (ratings.PARTIAL_first487650.dat):
 * `recommendMany` for every user (k = 10, seen items excluded) and single-user `recommend`, for
 * a 64-factor BPR model on cpu (host scoring, heap top-K) and on webgpu (one fused matmul per
 * 256 users, top-K selected on the device by the topK kernel, kernels/topk.wgsl, only
 * [users, k] read back). Baselines in the same run: on cpu a full sort of every user's scores;
 * on webgpu the same matmul with the whole users x items score matrix read back and a host heap
 * (the path before device top-K). The selection alone is timed too, on one 256-user block of
 * device scores: the topK kernel (seen items set to -Infinity first) against reading the block
 * back and a host heap, since the matmul, the same on both paths, dominates the totals.
 * The tables come from a 1-epoch fit: timing does not depend on their values.
 *
 * node --import tsx --import ./benchmarks/wgsl-loader.mjs benchmarks/movielens-recommend.ts
 */
import { loadavg } from 'node:os';
import { loadMovieLens } from '../src/data/movielens.js';
import { BPR, type Recommender } from '../src/models/index.js';
import { topKOnDevice, topKRow } from '../src/models/topk.js';
import { matmulFused } from '../src/ops/matmul.js';
import { tensor } from '../src/tensor/creation.js';
import { environment, fmt, markdownTable, median, probeWebGPU, writeResults } from './harness.js';

const PATH = new URL('../../shared/datasets/movielens-1m/ratings.PARTIAL_first487650.dat', import.meta.url);
const K = 10;

/** Median wall ms and median process CPU ms (user + system, all threads) per call. */
async function time(reps: number, fn: () => Promise<unknown>): Promise<{ ms: number; cpu: number }> {
  await fn(); // warm-up: pipelines, JIT
  const ms: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { ms: median(ms), cpu: median(cpu) };
}

async function main(): Promise<void> {
  const data = await loadMovieLens(PATH);
  const users = data.userIds.ids();
  const { ok: gpuOk, note } = await probeWebGPU(!process.argv.includes('--no-webgpu'));
  const rows: (string | number)[][] = [];
  const add = (what: string, backend: string, t: { ms: number; cpu: number }, count: number) => {
    const usersPerSecond = (1000 * count) / t.ms;
    // Two decimals below 10, so a slow path (SwiftShader) does not print as 0 users/s.
    rows.push([what, backend, fmt(t.ms, 1), fmt(t.cpu, 1), fmt(usersPerSecond, usersPerSecond < 10 ? 2 : 0)]);
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
    const B0 = Math.min(256, U);
    const pu0 = tensor(g.userFactors.slice(0, B0 * g.k), { shape: [B0, g.k], backend: 'webgpu' });
    const s0 = matmulFused(pu0, Q, { transB: true, bias: bi });
    const skip0 = Int32Array.from(seenAll.slice(0, B0).flatMap((seenU, b) => Array.from(seenU, (i) => b * n + i)));
    add(
      `selection only, ${B0} users: topK kernel, [users, k] read back`,
      'webgpu',
      await time(5, () => topKOnDevice(s0, K, skip0, undefined)),
      B0,
    );
    add(
      `selection only, ${B0} users: users x items read back, host heap`,
      'webgpu',
      await time(5, async () => {
        const host = (await s0.data()) as Float32Array;
        for (let b = 0; b < B0; b++) topKRow(host, b * n, n, K, seenAll[b], undefined);
      }),
      B0,
    );
    pu0.dispose();
    s0.dispose();
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
    markdownTable(['what', 'backend', 'median wall ms', 'median process CPU ms', 'users/s (wall)'], rows),
  ].join('\n');
  const out = writeResults('movielens-recommend', { environment: environment(), rows }, md);
  console.log(`\n${md}\n\nwrote ${out.md}`);
}

await main();
