/**
 * Fold-in against retraining on MovieLens-100k (every rating a positive): 10% of users (seeded)
 * are held out; a model fitted on the other 90% folds them in from the first 80% of their
 * ratings (by time), and ranks the rest (NDCG@10, their fold-in items excluded). The reference
 * is the same model retrained with those first 80% included. Target: fold-in >= 90% of the
 * retrained NDCG@10.
 *
 * node --import tsx --import ./benchmarks/wgsl-loader.mjs benchmarks/movielens-foldin.ts
 */
import { loadavg } from 'node:os';
import { Rng } from '../src/core/random.js';
import { loadMovieLens } from '../src/data/movielens.js';
import { Interactions } from '../src/data/interactions.js';
import { ndcgAtK } from '../src/metrics/ranking.js';
import { BPR, type FactorModel, HybridRecommender, ImplicitALS, Popularity } from '../src/models/index.js';
import { environment, fmt, markdownTable, writeResults } from './harness.js';

const PATH = new URL('../../shared/datasets/movielens-100k/u.data', import.meta.url);

async function main(): Promise<void> {
  const data = await loadMovieLens(PATH);
  const rng = new Rng(0, 'movielens-foldin');
  const held = new Set(Array.from(rng.permutation(data.numUsers).subarray(0, Math.round(data.numUsers * 0.1))));
  const g = data.byUser();
  const rows = { base: [] as number[], fold: [] as number[] };
  const test = new Map<number, number[]>();
  for (let u = 0; u < data.numUsers; u++) {
    const r = Array.from(g.rows.subarray(g.offsets[u]!, g.offsets[u + 1]!)); // time order
    if (!held.has(u)) {
      rows.base.push(...r);
      continue;
    }
    const cut = Math.floor(r.length * 0.8);
    rows.fold.push(...r.slice(0, cut));
    test.set(
      u,
      r.slice(cut).map((j) => data.itemIds.id(data.items[j]!) as number),
    );
  }
  const pick = (js: number[]) =>
    Interactions.fromArrays({
      users: js.map((j) => data.userIds.id(data.users[j]!)),
      items: js.map((j) => data.itemIds.id(data.items[j]!)),
    });
  const base = pick(rows.base);
  const fold = pick(rows.fold);
  const both = pick([...rows.base, ...rows.fold]);
  const heldIds = [...test.keys()].map((u) => data.userIds.id(u));
  const relevant = [...test.values()];
  const ndcg = async (m: FactorModel | Popularity) => {
    const recs = await m.recommendMany(heldIds, { k: 10 });
    return ndcgAtK(
      recs.map((r) => r.map((x) => x.item as number)),
      relevant,
      10,
    );
  };
  const contenders: [string, () => FactorModel][] = [
    ['ImplicitALS k=64 (exact solve)', () => new ImplicitALS()],
    ['BPR k=64 (SGD, 20 passes)', () => new BPR()],
    ['Hybrid WARP k=30, ids (SGD, 20 passes)', () => new HybridRecommender()],
  ];
  const table: (string | number)[][] = [];
  const pop = await new Popularity().fit(both);
  table.push(['Popularity (baseline, fitted with the fold-in rows)', '', (await ndcg(pop)).toFixed(4), '', '', '']);
  for (const [name, make] of contenders) {
    let t0 = performance.now();
    const retrained = await make().fit(both);
    const retrainS = (performance.now() - t0) / 1000;
    const ref = await ndcg(retrained);
    const m = await make().fit(base);
    t0 = performance.now();
    await m.foldIn(fold);
    const foldMs = performance.now() - t0;
    const got = await ndcg(m);
    table.push([
      name,
      got.toFixed(4),
      ref.toFixed(4),
      `${((100 * got) / ref).toFixed(1)}%`,
      fmt(foldMs / heldIds.length, 3),
      fmt(retrainS),
    ]);
    console.log(table.at(-1)!.join(' | '));
  }
  const md = [
    '# Fold-in against retraining, MovieLens-100k (every rating a positive)',
    '',
    `${heldIds.length} held-out users (10%, seeded), folded in from the first 80% of their ratings (${fold.length} rows), ranked on the last 20% (${relevant.reduce((a, r) => a + r.length, 0)} rows); NDCG@10 with the fold-in items excluded. Load average at the end: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} (2 shared cores).`,
    '',
    markdownTable(
      ['model', 'NDCG@10 fold-in', 'NDCG@10 retrained', 'fold-in / retrained', 'fold-in ms per user', 'retrain s'],
      table,
    ),
  ].join('\n');
  const out = writeResults('movielens-foldin', { environment: environment(), table }, md);
  console.log(`\n${md}\n\nwrote ${out.md}`);
}

await main();
