/**
 * One LSTM training step (B = 64, T = 50, input 32, hidden 128, Adam), side by side in one process:
 * attune cpu / webgpu (nn.LSTM on the fused kernels + a linear head + MSE + optim.Adam) against
 * tfjs cpu / wasm / webgpu (tf.basicLSTMCell unrolled over T inside optimizer.minimize with
 * tf.train.adam). A step = forward, backward, Adam update, and reading the loss back.
 *
 *   node --import tsx --import ./benchmarks/wgsl-loader.mjs benchmarks/lstm.ts [--reps=3]
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import * as at from '../src/index.js';
import { environment, fmt, markdownTable, median, seededFloat32, timeTrial, writeResults } from './harness.js';
import { installNavigatorGpu, useTfBackend } from './contenders.js';

// tfjs-core's Node bundle registers no gradients; the @tensorflow/tfjs union registers them on
// the same tfjs-core instance (benchmarks only; the library never loads tfjs).
createRequire(import.meta.url)('@tensorflow/tfjs');

/**
 * Times `step` like timeTrial and also records the process CPU time of each timed run: on a
 * machine shared with other jobs, CPU time is the steadier figure (it sums all threads, so
 * for attune-cpu-2t it is the total work, not the wait).
 */
async function timeStep(step: () => Promise<void>, reps: number): Promise<{ ms: number; cpuMs: number; reps: number }> {
  const cpu: number[] = [];
  const run = async () => {
    const c0 = process.cpuUsage();
    await step();
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e3);
  };
  const t = await timeTrial({ run, dispose() {} }, { warmup: 1, minReps: reps, maxReps: reps, budgetMs: 0 });
  return { ms: t.medianMs, cpuMs: median(cpu.slice(1)), reps: t.reps };
}

const B = 64,
  T = 50,
  I = 32,
  H = 128;

interface Row {
  contender: string;
  msPerStep: number;
  cpuMsPerStep: number;
  vsTfjsWasm: number;
  reps: number;
  note?: string;
}

/** `cpuKernels` 'ts' forces the CPU backend's TypeScript kernels (the default is WebAssembly SIMD). */
async function attuneStep(
  backend: 'cpu' | 'webgpu',
  reps: number,
  cpuKernels: 'auto' | 'ts' = 'auto',
  cpuThreads = 1,
): Promise<{ ms: number; cpuMs: number; reps: number }> {
  if (backend === 'webgpu') await installNavigatorGpu();
  await at.ready({ backend, cpuKernels, cpuThreads });
  at.manualSeed(1);
  const lstm = new at.nn.LSTM(I, H, { batchFirst: true, seed: 1 });
  const head = new at.nn.Linear(H, 1, { seed: 2 });
  const opt = new at.optim.Adam([...lstm.parameters(), ...head.parameters()], { lr: 1e-3 });
  const x = at.tensor(seededFloat32(B * T * I, 1), { shape: [B, T, I] });
  const y = at.tensor(seededFloat32(B, 2), { shape: [B, 1] });
  const step = async () => {
    const loss = at.scope(() => {
      opt.zeroGrad();
      const h = lstm.forward(x).h;
      const l = at.nn.functional.mse(head.forward(at.reshape(h, [B, H])), y);
      l.backward();
      opt.step();
      return l;
    });
    await loss.item();
    loss.dispose();
  };
  const t = await timeStep(step, reps);
  lstm.dispose();
  head.dispose();
  await at.ready({ backend: 'cpu', cpuKernels: 'auto', cpuThreads: 1 });
  return t;
}

