/**
 * Memory soak (issue 10): runs each model family's training loop for many steps on cpu and
 * webgpu and checks that live tensors, bytes and pooled buffers stay flat after warm-up.
 *
 *   VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json \
 *     node --import tsx --import ./benchmarks/wgsl-loader.mjs scripts/soak.ts [--steps=10000] [--backends=cpu,webgpu]
 *     [--families=mf,bpr,churn,kmeans,next-item]
 *
 * A step is one optimizer update: one minibatch of the MLP (ChurnClassifier) or of the
 * next-item model, one fused kernel call of MF and BPR (a Hogwild batch), one Lloyd iteration of
 * k-means. Memory is sampled after every epoch (every fit, for k-means) once the first tenth of
 * the steps has passed; test/soak.test.ts runs a short version in CI.
 */
import * as at from '../src/index.js';
import { Rng } from '../src/core/random.js';
import { Interactions } from '../src/data/interactions.js';
import { BPR, ChurnClassifier, KMeans, MatrixFactorization, NextItemModel } from '../src/models/index.js';

export const FAMILIES = ['mf', 'bpr', 'churn', 'kmeans', 'next-item'] as const;
export type Family = (typeof FAMILIES)[number];

export interface SoakResult {
  family: Family;
  backend: at.BackendName;
  steps: number;
  samples: number;
  /** [min, max] after warm-up; flat means min === max. */
  tensors: [number, number];
  bytes: [number, number];
  pooledBuffers: [number, number];
  flat: boolean;
}

interface Snapshot {
  tensors: number;
  bytes: number;
  pooledBuffers: number;
}

function snap(backend: at.BackendName): Snapshot {
  const m = at.memory();
  const b = m.backends[backend];
  return { tensors: m.tensors, bytes: b?.bytes ?? 0, pooledBuffers: b?.pooledBuffers ?? 0 };
}

const range = (v: number[]): [number, number] => [Math.min(...v), Math.max(...v)];

function interactions(users: number, items: number, perUser: number, seed: number): Interactions {
  const rng = new Rng(seed, 'soak');
  const u: number[] = [];
  const i: number[] = [];
  const v: number[] = [];
  for (let a = 0; a < users; a++) {
    const seen = new Set<number>();
    while (seen.size < perUser) seen.add(Math.floor(rng.float() * items));
    for (const b of seen) {
      u.push(a);
      i.push(b);
      v.push(1 + ((a + b) % 5));
    }
  }
  return Interactions.fromArrays({ users: u, items: i, values: v });
}

/** Runs `family` for about `steps` steps on `backend` and reports memory after warm-up. */
export async function soak(family: Family, backend: at.BackendName, steps: number): Promise<SoakResult> {
  const samples: Snapshot[] = [];
  const warmup = Math.ceil(steps / 10);
  let done = 0;
  const sample = (stepsNow: number): void => {
    done = stepsNow;
    if (done >= warmup) samples.push(snap(backend));
  };
  if (family === 'mf' || family === 'bpr') {
    // 64 rows per kernel call, 8 calls per epoch on the GPU; the CPU twin takes an epoch per call.
    const data = interactions(64, 48, 8, 1);
    const perEpoch = backend === 'cpu' ? 1 : Math.ceil(data.length / 64);
    const epochs = Math.ceil(steps / perEpoch);
    const opts = { factors: 8, epochs, lr: 0.01, seed: 1, backend, batchSize: 64 };
    const m = family === 'mf' ? new MatrixFactorization(opts) : new BPR({ ...opts, lr: 0.02 });
    await m.fit(data, { onEpoch: ({ epoch }) => sample(epoch * perEpoch) });
  } else if (family === 'churn') {
    const X = Array.from({ length: 64 }, (_, r) => [Math.sin(r), Math.cos(r * 0.7), (r % 7) / 7]);
    const y = X.map((row) => (row[0]! > 0 ? 1 : 0));
    const m = new ChurnClassifier({ hidden: [8], epochs: steps, batchSize: 64, calibration: 'none', backend, seed: 1 });
    await m.fit(X, y, { onEpoch: ({ epoch }) => sample(epoch) });
    m.dispose();
  } else if (family === 'kmeans') {
    const X = Array.from({ length: 96 }, (_, r) => [Math.sin(r * 1.3) * 3, Math.cos(r * 0.7) * 3]);
    while (done < steps) {
      // tol 0 runs all maxIter Lloyd iterations unless the assignment stops changing.
      const m = await new KMeans({ k: 4, maxIter: 50, tol: 0, seed: done, backend }).fit(X);
      sample(done + m.runs.reduce((a, r) => a + r.iterations, 0));
    }
  } else {
    const seqs = Array.from({ length: 32 }, (_, u) => Array.from({ length: 6 }, (_, t) => (u + t) % 12));
    const m = new NextItemModel({
      arch: 'transformer',
      numItems: 12,
      dim: 8,
      layers: 1,
      heads: 2,
      maxLen: 6,
      seed: 1,
      backend,
    });
    await m.fit(seqs, {
      epochs: Math.ceil(steps / 2),
      batchSize: 16,
      lr: 1e-2,
      onEpoch: ({ epoch }) => sample(epoch * 2),
    });
    m.dispose();
  }
  const tensors = range(samples.map((s) => s.tensors));
  const bytes = range(samples.map((s) => s.bytes));
  const pooledBuffers = range(samples.map((s) => s.pooledBuffers));
  const flat = [tensors, bytes, pooledBuffers].every(([a, b]) => a === b);
  return { family, backend, steps: done, samples: samples.length, tensors, bytes, pooledBuffers, flat };
}

export function table(results: SoakResult[]): string {
  const f = ([a, b]: [number, number]) => (a === b ? `${a}` : `${a} … ${b}`);
  const rows = results.map(
    (r) =>
      `| ${r.family} | ${r.backend} | ${r.steps} | ${r.samples} | ${f(r.tensors)} | ${f(r.bytes)} | ${f(r.pooledBuffers)} | ${r.flat ? 'yes' : 'NO'} |`,
  );
  return [
    '| family | backend | steps | samples after warm-up | live tensors | bytes | pooled buffers | flat |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

async function main(): Promise<void> {
  const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const steps = Number(arg('steps') ?? 10000);
  const backends = (arg('backends') ?? 'cpu,webgpu').split(',') as at.BackendName[];
  const families = (arg('families')?.split(',') ?? FAMILIES) as Family[];
  const results: SoakResult[] = [];
  for (const backend of backends) {
    try {
      await at.ready({ backend });
      await at.setBackend('cpu');
    } catch (e) {
      console.log(`${backend}: skipped (${(e as Error).message})`);
      continue;
    }
    for (const family of families) {
      const t0 = performance.now();
      results.push(await soak(family, backend, steps));
      console.error(`${family} on ${backend}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
  }
  console.log(table(results));
  process.exitCode = results.every((r) => r.flat) ? 0 : 1;
}

if (process.argv[1]?.endsWith('soak.ts')) await main();
