/**
 * Elementwise a + b over two float32 [n, n] matrices on the CPU, side by side in one process:
 * attune cpu with its default kernels (WebAssembly SIMD above 1,024 elements) and with the
 * TypeScript row loops forced (attune-cpu-ts), tfjs cpu and wasm (tf.add), and a plain loop.
 * The same-shape add is the most common elementwise call in training (residual branches,
 * gradient accumulation); the broadcast layouts (a scalar, a bias row) take the same kernel.
 *
 * Timed per run: the add and the disposal of its result, nothing else. Reading an [n, n] result
 * back allocates a fresh array, which costs several times the add itself (at n = 256: 0.09 ms
 * for attune's add, 0.6 ms with readSync), so matmul.ts's "op plus read back" protocol would
 * time the allocator here. The first run's result is read back once, outside the timing, for the
 * correctness check. The plain loop writes into one preallocated array, as attune's pool and
 * tfjs's reuse theirs. WebGPU is left out: timing it needs a read back or a fence per run.
 * Throughput is effective memory bandwidth: 12 bytes per element (two float32 reads, one write),
 * so GB/s = 12n² / median time.
 *
 *   node --import tsx benchmarks/elementwise.ts [--sizes=256,512,1024]
 */
import type { Backend, BroadcastInfo, Handle } from '../src/backends/backend.js';
import { CpuBackend } from '../src/backends/cpu/index.js';
import { type Contender, seededFloat32 } from './harness.js';
import { type Out, useTfBackend } from './contenders.js';
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
  a: Float32Array;
  b: Float32Array;
}

const sameShape = (n: number): BroadcastInfo => ({
  outShape: [n, n],
  outSize: n * n,
  strides: [
    [n, 1],
    [n, 1],
  ],
});

/** attune's binary add, used directly on a CPU backend with the given kernels. */
function attuneCpu(kernels: 'wasm' | 'ts'): Contender<Problem, Out> {
  const be: Backend = new CpuBackend({ kernels, threads: 1 });
  return {
    name: kernels === 'wasm' ? 'attune-cpu' : 'attune-cpu-ts',
    prepare(p) {
      const hs: Handle[] = [be.upload(p.a, 'float32'), be.upload(p.b, 'float32')];
      let first: Out | undefined;
      return {
        run() {
          const out = be.binary('add', hs[0]!, hs[1]!, sameShape(p.n));
          first ??= be.readSync!(out);
          be.dispose(out);
          return first;
        },
        dispose() {
          for (const h of hs) be.dispose(h);
        },
      };
    },
  };
}

/** tf.add on a tfjs CPU backend; the result is disposed (read back once, for the check). */
function tfjs(backend: 'cpu' | 'wasm'): Contender<Problem, Out> {
  let tf: Awaited<ReturnType<typeof useTfBackend>>;
  return {
    name: `tfjs-${backend}`,
    async setup() {
      tf = await useTfBackend(backend);
    },
    prepare(p) {
      const [a, b] = [tf.tensor(p.a, [p.n, p.n], 'float32'), tf.tensor(p.b, [p.n, p.n], 'float32')];
      let first: Out | undefined;
      return {
        run() {
          const out = tf.add(a, b);
          first ??= out.dataSync() as Float32Array;
          out.dispose();
          return first;
        },
        dispose() {
          a.dispose();
          b.dispose();
        },
      };
    },
  };
}

/** The add as a plain loop into one preallocated array. */
function plainLoop(): Contender<Problem, Out> {
  return {
    name: 'plain-loop',
    prepare({ n, a, b }) {
      const y = new Float32Array(n * n);
      return {
        run() {
          for (let i = 0; i < n * n; i++) y[i] = a[i]! + b[i]!;
          return y;
        },
        dispose() {},
      };
    },
  };
}

export function contenders(): Contender<Problem, Out>[] {
  return [attuneCpu('wasm'), attuneCpu('ts'), tfjs('cpu'), tfjs('wasm'), plainLoop()];
}

export async function runElementwiseBench(sizes: number[]): Promise<SideBySideResult> {
  return runSideBySide<Problem>({
    name: 'elementwise',
    title: 'elementwise add on the CPU (float32, [n, n] + [n, n], one thread)',
    description: [
      'Timed per run: a + b and disposing the result (attune: backend.binary; tfjs: tf.add), no read back (see the',
      'file header); the first result is read once for the check. Inputs (uniform in [-1, 1)) are uploaded once,',
      'outside the timing. Median of the timed reps after 1-3 untimed warmup runs. GB/s = 12n² bytes (two reads + one',
      'write per element) / median time. attune-cpu runs the WebAssembly SIMD kernel (src/backends/wasm/binary.ts),',
      'attune-cpu-ts the TypeScript row loops.',
    ].join('\n'),
    sizes,
    problem: (n) => ({ n, a: seededFloat32(n * n, 3), b: seededFloat32(n * n, 4) }),
    contenders: contenders(),
    throughput: { label: 'GB/s', perRun: (n) => (12 * n * n) / 1e9 },
    timing: shortOpTiming,
    tolerance: 1e-6,
  });
}

/** Entry point used by run.ts: runs, writes bench-results/elementwise.{json,md}, returns the table. */
export function run(argv: readonly string[] = []): Promise<BenchOutput> {
  return runAndWrite('elementwise', runElementwiseBench, argv);
}

await runIfMain(import.meta.url, run);
