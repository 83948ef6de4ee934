/**
 * Choosing k for the CDNOW RFM segments instead of guessing it: KMeans.selectK over k = 2..8 by
 * silhouette (on a seeded 3,000-row sample), gap statistic (10 uniform reference sets of 3,000
 * rows) and elbow, on the features the segmentation benchmark clusters (RFM as of 1998-07-01,
 * log1p, z-scored). The baseline is the k = 4 the segmentation benchmark fixes by hand.
 *
 *   node --import tsx --import ./benchmarks/wgsl-loader.mjs benchmarks/segmentation-selectk.ts
 *
 * Writes bench-results/segmentation-selectk.{json,md}.
 */
import { fileURLToPath } from 'node:url';
import * as at from '../src/index.js';
import { environment, fmt, markdownTable, writeResults } from './harness.js';

const PATH = fileURLToPath(new URL('../../shared/datasets/cdnow/CDNOW_master.txt', import.meta.url));

export async function runSelectK(): Promise<{ markdown: string }> {
  await at.ready({ backend: 'cpu' });
  const tx = await at.data.loadCdnow(PATH);
  const rfm = at.data.rfmFeatures(tx, { asOf: Date.UTC(1998, 6, 1) });
  const X = rfm.matrix('standardized');
  const results: Record<string, at.models.SelectKResult<at.models.KMeans> & { ms: number }> = {};
  for (const criterion of ['silhouette', 'gap', 'elbow'] as const) {
    const t0 = performance.now();
    const r = await at.models.KMeans.selectK(X, { kRange: [2, 8], criterion, seed: 0 }, { nInit: 3 });
    results[criterion] = { ...r, ms: performance.now() - t0 };
  }
  const sil = results.silhouette!;
  const gap = results.gap!;
  const rows = sil.scores.map((s, i) => {
    const g = gap.scores[i]!;
    return [
      s.k,
      fmt(s.inertia, 1),
      s.silhouette.toFixed(3),
      g.gap.toFixed(3),
      g.gapSe.toFixed(3),
      s.k === 4 ? 'baseline (hand-picked)' : '',
    ];
  });
  const choices = markdownTable(
    ['criterion', 'chosen k', 'time (s)'],
    Object.entries(results).map(([c, r]) => [c, r.k, fmt(r.ms / 1000, 1)]),
  );
  const chosen = sil.model;
  const profiles = at.models.segmentProfiles(rfm, chosen.labels);
  const markdown = [
    '# Choosing k for CDNOW RFM segments: KMeans.selectK',
    '',
    `${rfm.customers.length} customers; RFM as of 1998-07-01, log1p then z-scored; k-means++ with 3 restarts per k, seed 0, cpu.`,
    '',
    markdownTable(['k', 'inertia', 'silhouette (3k sample)', 'gap', 'gap s.e.', ''], rows),
    '',
    choices,
    '',
    `Segments at the silhouette choice (k = ${sil.k}):`,
    '',
    markdownTable(
      ['segment', 'name', 'customers', 'mean recency (days)', 'mean frequency', 'mean monetary ($)'],
      profiles.map((p) => [
        p.segment,
        p.name,
        p.size,
        fmt(p.mean.recency!, 1),
        fmt(p.mean.frequency!, 2),
        fmt(p.mean.monetary!, 1),
      ]),
    ),
  ].join('\n');
  const out = writeResults(
    'segmentation-selectk',
    {
      environment: environment(),
      scores: { silhouette: sil.scores, gap: gap.scores, elbow: results.elbow!.scores },
      choice: Object.fromEntries(Object.entries(results).map(([c, r]) => [c, r.k])),
    },
    markdown,
  );
  console.log(`\n${markdown}\n\nwrote ${out.md}`);
  return { markdown };
}

export const run = runSelectK;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runSelectK();
