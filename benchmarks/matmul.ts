/**
 * Square float32 matmul, n x n @ n x n, side by side in one process:
 *
 * - attune-cpu, attune-webgpu, attune-gpujs: attune's backends used directly (upload the inputs
 *   once, then per run: backend.matmul + reading the whole n x n result back: readSync on the
 *   CPU-side backends, `await backend.read(out)` on WebGPU).
 * - tfjs-cpu, tfjs-wasm, tfjs-webgpu: @tensorflow/tfjs-core + backend packages, per run: tf.matMul + `await out.data()`.
 * - plain-loop (i-k-j): the textbook loop, the floor a hand-written kernel must beat.
 *
 * Every timed run ends with the full result on the CPU, so asynchronous backends (WebGPU) are
 * timed to completion, readback of n² floats included, the same way for attune and tfjs.
 * attune-webgpu and tfjs-webgpu share one `navigator.gpu` (Dawn from the `webgpu` package), so
 * they run on the same adapter.
 *
 *   node --import tsx --import ./benchmarks/wgsl-loader.mjs benchmarks/matmul.ts [--sizes=256,512,1024]
 *
 * The runner is in side-by-side.ts and the contender factories in contenders.ts (softmax.ts
 * reuses both). To add a backend, add one more Contender to `contenders()`.
 */
import type { BackendName, MatmulInfo } from '../src/backends/backend.js';
import { type Out, attuneContender, tfjsContender } from './contenders.js';
import { type Contender, type TimingOptions, seededFloat32 } from './harness.js';
import {
  type BenchOutput,
  type SideBySideResult,
  adaptiveTiming,
  runAndWrite,
  runIfMain,
  runSideBySide,
} from './side-by-side.js';

// ---------------------------------------------------------------------------------------------
// matmul

interface Problem {
  n: number;
  a: Float32Array;
  b: Float32Array;
}

function info(n: number): MatmulInfo {
  return {
    batch: 1,
    m: n,
    n,
    k: n,
    transA: false,
    transB: false,
    aBatchStride: 0,
    bBatchStride: 0,
    activation: 'none',
  };
}

/** The textbook loop with the unit-stride j innermost: what a hand-written kernel must beat. */
function plainLoop(): Contender<Problem, Out> {
  return {
    name: 'plain-loop (i-k-j)',
    prepare({ n, a, b }) {
      return {
        run() {
          const c = new Float32Array(n * n);
          for (let i = 0; i < n; i++) {
            for (let p = 0; p < n; p++) {
              const aip = a[i * n + p]!;
              const bo = p * n;
              const co = i * n;
              for (let j = 0; j < n; j++) c[co + j]! += aip * b[bo + j]!;
            }
          }
          return c;
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
      (p) => [p.a, p.b],
      (be, [a, b], p) => be.matmul(a!, b!, info(p.n)),
    );
  const tfjs = (backend: 'cpu' | 'wasm' | 'webgpu'): Contender<Problem, Out> =>
    tfjsContender<Problem>(
      backend,
      (p) => [
        { values: p.a, shape: [p.n, p.n] },
        { values: p.b, shape: [p.n, p.n] },
      ],
      (tf, [a, b]) => tf.matMul(a!, b!),
    );
  return [attune('cpu'), attune('webgpu'), attune('gpujs'), tfjs('cpu'), tfjs('wasm'), tfjs('webgpu'), plainLoop()];
}

function timingFor(_n: number, probeMs: number): TimingOptions {
  return adaptiveTiming(probeMs);
}

export async function runMatmulBench(sizes: number[]): Promise<SideBySideResult> {
  return runSideBySide<Problem>({
    name: 'matmul',
    title: 'matmul (float32, square n x n @ n x n)',
    description: [
      'Timed per run: the matmul plus reading the whole n x n result back to a CPU Float32Array (attune: backend.matmul',
      'then readSync / `await backend.read()`; tfjs: tf.matMul then `await t.data()`). Inputs are uploaded once, outside',
      'the timing. Median of the timed reps (2 for runs over 3 s, 3 over 0.5 s, else 5+),\nafter 1-2 untimed warmup runs. GFLOP/s = 2n³ / median time.',
    ].join('\n'),
    sizes,
    problem: (n) => ({ n, a: seededFloat32(n * n, 1), b: seededFloat32(n * n, 2) }),
    contenders: contenders(),
    throughput: { label: 'GFLOP/s', perRun: (n) => (2 * n ** 3) / 1e9 },
    timing: timingFor,
    tolerance: 1e-3,
  });
}

/** Entry point used by run.ts: runs, writes bench-results/matmul.{json,md}, returns the table. */
export function run(argv: readonly string[] = []): Promise<BenchOutput> {
  return runAndWrite('matmul', runMatmulBench, argv);
}

await runIfMain(import.meta.url, run);
