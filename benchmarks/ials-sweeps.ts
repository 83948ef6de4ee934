/**
 * ImplicitALS sweeps on cpu (float64 CG per row on the host) and webgpu (per half-sweep one
 * matmul for YᵀY + λI and one batched CG kernel, kernels/ials.wgsl) on ML-1M-partial: time per
 * epoch (wall and process CPU) and how far apart the two fits land (relative difference of the
 * item factors, and the overlap of every 10th user's top 10). The baseline is the cpu path.
 *
 * node --import tsx --import ./benchmarks/wgsl-loader.mjs benchmarks/ials-sweeps.ts [--epochs=3]
 */
import { loadavg } from 'node:os';
import { loadMovieLens } from '../src/data/movielens.js';
import { ImplicitALS } from '../src/models/index.js';
import { environment, fmt, markdownTable, probeWebGPU, writeResults } from './harness.js';

const PATH = new URL('../../shared/datasets/movielens-1m/ratings.PARTIAL_first487650.dat', import.meta.url);
const EPOCHS = Number(process.argv.find((a) => a.startsWith('--epochs='))?.split('=')[1] ?? 3);
const FACTORS = 64;

async function main(): Promise<void> {
  const data = await loadMovieLens(PATH);
  const { ok: gpuOk, note } = await probeWebGPU(!process.argv.includes('--no-webgpu'));
  const rows: (string | number)[][] = [];
  const fits: Record<string, ImplicitALS> = {};
  for (const backend of gpuOk ? (['cpu', 'webgpu'] as const) : (['cpu'] as const)) {
    const m = new ImplicitALS({ factors: FACTORS, epochs: EPOCHS, seed: 1, backend });
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await m.fit(data);
    const ms = (performance.now() - t0) / EPOCHS;
    const c = process.cpuUsage(c0);
    fits[backend] = m;
    rows.push([backend, fmt(ms, 0), fmt((c.user + c.system) / 1000 / EPOCHS, 0)]);
    console.log(rows.at(-1)!.join(' | '));
  }
  let agreement = '';
  if (fits.webgpu) {
    const a = fits.cpu!.factors().itemFactors;
    const b = fits.webgpu.factors().itemFactors;
    let diff = 0;
    let norm = 0;
    for (let j = 0; j < a.length; j++) {
      diff += (a[j]! - b[j]!) ** 2;
      norm += a[j]! ** 2;
    }
    const users = data.userIds.ids().filter((_, u) => u % 10 === 0);
    const ra = await fits.cpu!.recommendMany(users, { k: 10 });
    const rb = await fits.webgpu.recommendMany(users, { k: 10 });
    let same = 0;
    for (let u = 0; u < users.length; u++) {
      const s = new Set(ra[u]!.map((r) => r.item));
      same += rb[u]!.filter((r) => s.has(r.item)).length;
    }
    agreement = `Item factors, webgpu vs cpu: relative L2 difference ${fmt(Math.sqrt(diff / norm), 4)}; top-10 overlap over ${users.length} users: ${fmt((100 * same) / (10 * users.length), 1)}%.`;
    fits.webgpu.dispose();
  }
  const md = [
    '# ImplicitALS sweeps, ML-1M-partial',
    '',
    `${data.numUsers} users, ${data.numItems} items, ${data.length} rows; factors ${FACTORS}, cgSteps 3, ${EPOCHS} epochs. WebGPU adapter: ${note}. Load average at the end: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(
        ' ',
      )} (2 shared cores). SwiftShader runs WGSL on the CPU: webgpu times show the kernels work, not a GPU's speed.`,
    '',
    markdownTable(['backend', 'wall ms per epoch', 'process CPU ms per epoch'], rows),
    '',
    agreement,
  ].join('\n');
  const out = writeResults('ials-sweeps', { environment: environment(), rows }, md);
  console.log(`\n${md}\n\nwrote ${out.md}`);
}

await main();
