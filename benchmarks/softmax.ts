/**
 * Row-wise softmax over an [n, n] float32 matrix (each of the n rows normalized over its n
 * columns), side by side in one process: attune cpu / webgpu / gpujs (backend.softmax used
 * directly), tfjs cpu / wasm / webgpu (tf.softmax over the last axis), and a plain
 * three-pass loop. gpu.js has no softmax kernel in attune: attune-gpujs runs the CPU backend's
 * softmax (it is listed so the tier is covered, and should match attune-cpu).
 *
 * Timed per run: the softmax plus reading the whole [n, n] result back to the CPU, as in
 * matmul.ts. Throughput is effective memory bandwidth: 8 bytes per element (one float32 read,
 * one written), so GB/s = 8n² / median time.
 *
 *   node --import tsx --import ./benchmarks/wgsl-loader.mjs benchmarks/softmax.ts [--sizes=256,512,1024]
 */
import type { BackendName } from '../src/backends/backend.js';
import { type Contender, seededFloat32 } from './harness.js';
import { type Out, attuneContender, tfjsContender } from './contenders.js';
import {
  type BenchOutput,
  type SideBySideResult,
  runAndWrite,
  runIfMain,
  runSideBySide,
  shortOpTiming,
} from './side-by-side.js';

interface Problem {
  n: number;
  x: Float32Array;
}

/** Max, exp-and-sum, scale: the numerically stable softmax as a plain loop. */
function plainLoop(): Contender<Problem, Out> {
  return {
    name: 'plain-loop',
    prepare({ n, x }) {
      return {
        run() {
          const y = new Float32Array(n * n);
          for (let i = 0; i < n; i++) {
            const o = i * n;
            let m = -Infinity;
            for (let j = 0; j < n; j++) m = Math.max(m, x[o + j]!);
            let s = 0;
            for (let j = 0; j < n; j++) {
              const e = Math.exp(x[o + j]! - m);
              y[o + j] = e;
              s += e;
            }
            const inv = 1 / s;
            for (let j = 0; j < n; j++) y[o + j]! *= inv;
          }
          return y;
        },
        dispose() {},
      };
    },
  };
}

export function contenders(): Contender<Problem, Out>[] {
  const attune = (name: BackendName): Contender<Problem, Out> =>
    attuneContender<Problem>(
      name,
      (p) => [p.x],
      (be, [x], p) => be.softmax(x!, p.n, p.n, false),
    );
  const tfjs = (backend: 'cpu' | 'wasm' | 'webgpu'): Contender<Problem, Out> =>
    tfjsContender<Problem>(
      backend,
      (p) => [{ values: p.x, shape: [p.n, p.n] }],
      (tf, [x]) => tf.softmax(x!),
    );
  return [attune('cpu'), attune('webgpu'), attune('gpujs'), tfjs('cpu'), tfjs('wasm'), tfjs('webgpu'), plainLoop()];
}

export async function runSoftmaxBench(sizes: number[]): Promise<SideBySideResult> {
  return runSideBySide<Problem>({
    name: 'softmax',
    title: 'row-wise softmax (float32, [n, n], over the last axis)',
    description: [
      'Timed per run: the softmax plus reading the whole [n, n] result back to a CPU Float32Array (attune: backend.softmax',
      'then readSync / `await backend.read()`; tfjs: tf.softmax then `await t.data()`). Inputs (uniform in [-4, 4)) are',
      'uploaded once, outside the timing. Median of the timed reps (2-3 for runs over 0.5 s, else 7+) after 1-3 untimed',
      'warmup runs. GB/s = 8n² bytes (one read + one write per element) / median time.',
      "attune-gpujs uses the CPU backend's softmax (gpu.js only accelerates matmul).",
    ].join('\n'),
    sizes,
    problem: (n) => ({ n, x: seededFloat32(n * n, 3).map((v) => v * 8) }),
    contenders: contenders(),
    throughput: { label: 'GB/s', perRun: (n) => (8 * n * n) / 1e9 },
    timing: shortOpTiming,
    tolerance: 1e-5,
  });
}

/** Entry point used by run.ts: runs, writes bench-results/softmax.{json,md}, returns the table. */
export function run(argv: readonly string[] = []): Promise<BenchOutput> {
  return runAndWrite('softmax', runSoftmaxBench, argv);
}

await runIfMain(import.meta.url, run);
