/**
 * Attention forward + backward (B = 8, heads = 8, d = 64, T = 256 and 1024), side by side:
 * attune cpu (WebAssembly SIMD kernels; attune-cpu-ts: the TypeScript kernels forced) / webgpu run
 * the fused flash-attention op and its fused backward; tfjs cpu / wasm /
 * webgpu compose it from matMul + softmax + matMul under tf.grads (materializing T×T scores).
 * A run = forward, backward for dq, dk, dv against a fixed output weighting, and reading dq back.
 *
 *   node --import tsx --import ./benchmarks/wgsl-loader.mjs benchmarks/attention.ts [--T=256,1024] [--reps=2]
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import * as at from '../src/index.js';
import { scaledDotProductAttention } from '../src/ops/fused/attention.js';
import { environment, fmt, markdownTable, seededFloat32, timeTrial, writeResults } from './harness.js';
import { installNavigatorGpu, useTfBackend } from './contenders.js';

// tfjs-core's Node bundle registers no gradients; the @tensorflow/tfjs union registers them on
// the same tfjs-core instance (benchmarks only; the library never loads tfjs).
createRequire(import.meta.url)('@tensorflow/tfjs');

const B = 8,
  NH = 8,
  D = 64;

/** `cpuKernels` 'ts' forces the CPU backend's TypeScript kernels (the default is WebAssembly SIMD). */
async function attune(backend: 'cpu' | 'webgpu', T: number, reps: number, cpuKernels: 'auto' | 'ts' = 'auto') {
  if (backend === 'webgpu') await installNavigatorGpu();
  await at.ready({ backend, cpuKernels });
  const n = B * NH * T * D;
  const mk = (s: number) => at.tensor(seededFloat32(n, s), { shape: [B, NH, T, D], requiresGrad: true });
  const q = mk(1),
    k = mk(2),
    v = mk(3);
  const w = at.tensor(seededFloat32(n, 4), { shape: [B, NH, T, D] });
  let peak = 0;
  const runOnce = async () => {
    await at.scope(async () => {
      for (const t of [q, k, v]) {
        t.grad?.dispose();
        t.grad = null;
      }
      at.sum(at.mul(scaledDotProductAttention(q, k, v), w)).backward();
      await q.grad!.data();
      const m = at.memory().backends[backend]!;
      peak = Math.max(peak, m.bytes);
    });
  };
  const t = await timeTrial({ run: runOnce, dispose() {} }, { warmup: 1, minReps: reps, maxReps: reps, budgetMs: 0 });
  for (const x of [q, k, v, w]) {
    x.grad?.dispose();
    x.dispose();
  }
  await at.ready({ backend: 'cpu', cpuKernels: 'auto' });
  return { ms: t.medianMs, reps: t.reps, peakMiB: peak / 2 ** 20 };
}

async function tfjs(backend: 'cpu' | 'wasm' | 'webgpu', T: number, reps: number) {
  const tf = await useTfBackend(backend);
  const shape = [B * NH, T, D];
  const n = B * NH * T * D;
  const q = tf.tensor(seededFloat32(n, 1), shape),
    k = tf.tensor(seededFloat32(n, 2), shape),
    v = tf.tensor(seededFloat32(n, 3), shape);
  const w = tf.tensor(seededFloat32(n, 4), shape);
  const scale = 1 / Math.sqrt(D);
  const g = tf.grads((a, b, c) =>
    tf.sum(tf.mul(tf.matMul(tf.softmax(tf.mul(tf.matMul(a, b, false, true), scale)), c), w)),
  );
  const runOnce = async () => {
    const grads = g([q, k, v]);
    await grads[0]!.data();
    tf.dispose(grads);
  };
  const t = await timeTrial({ run: runOnce, dispose() {} }, { warmup: 1, minReps: reps, maxReps: reps, budgetMs: 0 });
  tf.dispose([q, k, v, w]);
  return { ms: t.medianMs, reps: t.reps, peakMiB: NaN };
}

export async function run(args: string[] = process.argv.slice(2)): Promise<{ markdown: string }> {
  const Ts = (args.find((a) => a.startsWith('--T='))?.slice(4) ?? '256,1024').split(',').map(Number);
  const reps = Number(args.find((a) => a.startsWith('--reps='))?.slice(7) ?? 2);
  const only = args
    .find((a) => a.startsWith('--only='))
    ?.slice(7)
    .split(',');
  const rows: (string | number)[][] = [];
  const json: unknown[] = [];
  for (const T of Ts) {
    // Nominal work: 2 matmuls forward and 5 backward (flash recomputes q·kᵀ), 2·B·H·T²·d each.
    const flops = 14 * B * NH * T * T * D;
    const list: [string, () => Promise<{ ms: number; reps: number; peakMiB: number }>][] = [
      ['attune-cpu', () => attune('cpu', T, reps)],
      ['attune-cpu-ts', () => attune('cpu', T, reps, 'ts')],
      ['tfjs-cpu', () => tfjs('cpu', T, 1)],
      ['tfjs-wasm', () => tfjs('wasm', T, reps)],
      ['attune-webgpu', () => attune('webgpu', T, reps)],
      ['tfjs-webgpu', () => tfjs('webgpu', T, reps)],
    ];
    const results: Record<string, number> = {};
    for (const [name, fn] of list) {
      if (only && !only.includes(name)) continue;
      try {
        const r = await fn();
        results[name] = r.ms;
        rows.push([
          T,
          name,
          fmt(r.ms, 1),
          fmt(flops / r.ms / 1e6),
          Number.isNaN(r.peakMiB) ? '' : fmt(r.peakMiB, 1),
          r.reps,
          '',
        ]);
        json.push({ T, name, ...r });
      } catch (e) {
        rows.push([T, name, 'n/a', '', '', 0, (e as Error).message.slice(0, 100)]);
      }
      console.log(rows[rows.length - 1]!.join(' | '));
    }
  }
  const table = markdownTable(
    ['T', 'contender', 'ms fwd+bwd', 'nominal GFLOP/s', 'live MiB at end of backward', 'reps', 'note'],
    rows,
  );
  const markdown = `### Attention forward + backward (B=${B}, heads=${NH}, d=${D})\n\n${table}\n`;
  writeResults('attention', { env: environment(), rows: json }, markdown);
  console.log(markdown);
  return { markdown };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
