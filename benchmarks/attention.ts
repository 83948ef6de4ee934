/**
 * Attention forward + backward (B = 8, heads = 8, d = 64, T = 256 and 1024), side by side:
 * attune cpu (WebAssembly SIMD kernels; attune-cpu-ts: the TypeScript kernels forced) / webgpu run
 * the fused flash-attention op and its fused backward; tfjs cpu / wasm /
 * webgpu compose it from matMul + softmax + matMul under tf.grads (materializing T×T scores).
 * A run = forward, backward for dq, dk, dv against a fixed output weighting, and reading dq back.
 * attune-cpu runs with 1 and with 2 threads (worker threads split the (batch, head) problems);
 * CPU ms is process CPU time per run, all threads summed. `--only=` picks contenders, `--warmup=0`
 * skips the untimed run (for T = 1024, where one run takes tens of seconds and compiles are noise).
 *
 *   node --import tsx --import ./benchmarks/wgsl-loader.mjs benchmarks/attention.ts [--T=256,1024] [--reps=2]
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import * as at from '../src/index.js';
import { scaledDotProductAttention } from '../src/ops/fused/attention.js';
import { environment, fmt, markdownTable, median, seededFloat32, timeTrial, writeResults } from './harness.js';
import { installNavigatorGpu, useTfBackend } from './contenders.js';

// tfjs-core's Node bundle registers no gradients; the @tensorflow/tfjs union registers them on
// the same tfjs-core instance (benchmarks only; the library never loads tfjs).
createRequire(import.meta.url)('@tensorflow/tfjs');

const B = 8,
  NH = 8,
  D = 64;

interface Timing {
  warmup: number;
  reps: number;
}

/** timeTrial plus the median process CPU time of the timed runs (all threads summed). */
async function timeWithCpu(runOnce: () => Promise<void>, { warmup, reps }: Timing) {
  const cpu: number[] = [];
  const run = async () => {
    const c0 = process.cpuUsage();
    await runOnce();
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e3);
  };
  const t = await timeTrial({ run, dispose() {} }, { warmup, minReps: reps, maxReps: reps, budgetMs: 0 });
  return { ms: t.medianMs, cpuMs: median(cpu.slice(warmup)), reps: t.reps };
}

/** `cpuKernels` 'ts' forces the CPU backend's TypeScript kernels (the default is WebAssembly SIMD). */
async function attune(
  backend: 'cpu' | 'webgpu',
  T: number,
  timing: Timing,
  cpuKernels: 'auto' | 'ts' = 'auto',
  cpuThreads = 1,
) {
  if (backend === 'webgpu') await installNavigatorGpu();
  await at.ready({ backend, cpuKernels, cpuThreads });
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
  const t = await timeWithCpu(runOnce, timing);
  for (const x of [q, k, v, w]) {
    x.grad?.dispose();
    x.dispose();
  }
  await at.ready({ backend: 'cpu', cpuKernels: 'auto', cpuThreads: 1 });
  return { ...t, peakMiB: peak / 2 ** 20 };
}

async function tfjs(backend: 'cpu' | 'wasm' | 'webgpu', T: number, timing: Timing) {
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
  const t = await timeWithCpu(runOnce, timing);
  tf.dispose([q, k, v, w]);
  return { ...t, peakMiB: NaN };
}

export async function run(args: string[] = process.argv.slice(2)): Promise<{ markdown: string }> {
  const Ts = (args.find((a) => a.startsWith('--T='))?.slice(4) ?? '256,1024').split(',').map(Number);
  const reps = Number(args.find((a) => a.startsWith('--reps='))?.slice(7) ?? 2);
  const warmup = Number(args.find((a) => a.startsWith('--warmup='))?.slice(9) ?? 1);
  const timing = { warmup, reps };
  const load = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');
  const only = args
    .find((a) => a.startsWith('--only='))
    ?.slice(7)
    .split(',');
  const rows: (string | number)[][] = [];
  const json: unknown[] = [];
  for (const T of Ts) {
    // Nominal work: 2 matmuls forward and 5 backward (flash recomputes q·kᵀ), 2·B·H·T²·d each.
    const flops = 14 * B * NH * T * T * D;
    const list: [string, () => Promise<{ ms: number; cpuMs: number; reps: number; peakMiB: number }>][] = [
      ['attune-cpu', () => attune('cpu', T, timing)],
      ['attune-cpu-2t', () => attune('cpu', T, timing, 'auto', 2)],
      ['attune-cpu-ts', () => attune('cpu', T, timing, 'ts')],
      ['tfjs-cpu', () => tfjs('cpu', T, { warmup, reps: 1 })],
      ['tfjs-wasm', () => tfjs('wasm', T, timing)],
      ['attune-webgpu', () => attune('webgpu', T, timing)],
      ['tfjs-webgpu', () => tfjs('webgpu', T, timing)],
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
          name === 'attune-cpu-2t' ? 2 : 1,
          fmt(r.ms, 1),
          fmt(r.cpuMs, 1),
          fmt(flops / r.ms / 1e6),
          Number.isNaN(r.peakMiB) ? '' : fmt(r.peakMiB, 1),
          r.reps,
          '',
        ]);
        json.push({ T, name, ...r });
      } catch (e) {
        rows.push([T, name, '', 'n/a', '', '', '', 0, (e as Error).message.slice(0, 100)]);
      }
      console.log(rows[rows.length - 1]!.join(' | '));
    }
  }
  const table = markdownTable(
    [
      'T',
      'contender',
      'threads',
      'ms fwd+bwd',
      'CPU ms',
      'nominal GFLOP/s',
      'live MiB at end of backward',
      'reps',
      'note',
    ],
    rows,
  );
  const markdown = `### Attention forward + backward (B=${B}, heads=${NH}, d=${D})\n\nLoad average at start: ${load}. CPU ms: process CPU time per run, all threads summed.\n\n${table}\n`;
  writeResults('attention', { env: environment(), rows: json }, markdown);
  console.log(markdown);
  return { markdown };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
