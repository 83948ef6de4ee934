/**
 * Top-N ranking on MovieLens-100k, leave-last-out: each user's latest rating is held out, the
 * rest train; every model ranks all items the user has not rated in training (full ranking, no
 * sampled negatives) and we report HR@10 and NDCG@10 over the 943 test users. Ratings are used
 * as implicit feedback (any rating = an interaction). Popularity, ItemKNN, BPR (cpu and webgpu)
 * and iALS run in one process on the same split.
 *
 *   node --import tsx --import ./benchmarks/wgsl-loader.mjs benchmarks/movielens-ranking.ts [--no-webgpu]
 *
 * Writes bench-results/movielens-ranking.{json,md}. WebGPU needs an adapter (SwiftShader:
 * VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json).
 */
import * as at from '../src/index.js';
import { loadMovieLens } from '../src/data/movielens.js';
import { leaveLastOut } from '../src/data/split.js';
import { catalogCoverage, hitRateAtK, ndcgAtK } from '../src/metrics/ranking.js';
import { BPR, ImplicitALS, ItemKNN, Popularity, type Recommender } from '../src/models/index.js';
import { environment, fmt, markdownTable, writeResults } from './harness.js';

const PATH = new URL('../../shared/datasets/movielens-100k/u.data', import.meta.url);
const K = 10;

interface Row {
  model: string;
  backend: string;
  config: Record<string, unknown>;
  hr10: number;
  ndcg10: number;
  coverage: number;
  fitMs: number;
  rankMs: number;
}

async function main(): Promise<void> {
  const useGpu = !process.argv.includes('--no-webgpu');
  const data = await loadMovieLens(PATH);
  const { train, test } = leaveLastOut(data);
  const users = test.users;
  const relevant = Array.from(test.items, (i) => [i]);
  let gpuNote = 'not requested';
  if (useGpu) {
    try {
      const info = await at.ready({ backend: 'webgpu' });
      gpuNote = info.description;
      await at.setBackend('cpu');
    } catch (e) {
      gpuNote = `unavailable: ${(e as Error).message}`;
    }
  }
  const gpuOk = useGpu && !gpuNote.startsWith('unavailable');
  const contenders: [string, string, () => Recommender][] = [
    ['Popularity', 'cpu', () => new Popularity()],
    ['ItemKNN', 'cpu', () => new ItemKNN({ neighbors: 10, shrink: 10 })],
    ['BPR', 'cpu', () => new BPR({ factors: 128, epochs: 60, lr: 0.05, reg: 0.01, seed: 1 })],
    ...(gpuOk ? ([['BPR', 'webgpu', () => new BPR({ factors: 128, epochs: 60, lr: 0.05, reg: 0.01, seed: 1, backend: 'webgpu', batchSize: 1024 })]] as [string, string, () => Recommender][]) : []),
    ['ImplicitALS', 'cpu', () => new ImplicitALS({ factors: 64, epochs: 15, reg: 1, alpha: 5, seed: 1 })],
  ];
  const rows: Row[] = [];
  for (const [name, backend, make] of contenders) {
    const model = make();
    const t0 = performance.now();
    await model.fit(train);
    const t1 = performance.now();
    const top = await model.topKIndices(users, { k: K, excludeSeen: true });
    const t2 = performance.now();
    const recs = top.map((t) => t.items);
    const row: Row = {
      model: name,
      backend,
      config: model.config(),
      hr10: hitRateAtK(recs, relevant, K),
      ndcg10: ndcgAtK(recs, relevant, K),
      coverage: catalogCoverage(recs, train.numItems, K),
      fitMs: t1 - t0,
      rankMs: t2 - t1,
    };
    (model as { dispose?: () => void }).dispose?.();
    rows.push(row);
    console.log(`${name} (${backend}): HR@10 ${row.hr10.toFixed(4)}  NDCG@10 ${row.ndcg10.toFixed(4)}  fit ${fmt(row.fitMs / 1000)} s`);
  }
  const baseline = Math.max(...rows.filter((r) => r.model === 'Popularity' || r.model === 'ItemKNN').map((r) => r.ndcg10));
  const bestFactor = rows.filter((r) => r.model === 'BPR' || r.model === 'ImplicitALS').reduce((a, b) => (b.ndcg10 > a.ndcg10 ? b : a));
  const lift = bestFactor.ndcg10 / baseline - 1;
  const table = markdownTable(
    ['model', 'backend', 'HR@10', 'NDCG@10', 'coverage@10', 'fit (s)', 'rank 943 users (ms)'],
    rows.map((r) => [r.model, r.backend, r.hr10.toFixed(4), r.ndcg10.toFixed(4), r.coverage.toFixed(3), fmt(r.fitMs / 1000), fmt(r.rankMs)]),
  );
  const md = [
    '# MovieLens-100k top-10 ranking (leave-last-out, full ranking over unseen items)',
    '',
    `${test.length} test users, ${train.length} training interactions, ${train.numItems} items. WebGPU adapter: ${gpuNote}.`,
    '',
    table,
    '',
    `Best factor model: ${bestFactor.model} (${bestFactor.backend}), NDCG@10 ${bestFactor.ndcg10.toFixed(4)} vs best of Popularity/ItemKNN ${baseline.toFixed(4)}: ${(lift * 100).toFixed(1)}% relative (target >= 20%).`,
  ].join('\n');
  const out = writeResults('movielens-ranking', { environment: environment(), webgpu: gpuNote, rows, lift }, md);
  console.log(`\n${md}\n\nwrote ${out.md}`);
}

await main();