async function tfjsStep(
  backend: 'cpu' | 'wasm' | 'webgpu',
  reps: number,
): Promise<{ ms: number; cpuMs: number; reps: number }> {
  const tf = await useTfBackend(backend);
  const kernel = tf.variable(tf.randomUniform([I + H, 4 * H], -0.08, 0.08, 'float32', 1));
  const bias = tf.variable(tf.zeros([4 * H]));
  const wOut = tf.variable(tf.randomUniform([H, 1], -0.08, 0.08, 'float32', 2));
  const x = tf.tensor(seededFloat32(B * T * I, 1), [T, B, I]);
  const xs = tf.unstack(x);
  const y = tf.tensor(seededFloat32(B, 2), [B, 1]);
  const opt = tf.train.adam(1e-3);
  const step = async () => {
    const loss = opt.minimize(() => {
      let c = tf.zeros([B, H]) as import('@tensorflow/tfjs-core').Tensor2D;
      let h = tf.zeros([B, H]) as import('@tensorflow/tfjs-core').Tensor2D;
      for (let t = 0; t < T; t++)
        [c, h] = tf.basicLSTMCell(
          tf.scalar(1),
          kernel as unknown as import('@tensorflow/tfjs-core').Tensor2D,
          bias as unknown as import('@tensorflow/tfjs-core').Tensor1D,
          xs[t] as import('@tensorflow/tfjs-core').Tensor2D,
          c,
          h,
        );
      return tf.losses.meanSquaredError(y, tf.matMul(h, wOut)) as import('@tensorflow/tfjs-core').Scalar;
    }, true)!;
    await loss.data();
    loss.dispose();
  };
  const t = await timeStep(step, reps);
  tf.dispose([kernel, bias, wOut, x, y, ...xs]);
  return t;
}

export async function run(args: string[] = process.argv.slice(2)): Promise<{ markdown: string }> {
  const reps = Number(args.find((a) => a.startsWith('--reps='))?.slice(7) ?? 3);
  const only = args
    .find((a) => a.startsWith('--only='))
    ?.slice(7)
    .split(',');
  const rows: Row[] = [];
  const contenders: [string, () => Promise<{ ms: number; cpuMs: number; reps: number }>][] = [
    ['attune-cpu', () => attuneStep('cpu', reps)],
    // The fused LSTM step is one thread; the 4H-wide input projection (3200 x 32 x 512) splits.
    ['attune-cpu-2t', () => attuneStep('cpu', reps, 'auto', 2)],
    ['attune-cpu-ts', () => attuneStep('cpu', reps, 'ts')],
    ['tfjs-cpu', () => tfjsStep('cpu', Math.min(reps, 2))],
    ['tfjs-wasm', () => tfjsStep('wasm', reps)],
    ['attune-webgpu', () => attuneStep('webgpu', reps)],
    ['tfjs-webgpu', () => tfjsStep('webgpu', reps)],
  ];
  for (const [name, fn] of contenders) {
    if (only && !only.includes(name)) continue;
    try {
      const r = await fn();
      rows.push({ contender: name, msPerStep: r.ms, cpuMsPerStep: r.cpuMs, vsTfjsWasm: NaN, reps: r.reps });
    } catch (e) {
      rows.push({
        contender: name,
        msPerStep: NaN,
        cpuMsPerStep: NaN,
        vsTfjsWasm: NaN,
        reps: 0,
        note: (e as Error).message.slice(0, 120),
      });
    }
    console.log(name, rows[rows.length - 1]);
  }
  const wasm = rows.find((r) => r.contender === 'tfjs-wasm');
  const tfgpu = rows.find((r) => r.contender === 'tfjs-webgpu')?.msPerStep ?? NaN;
  for (const r of rows) r.vsTfjsWasm = (wasm?.msPerStep ?? NaN) / r.msPerStep;
  const table = markdownTable(
    [
      'contender',
      'ms / step',
      'speed vs tfjs-wasm',
      'CPU ms / step',
      'vs tfjs-wasm (CPU time)',
      'speed vs tfjs-webgpu',
      'reps',
      'note',
    ],
    rows.map((r) => [
      r.contender,
      fmt(r.msPerStep, 1),
      fmt(r.vsTfjsWasm),
      fmt(r.cpuMsPerStep, 1),
      fmt((wasm?.cpuMsPerStep ?? NaN) / r.cpuMsPerStep),
      fmt(tfgpu / r.msPerStep),
      r.reps,
      r.note ?? '',
    ]),
  );
  const load = os.loadavg().map((x) => x.toFixed(1));
  const markdown = `### LSTM training step (B=${B}, T=${T}, input ${I}, hidden ${H}, Adam)\n\nCPU ms is the process CPU time of a step (median, all threads summed), the steadier figure on a shared machine; attune-cpu-2t is the CPU backend with 2 threads. Load average at the end: ${load.join(', ')} (${os.cpus().length} cores).\n\n${table}\n`;
  writeResults('lstm', { env: environment(), rows }, markdown);
  console.log(markdown);
  return { markdown };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
