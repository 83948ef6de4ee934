/**
 * Exposure fairness and popularity bias of top-10 recommendations on MovieLens-100k
 * (leave-last-out, full ranking over unseen items, as benchmarks/movielens-ranking.ts): for
 * Popularity, ItemKNN and ImplicitALS, beside uniformly random lists (exposure in proportion to
 * the catalogue), at.fairness.exposureReport gives the popular head's share of exposure (head =
 * the 20% most-rated items in training), the Gini of exposure over items, catalogue coverage, the
 * mean popularity of recommended items against the catalogue's, and the exposure share of films
 * released before 1990 (u.item) against their catalogue share. Slot weights 1/log2(rank + 1);
 * 1,000 bootstrap resamples of users, seed 0, 95% intervals (none for Gini and coverage, which
 * resampling biases; see ExposureReport). HR@10 and NDCG@10 beside them show
 * what each model's accuracy costs in exposure.
 *
 *   nice -n 15 node --import tsx --import ./benchmarks/wgsl-loader.mjs benchmarks/fairness-exposure.ts
 *
 * Writes bench-results/fairness-exposure.{json,md}.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as at from '../src/index.js';
import { loadMovieLens } from '../src/data/movielens.js';
import { leaveLastOut } from '../src/data/split.js';
import { hitRateAtK, ndcgAtK } from '../src/metrics/ranking.js';
import { ImplicitALS, ItemKNN, Popularity, type Recommender } from '../src/models/index.js';
import { environment, fmt, markdownTable, writeResults } from './harness.js';

const DIR = new URL('../../shared/datasets/movielens-100k/', import.meta.url);
const K = 10;

/** Release year of each item id from u.item (`id|title|01-Jan-1995|...`); NaN where it is blank. */
function releaseYears(): Map<string, number> {
  const years = new Map<string, number>();
  for (const line of readFileSync(fileURLToPath(new URL('u.item', DIR)), 'latin1').split('\n')) {
    const f = line.split('|');
    if (f.length < 3) continue;
    years.set(f[0]!, Number(f[2]!.slice(-4)) || Number.NaN);
  }
  return years;
}

const iv = (m: at.fairness.Interval | undefined, d = 3) =>
  m ? `${m.value.toFixed(d)} [${m.lo.toFixed(d)}, ${m.hi.toFixed(d)}]` : '–';

export async function run(): Promise<{ markdown: string }> {
  await at.ready({ backend: 'cpu' });
  const data = await loadMovieLens(fileURLToPath(new URL('u.data', DIR)));
  const { train, test } = leaveLastOut(data);
  const items = train.numItems;
  const popularity = new Float64Array(items);
  for (const i of train.items) popularity[i]!++;
  const years = releaseYears();
  const itemGroup = Array.from({ length: items }, (_, i) => {
    const y = years.get(String(train.itemIds.id(i)));
    return y === undefined || Number.isNaN(y) ? 'unknown' : y < 1990 ? 'before 1990' : '1990 or later';
  });
  const relevant = Array.from(test.items, (i) => [i]);
  const seen = train.byUser();

  const contenders: [string, () => Recommender | null][] = [
    ['random (unseen items)', () => null],
    ['Popularity', () => new Popularity()],
    ['ItemKNN', () => new ItemKNN({ neighbors: 10, shrink: 10 })],
    ['ImplicitALS', () => new ImplicitALS({ factors: 64, epochs: 15, reg: 1, alpha: 5, seed: 0 })],
  ];
  const rows: Record<string, unknown>[] = [];
  const table: string[][] = [];
  const groupTable: string[][] = [];
  const rng = new at.data.Rng(0);
  for (const [name, make] of contenders) {
    const model = make();
    const t0 = performance.now();
    let lists: Int32Array[];
    if (model) {
      await model.fit(train);
      lists = (await model.topKIndices(test.users, { k: K, excludeSeen: true })).map((t) => t.items);
      (model as { dispose?: () => void }).dispose?.();
    } else {
      // Uniform over the items each user has not rated: the no-preference reference.
      lists = Array.from(test.users, (u) => {
        const mine = new Set(seen.items.subarray(seen.offsets[u]!, seen.offsets[u + 1]!));
        const out: number[] = [];
        while (out.length < K) {
          const i = rng.int(items);
          if (!mine.has(i) && !out.includes(i)) out.push(i);
        }
        return Int32Array.from(out);
      });
    }
    const ms = performance.now() - t0;
    const lists2 = lists.map((l) => Array.from(l));
    const r = at.fairness.exposureReport({ lists: lists2, popularity, itemGroup, seed: 0 });
    const hr = hitRateAtK(lists2, relevant, K);
    const ndcg = ndcgAtK(lists2, relevant, K);
    console.log(`${name}: HR@10 ${hr.toFixed(4)}  head share ${iv(r.headShare)}  (${fmt(ms / 1000)} s)`);
    rows.push({ name, hr, ndcg, report: r, seconds: ms / 1000 });
    table.push([
      name,
      hr.toFixed(4),
      ndcg.toFixed(4),
      iv(r.headShare),
      r.gini.toFixed(3),
      r.coverage.toFixed(3),
      `${iv(r.averagePopularity, 1)} vs ${r.catalogueAveragePopularity.toFixed(1)}`,
    ]);
    for (const g of r.groups ?? [])
      groupTable.push([
        name,
        g.group,
        String(g.items),
        g.catalogueShare.toFixed(3),
        g.interactionShare.toFixed(3),
        iv(g.exposure),
        iv(g.ratio, 2),
      ]);
  }
  const first = rows[0]!.report as at.fairness.ExposureReport;
  const markdown = [
    '# Exposure and popularity bias of top-10 lists, MovieLens-100k (leave-last-out)',
    '',
    `${test.length} users, ${items} items, ${train.length} training interactions. Head: the ${first.headItems} most-rated items (20%), holding ${(100 * first.headInteractionShare).toFixed(1)}% of training interactions. Slot weight 1/log2(rank + 1); 95% bootstrap intervals over users (1,000 resamples, seed 0); Gini and coverage are point values, since resampling users biases them.`,
    '',
    markdownTable(
      [
        'model',
        'HR@10',
        'NDCG@10',
        'head share of exposure',
        'Gini of exposure',
        'coverage',
        'mean popularity (catalogue)',
      ],
      table,
    ),
    '',
    '## Exposure by release period (u.item)',
    '',
    markdownTable(
      ['model', 'group', 'items', 'catalogue share', 'interaction share', 'exposure share', 'exposure ÷ catalogue'],
      groupTable,
    ),
  ].join('\n');
  const out = writeResults('fairness-exposure', { environment: environment(), rows }, markdown);
  console.log(`\n${markdown}\n\nwrote ${out.md}`);
  return { markdown };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await run();
