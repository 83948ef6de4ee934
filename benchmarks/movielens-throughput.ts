import { backendByName } from '../src/backends/registry.js';
import type { WebGPUBackend } from '../src/backends/webgpu/index.js';
import { loadMovieLens } from '../src/data/movielens.js';
import { Rng } from '../src/core/random.js';
import type { Interactions } from '../src/data/interactions.js';
import { MatrixFactorization } from '../src/models/index.js';
import { environment, fmt, markdownTable, median, writeResults, probeWebGPU } from './harness.js';

const PATH = new URL('../../shared/datasets/movielens-1m/ratings.PARTIAL_first487650.dat', import.meta.url);

function arg(name: string, fallback: number): number {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split('=')[1]) : fallback;
}

const EPOCHS = arg('epochs', 5);
const K = arg('factors', 64);
const LR = 0.005;
const REG = 0.02;

/** The baseline: the textbook SGD loop over Float32Arrays, written inline. */
function plainLoop(data: Interactions, onEpoch: (ms: number, rmse: number) => void): void {
  const n = data.length;
  const rng = new Rng(0);
  const P = new Float32Array(data.numUsers * K).map(() => (rng.float() - 0.5) * 0.2);
  const Q = new Float32Array(data.numItems * K).map(() => (rng.float() - 0.5) * 0.2);
  const bu = new Float32Array(data.numUsers);
  const bi = new Float32Array(data.numItems);
  let mu = 0;
  for (const v of data.values) mu += v;
  mu /= n;
  const order = new Int32Array(n).map((_, i) => i);
  for (let e = 0; e < EPOCHS; e++) {
    const t0 = performance.now();
    rng.shuffle(order);
    let sq = 0;
    for (let j = 0; j < n; j++) {
      const r = order[j]!;
      const u = data.users[r]!;
      const i = data.items[r]!;
      let dot = 0;
      for (let f = 0; f < K; f++) dot += P[u * K + f]! * Q[i * K + f]!;
      const err = data.values[r]! - (mu + bu[u]! + bi[i]! + dot);
      sq += err * err;
      bu[u]! += LR * (err - REG * bu[u]!);
      bi[i]! += LR * (err - REG * bi[i]!);
      for (let f = 0; f < K; f++) {
        const pf = P[u * K + f]!;
        const qf = Q[i * K + f]!;
        P[u * K + f] = pf + LR * (err * qf - REG * pf);
        Q[i * K + f] = qf + LR * (err * pf - REG * qf);
      }
    }
    onEpoch(performance.now() - t0, Math.sqrt(sq / n));
  }
}

interface Row {
  contender: string;
  epochMs: number[];
  trainRmse: number[];
  medianRatingsPerSec: number;
}

async function main(): Promise<void> {
  const data = await loadMovieLens(PATH);
  const n = data.length;
  const useGpu = !process.argv.includes('--no-webgpu');
  const { ok: gpuOk, note: gpuNote } = await probeWebGPU(useGpu);
  const rows: Row[] = [];
  const record = (contender: string, epochMs: number[], trainRmse: number[]): void => {
    const row = { contender, epochMs, trainRmse, medianRatingsPerSec: n / (median(epochMs) / 1000) };
    rows.push(row);
    console.log(
      `${contender}: ${fmt(row.medianRatingsPerSec / 1e6, 3)} M ratings/s (epochs ${epochMs.map((m) => fmt(m)).join(', ')} ms; train RMSE ${trainRmse.map((r) => r.toFixed(3)).join(', ')})`,
    );
  };

  {
    const ms: number[] = [];
    const rm: number[] = [];
    plainLoop(data, (m, r) => {
      ms.push(m);
      rm.push(r);
    });
    record('plain TypeScript SGD loop', ms, rm);
  }
  const runModel = async (label: string, opts: ConstructorParameters<typeof MatrixFactorization>[0]): Promise<void> => {
    const ms: number[] = [];
    const rm: number[] = [];
    const mf = new MatrixFactorization({ factors: K, epochs: EPOCHS, lr: LR, reg: REG, initStd: 0.1, ...opts });
    await mf.fit(data, {
      onEpoch: (e) => {
        ms.push(e.ms);
        rm.push(e.loss);
      },
    });
    mf.dispose();
    record(label, ms, rm);
  };
  await runModel('attune cpu (fused MF twin)', { backend: 'cpu' });
  if (gpuOk) {
    const be = backendByName('webgpu') as WebGPUBackend;
    const auto = be.mfLayout;
    for (const batchSize of [4096, 32768]) {
      await runModel(`attune webgpu (mf_sgd.wgsl, ${auto} layout, batch ${batchSize})`, {
        backend: 'webgpu',
        batchSize,
      });
    }
    if (process.argv.includes('--workgroup-layout') && auto !== 'workgroup') {
      be.mfLayout = 'workgroup';
      await runModel('attune webgpu (mf_sgd.wgsl, workgroup layout, batch 4096)', {
        backend: 'webgpu',
        batchSize: 4096,
        epochs: 1,
      });
      be.mfLayout = auto;
    }
  }
  const plain = rows[0]!.medianRatingsPerSec;
  const md = [
    '# MF SGD throughput on MovieLens-1M (partial: first 487,650 ratings)',
    '',
    `${n} ratings, ${data.numUsers} users, ${data.numItems} items; k = ${K}, ${EPOCHS} epochs, lr ${LR}, reg ${REG}. Each epoch includes the shuffle, the upload of the shuffled rows (webgpu) and one readback of the per-row losses. WebGPU adapter: ${gpuNote}.`,
    'SwiftShader emulates the GPU on the CPU cores this machine shares, so its figures show the kernel works and how its layouts compare, not GPU speed.',
    '',
    markdownTable(
      ['contender', 'median M ratings/s', 'vs plain loop', 'epoch ms (each)', 'train RMSE, last epoch'],
      rows.map((r) => [
        r.contender,
        fmt(r.medianRatingsPerSec / 1e6, 3),
        `${fmt(r.medianRatingsPerSec / plain)}x`,
        r.epochMs.map((m) => fmt(m)).join(', '),
        r.trainRmse[r.trainRmse.length - 1]!.toFixed(4),
      ]),
    ),
  ].join('\n');
  const out = writeResults(
    'movielens-throughput',
    { environment: environment(), webgpu: gpuNote, factors: K, epochs: EPOCHS, rows },
    md,
  );
  console.log(`\n${md}\n\nwrote ${out.md}`);
}

await main();
