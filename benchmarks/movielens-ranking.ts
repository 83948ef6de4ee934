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
  seeds: number[];
  config: Record<string, unknown>;
  hr10: number;
  hrSd: number;
  ndcg10: number;
  ndcgSd: number;
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
  // Factor models depend on their random init and sampling: they run with three seeds and the
  // table reports the mean (± sd); the deterministic baselines run once.
  const SEEDS = [0, 1, 2];
  const contenders: [string, string, number[], (seed: number) => Recommender][] = [
    ['Popularity', 'cpu', [0], () => new Popularity()],
    ['ItemKNN', 'cpu', [0], () => new ItemKNN({ neighbors: 10, shrink: 10 })],
    ['BPR', 'cpu', SEEDS, (seed) => new BPR({ factors: 128, epochs: 60, lr: 0.05, reg: 0.01, seed })],
    ...(gpuOk
      ? ([
          [
            'BPR',
            'webgpu',
            [0],
            (seed: number) =>
              new BPR({ factors: 128, epochs: 60, lr: 0.05, reg: 0.01, seed, backend: 'webgpu', batchSize: 1024 }),
          ],
        ] as [string, string, number[], (seed: number) => Recommender][])
      : []),
    ['ImplicitALS', 'cpu', SEEDS, (seed) => new ImplicitALS({ factors: 64, epochs: 15, reg: 1, alpha: 5, seed })],
  ];
  const rows: Row[] = [];
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = (xs: number[]): number => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
  for (const [name, backend, seeds, make] of contenders) {
    const runs: Omit<Row, 'model' | 'backend' | 'seeds' | 'ndcgSd' | 'hrSd'>[] = [];
    for (const seed of seeds) {
      const model = make(seed);
      const t0 = performance.now();
      await model.fit(train);
      const t1 = performance.now();
      const top = await model.topKIndices(users, { k: K, excludeSeen: true });
      const t2 = performance.now();
      const recs = top.map((t) => t.items);
      runs.push({
        config: model.config(),
        hr10: hitRateAtK(recs, relevant, K),
        ndcg10: ndcgAtK(recs, relevant, K),
        coverage: catalogCoverage(recs, train.numItems, K),
        fitMs: t1 - t0,
        rankMs: t2 - t1,
      });
      (model as { dispose?: () => void }).dispose?.();
      console.log(
        `${name} (${backend}, seed ${seed}): HR@10 ${runs.at(-1)!.hr10.toFixed(4)}  NDCG@10 ${runs.at(-1)!.ndcg10.toFixed(4)}  fit ${fmt((t1 - t0) / 1000)} s`,
      );
    }
    rows.push({
      model: name,
      backend,
      seeds,
      config: runs[0]!.config,
      hr10: mean(runs.map((r) => r.hr10)),
      hrSd: sd(runs.map((r) => r.hr10)),
      ndcg10: mean(runs.map((r) => r.ndcg10)),
      ndcgSd: sd(runs.map((r) => r.ndcg10)),
      coverage: mean(runs.map((r) => r.coverage)),
      fitMs: mean(runs.map((r) => r.fitMs)),
      rankMs: mean(runs.map((r) => r.rankMs)),
    });
  }
  const baseline = Math.max(
    ...rows.filter((r) => r.model === 'Popularity' || r.model === 'ItemKNN').map((r) => r.ndcg10),
  );
  const bestFactor = rows
    .filter((r) => (r.model === 'BPR' || r.model === 'ImplicitALS') && r.seeds.length > 1)
    .reduce((a, b) => (b.ndcg10 > a.ndcg10 ? b : a));
  const lift = bestFactor.ndcg10 / baseline - 1;
  const table = markdownTable(
    ['model', 'backend', 'seeds', 'HR@10', 'NDCG@10', 'coverage@10', 'fit (s)', 'rank 943 users (ms)'],
    rows.map((r) => {
      const pm = (m: number, d: number): string =>
        r.seeds.length > 1 ? `${m.toFixed(4)} ± ${d.toFixed(4)}` : m.toFixed(4);
      return [
        r.model,
        r.backend,
        r.seeds.join(','),
        pm(r.hr10, r.hrSd),
        pm(r.ndcg10, r.ndcgSd),
        r.coverage.toFixed(3),
        fmt(r.fitMs / 1000),
        fmt(r.rankMs),
      ];
    }),
  );
  const md = [
    '# MovieLens-100k top-10 ranking (leave-last-out, full ranking over unseen items)',
    '',
    `${test.length} test users, ${train.length} training interactions, ${train.numItems} items. WebGPU adapter: ${gpuNote}.`,
    '',
    table,
    '',
    `Best factor model (mean over seeds ${SEEDS.join(', ')}): ${bestFactor.model} (${bestFactor.backend}), NDCG@10 ${bestFactor.ndcg10.toFixed(4)} vs best of Popularity/ItemKNN ${baseline.toFixed(4)}: ${(lift * 100).toFixed(1)}% relative (target >= 20%).`,
  ].join('\n');
  const out = writeResults('movielens-ranking', { environment: environment(), webgpu: gpuNote, rows, lift }, md);
  console.log(`\n${md}\n\nwrote ${out.md}`);
}

await main();
