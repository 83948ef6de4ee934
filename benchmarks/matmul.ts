/**
 * Square float32 matmul, n x n @ n x n, side by side in one process: attune's CPU backend
 * (through the backend API: upload once, then matmul + readSync per run), @tensorflow/tfjs on
 * its cpu and wasm backends (tf.matMul + data()), and a plain i-k-j loop as the floor. Every
 * timed run includes reading the result back, so asynchronous backends are timed fairly.
 *
 *   npx tsx benchmarks/matmul.ts [--sizes=256,512,1024]
 *
 * To add a backend, push one more Contender onto `contenders()` (attune webgpu: await
 * backend.read(out) in run; tfjs-webgpu: tf.setBackend('webgpu') in setup).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CpuBackend } from '../src/backends/cpu/index.js';
import type { MatmulInfo } from '../src/backends/backend.js';
import {
  type Contender,
  type TimingOptions,
  environment,
  fmt,
  markdownTable,
  maxAbsDiff,
  seededFloat32,
  timeTrial,
  writeResults,
} from './harness.js';

interface Problem {
  n: number;
  a: Float32Array;
  b: Float32Array;
}

type Out = ArrayLike<number>;

function attuneCpu(): Contender<Problem, Out> {
  const be = new CpuBackend();
  return {
    name: 'attune-cpu',
    prepare({ n, a, b }) {
      const ha = be.upload(a, 'float32');
      const hb = be.upload(b, 'float32');
      const info: MatmulInfo = {
        batch: 1, m: n, n, k: n, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0, activation: 'none',
      };
      return {
        run() {
          const out = be.matmul(ha, hb, info);
          const data = be.readSync(out);
          be.dispose(out);
          return data;
        },
        dispose() {
          be.dispose(ha);
          be.dispose(hb);
        },
      };
    },
  };
}

type Tf = typeof import('@tensorflow/tfjs');
let tfModule: Tf | undefined;
let wasmPathsSet = false;
async function loadTf(): Promise<Tf> {
  tfModule ??= await import('@tensorflow/tfjs');
  return tfModule;
}

function tfjs(backend: 'cpu' | 'wasm'): Contender<Problem, Out> {
  let tf: Tf;
  return {
    name: `tfjs-${backend}`,
    async setup() {
      tf = await loadTf();
      if (backend === 'wasm' && !wasmPathsSet) {
        wasmPathsSet = true;
        const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
        // In Node the wasm binaries load from a directory path; it must end with a slash.
        const require = createRequire(import.meta.url);
        setWasmPaths(`${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))}/dist/`);
      }
      if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} failed to initialize`);
      await tf.ready();
    },
    prepare({ n, a, b }) {
      const ta = tf.tensor2d(a, [n, n]);
      const tb = tf.tensor2d(b, [n, n]);
      return {
        async run() {
          const out = tf.matMul(ta, tb);
          const data = await out.data();
          out.dispose();
          return data as Float32Array;
        },
        dispose() {
          ta.dispose();
          tb.dispose();
        },
      };
    },
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
              for (let j = 0; j < n; j++) c[co + j] += aip * b[bo + j]!;
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
  return [attuneCpu(), tfjs('cpu'), tfjs('wasm'), plainLoop()];
}

interface Row {
  backend: string;
  n: number;
  medianMs: number;
  minMs: number;
  reps: number;
  gflops: number;
  speedVsAttuneCpu: number;
  maxAbsDiffVsAttuneCpu: number;
}

function timingFor(n: number): TimingOptions {
  // Keeps the whole run near a minute on two cores while still taking a median of >= 3.
  return n >= 1024
    ? { warmup: 1, minReps: 3, maxReps: 7, budgetMs: 4000 }
    : { warmup: 2, minReps: 5, maxReps: 25, budgetMs: 2000 };
}

export async function runMatmulBench(sizes: number[]): Promise<{ rows: Row[]; skipped: Record<string, string>; markdown: string }> {
  const all = contenders();
  const skipped: Record<string, string> = {};
  const ready: Contender<Problem, Out>[] = [];
  for (const c of all) {
    try {
      const ok = c.available ? await c.available() : true;
      if (ok !== true) {
        skipped[c.name] = ok;
        continue;
      }
      ready.push(c);
    } catch (e) {
      skipped[c.name] = (e as Error).message;
    }
  }
  const rows: Row[] = [];
  for (const n of sizes) {
    const problem: Problem = { n, a: seededFloat32(n * n, 1), b: seededFloat32(n * n, 2) };
    let reference: Out | undefined;
    let attuneMs = NaN;
    for (const c of ready) {
      if (skipped[c.name]) continue;
      try {
        // Setup per size, since tfjs has one global active backend.
        if (c.setup) await c.setup();
        const trial = await c.prepare(problem);
        const result = await trial.run();
        reference ??= result;
        const t = await timeTrial(trial, timingFor(n));
        await trial.dispose();
        if (c.name === 'attune-cpu') attuneMs = t.medianMs;
        const row: Row = {
          backend: c.name,
          n,
          medianMs: t.medianMs,
          minMs: t.minMs,
          reps: t.reps,
          gflops: (2 * n ** 3) / (t.medianMs * 1e6),
          speedVsAttuneCpu: attuneMs / t.medianMs,
          maxAbsDiffVsAttuneCpu: maxAbsDiff(result, reference),
        };
        rows.push(row);
        console.error(`${c.name} n=${n}: ${fmt(row.medianMs)} ms (${row.reps} reps)`);
      } catch (e) {
        skipped[c.name] = (e as Error).message;
      }
    }
  }
  for (const c of ready) if (c.teardown) await c.teardown();
  const table = markdownTable(
    ['n', 'backend', 'median ms', 'GFLOP/s', 'speed vs attune-cpu', 'max abs diff vs attune-cpu', 'reps'],
    rows.map((r) => [
      r.n, r.backend, fmt(r.medianMs), fmt(r.gflops), `${fmt(r.speedVsAttuneCpu)}x`, r.maxAbsDiffVsAttuneCpu.toExponential(1), r.reps,
    ]),
  );
  const env = environment();
  const skippedLines = Object.entries(skipped).map(([k, v]) => `- skipped ${k}: ${v}`);
  const markdown = [
    '# matmul (float32, square)',
    '',
    `Node ${env.node}, ${env.cpu} (${env.cores} cores), ${env.date}. Each run includes the readback;`,
    '"speed vs attune-cpu" > 1 means faster than attune-cpu.',
    '',
    table,
    ...(skippedLines.length ? ['', ...skippedLines] : []),
  ].join('\n');
  return { rows, skipped, markdown };
}

async function main(): Promise<void> {
  const arg = process.argv.find((a) => a.startsWith('--sizes='));
  const sizes = arg ? arg.slice('--sizes='.length).split(',').map(Number) : [256, 512, 1024];
  const { rows, skipped, markdown } = await runMatmulBench(sizes);
  const paths = writeResults('matmul', { benchmark: 'matmul', environment: environment(), sizes, rows, skipped }, markdown);
  console.log(markdown);
  console.log(`\nwrote ${paths.json} and ${paths.md}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
