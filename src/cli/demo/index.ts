import type { BackendName } from '../../backends/backend.js';
import { ready } from '../../backends/registry.js';
import { writeFile } from 'node:fs/promises';
import { ValueError, fmtValue } from '../../core/errors.js';
import { report } from '../../report/index.js';
import type { ReportInput } from '../../report/types.js';
import { churnSection } from './churn.js';
import { dataSection } from './data.js';
import { fmt, section } from './format.js';
import { type DemoOptions, type DemoResult, sizes } from './options.js';
import { recommendSection } from './recommend.js';
import { segmentSection } from './segments.js';
import { sequenceSection } from './sequences.js';

export { DEMO_HELP, parseDemoArgs } from './args.js';
export type { DemoItem, DemoOptions, DemoResult } from './options.js';

/**
 * The whole attune pipeline on the built-in synthetic shop: pick a backend, fit BPR and compare
 * it with popularity by leave-last-out HR@10 / NDCG@10, show recommendations and "also bought"
 * items (ItemKNN), segment buyers by RFM + k-means, and train a calibrated churn classifier on a
 * stratified train/test split. Every line goes to `log`; the figures come back as a
 * {@link DemoResult}. Seeded: the same options give the same figures on the same backend.
 */
export async function runDemo(
  options: DemoOptions = {},
  log: (line: string) => void = console.log,
): Promise<DemoResult> {
  const seed = options.seed ?? 7;
  if (!Number.isInteger(seed) || seed < 0)
    throw new ValueError(`demo: seed must be a non-negative integer; got ${fmtValue(seed)}`);
  const request = options.backend ?? 'auto';
  if (request !== 'auto' && request !== 'cpu' && request !== 'webgpu') {
    throw new ValueError(`demo: backend must be 'auto', 'cpu' or 'webgpu'; got ${fmtValue(request)}`);
  }
  const size = sizes(options);
  const tStart = performance.now();
  let t = tStart;
  const lap = (): number => {
    const now = performance.now();
    const s = (now - t) / 1000;
    t = now;
    return s;
  };

  log(
    `attune demo — recommendations, segmentation and churn on a synthetic shop (seed ${seed}${options.quick ? ', quick' : ''})`,
  );

  // ── Backend ────────────────────────────────────────────────────────────────────────────────
  section(log, 'Backend');
  const backend = await ready({ backend: request });
  log(`requested ${request}; using ${backend.backend} (${backend.description})`);
  if (backend.fallbackReason) log(`fallback: ${backend.fallbackReason}`);
  // The factor models have cpu and webgpu kernels; gpujs (which `auto` may pick) only speeds up matmul.
  const factorBackend: BackendName = backend.backend === 'webgpu' ? 'webgpu' : 'cpu';

  // ── Data ───────────────────────────────────────────────────────────────────────────────────
  const { shop, interactions, dateOf, data } = dataSection(size, seed, log);
  const secData = lap();

  // ── Recommendations ────────────────────────────────────────────────────────────────────────
  // What the report draws; each section adds its part.
  const charts: ReportInput = {};
  const k = 10;
  const recommend = await recommendSection(shop, interactions, size, seed, factorBackend, k, log, charts);
  const secRec = lap();

  // ── Segmentation ───────────────────────────────────────────────────────────────────────────
  const segments = await segmentSection(shop, seed, dateOf, log, charts);
  const secSeg = lap();

  // ── Churn ──────────────────────────────────────────────────────────────────────────────────
  const churn = await churnSection(shop, size, seed, log, charts);
  const secChurn = lap();

  // ── Sequences ──────────────────────────────────────────────────────────────────────────────
  // (the sequence models come last and can be skipped: they are the slowest part on a CPU)
  const sequences =
    options.sequences === false
      ? null
      : await sequenceSection(shop, size, seed, k, log, options.report ? charts : null);
  const secSeq = lap();

  const total = (performance.now() - tStart) / 1000;
  section(log, 'Timing');
  log(
    `data ${fmt(secData, 1)} s · recommendations ${fmt(secRec, 1)} s · segmentation ${fmt(secSeg, 1)} s · churn ${fmt(secChurn, 1)} s · sequences ${fmt(secSeq, 1)} s · total ${fmt(total, 1)} s`,
  );
  if (options.report) {
    charts.title = 'attune demo report';
    charts.summary = [
      `A synthetic shop (seed ${seed}): ${data.customers.toLocaleString('en-US')} customers, ${data.items} items, ${data.events.toLocaleString('en-US')} events from ${data.from} to ${data.to}.`,
      `Trained on ${backend.backend} (${backend.description}) in ${fmt(total, 1)} s.`,
    ];
    await writeFile(options.report, await report(charts));
    log(`report: ${options.report}`);
  }
  return {
    backend,
    data,
    recommend,
    segments,
    churn,
    sequences,
    seconds: { data: secData, recommend: secRec, segments: secSeg, churn: secChurn, sequences: secSeq, total },
  };
}
