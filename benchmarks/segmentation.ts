/**
 * Customer segmentation on the CDNOW purchase log (Fader & Hardie; 69,659 transactions of
 * 23,570 customers, 1997-01..1998-06): RFM features as of 1998-07-01, log1p + z-scored, then
 * k-means with k = 4 (k-means++, 3 restarts, seed 0) on the cpu and webgpu backends. Reports the
 * segment profiles, the silhouette score (on a seeded 4,000-row sample) and fit times.
 *
 *   node --import tsx --import ./benchmarks/wgsl-loader.mjs benchmarks/segmentation.ts [--no-webgpu] [--reps=3]
 *
 * The data are read from ../shared/datasets/cdnow (never copied into the repo).
 * Writes bench-results/segmentation.{json,md}.
 */
import { fileURLToPath } from 'node:url';
import * as at from '../src/index.js';
import { environment, fmt, markdownTable, median, writeResults, probeWebGPU } from './harness.js';

const PATH = fileURLToPath(new URL('../../shared/datasets/cdnow/CDNOW_master.txt', import.meta.url));

export async function runSegmentation(argv: readonly string[] = process.argv.slice(2)): Promise<{ markdown: string }> {
  const useGpu = !argv.includes('--no-webgpu');
  const reps = Number(argv.find((a) => a.startsWith('--reps='))?.split('=')[1] ?? 3);
  const tx = await at.data.loadCdnow(PATH);
  const rfm = at.data.rfmFeatures(tx, { asOf: Date.UTC(1998, 6, 1) });
  const X = rfm.matrix('standardized');
  const { ok: gpuOk, note: gpuNote } = await probeWebGPU(useGpu);
  const backends: at.BackendName[] = ['cpu', ...(gpuOk ? ['webgpu' as const] : [])];
  const rows: { backend: string; fitMs: number; iterations: number; inertia: number; silhouette: number }[] = [];
  let profiles: at.models.SegmentProfile[] = [];
  let reference: Int32Array | undefined;
  let agreement = 'n/a';
  for (const backend of backends) {
    await at.ready({ backend });
    const times: number[] = [];
    let km: at.models.KMeans | undefined;
    for (let r = 0; r < reps + 1; r++) {
      const t0 = performance.now();
      km = await new at.models.KMeans({ k: 4, nInit: 3, seed: 0, backend }).fit(X);
      if (r > 0) times.push(performance.now() - t0); // the first fit pays for JIT and pipeline compiles
    }
    const silhouette = at.metrics.silhouetteScore(X.data, 3, km!.labels, { sampleSize: 4000, seed: 0 });
    rows.push({ backend, fitMs: median(times), iterations: km!.nIter, inertia: km!.inertia, silhouette });
    if (!reference) {
      reference = km!.labels;
      profiles = at.models.segmentProfiles(rfm, km!.labels);
    } else {
      let same = 0;
      for (let i = 0; i < reference.length; i++) same += reference[i] === km!.labels[i] ? 1 : 0;
      agreement = `${((100 * same) / reference.length).toFixed(2)}% of customers get the same label on ${backend} as on cpu`;
    }
  }
  const profileTable = markdownTable(
    [
      'segment',
      'name',
      'customers',
      'share',
      'mean recency (days)',
      'mean frequency',
      'mean monetary ($)',
      'median monetary ($)',
      'mean R/F/M score',
    ],
    profiles.map((p) => [
      p.segment,
      p.name,
      p.size,
      `${(100 * p.share).toFixed(1)}%`,
      fmt(p.mean.recency!, 1),
      fmt(p.mean.frequency!, 2),
      fmt(p.mean.monetary!, 1),
      fmt(p.median.monetary!, 1),
      `${p.mean.rScore!.toFixed(1)}/${p.mean.fScore!.toFixed(1)}/${p.mean.mScore!.toFixed(1)}`,
    ]),
  );
  const fitTable = markdownTable(
    ['backend', 'fit (median ms, k=4, nInit 3)', 'iterations (kept run)', 'inertia', 'silhouette (4k sample)'],
    rows.map((r) => [r.backend, fmt(r.fitMs, 1), r.iterations, fmt(r.inertia, 1), r.silhouette.toFixed(3)]),
  );
  const markdown = [
    '# Customer segmentation: k-means (k=4) on CDNOW RFM features',
    '',
    `${tx.customer.length} transactions, ${rfm.customers.length} customers; RFM as of 1998-07-01, log1p then z-scored. WebGPU adapter: ${gpuNote}. ${agreement}.`,
    'SwiftShader runs WGSL on the CPU: its times show that the kernel works, not what a GPU does.',
    '',
    profileTable,
    '',
    fitTable,
  ].join('\n');
  const out = writeResults(
    'segmentation',
    { environment: environment(), webgpu: gpuNote, fits: rows, profiles },
    markdown,
  );
  console.log(`\n${markdown}\n\nwrote ${out.md}`);
  return { markdown };
}

export const run = runSegmentation;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await runSegmentation();
