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
 * This file also holds the side-by-side runner and the contender factories that softmax.ts
 * reuses. To add a backend, add one more Contender to `contenders()`.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Backend, BackendName, Handle, MatmulInfo } from '../src/backends/backend.js';
import { CpuBackend } from '../src/backends/cpu/index.js';
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

export type Out = ArrayLike<number>;

// ---------------------------------------------------------------------------------------------
// Shared WebGPU adapter: one Dawn GPU object on navigator.gpu for tfjs-webgpu and attune.

let gpuInstalled = false;

/**
 * Puts Dawn's GPU object on `globalThis.navigator.gpu` (Node 20 has no navigator) and the
 * WebGPU constants (GPUBufferUsage, ...) on globalThis, as tfjs-webgpu expects. attune's device
 * lookup prefers navigator.gpu, so both libraries then open devices on the same adapter.
 */
export async function installNavigatorGpu(): Promise<void> {
  if (gpuInstalled) return;
  gpuInstalled = true;
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu) return;
  const specifier = 'webgpu';
  const { create, globals } = (await import(specifier)) as { create(flags: string[]): unknown; globals: object };
  Object.assign(globalThis, globals);
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, writable: true, configurable: true });
  Object.defineProperty(g.navigator, 'gpu', { value: create([]), writable: true, configurable: true });
}

// ---------------------------------------------------------------------------------------------
// attune contenders

let adapterDescription = 'not initialized';

/** The WebGPU adapter attune opened (for the report). */
export function webgpuAdapter(): string {
  return adapterDescription;
}

const cpuBackend = new CpuBackend();

/** attune's backend by name; webgpu and gpujs go through the public `ready()` registry. */
export async function attuneBackend(name: BackendName): Promise<Backend> {
  if (name === 'cpu') return cpuBackend;
  if (name === 'webgpu') await installNavigatorGpu();
  const registry = await import('../src/backends/registry.js');
  const info = await registry.ready({ backend: name });
  if (name === 'webgpu') adapterDescription = info.description;
  const be = registry.backendByName(name);
  await registry.setBackend('cpu');
  return be;
}

/** Reads a result back, synchronously where the backend can (cpu, gpujs), else awaiting read(). */
async function readBack(be: Backend, h: Handle): Promise<Out> {
  return be.readSync ? be.readSync(h) : be.read(h);
}

/**
 * An attune contender: `inputs` uploads the problem's arrays once; each run calls `op` and reads
 * its whole result back.
 */
export function attuneContender<P>(
  name: BackendName,
  inputs: (p: P) => Float32Array[],
  op: (be: Backend, xs: Handle[], p: P) => Handle,
): Contender<P, Out> {
  let be: Backend;
  return {
    name: `attune-${name}`,
    async setup() {
      be ??= await attuneBackend(name);
    },
    prepare(p) {
      const hs = inputs(p).map((x) => be.upload(x, 'float32'));
      return {
        async run() {
          const out = op(be, hs, p);
          const data = await readBack(be, out);
          be.dispose(out);
          return data;
        },
        dispose() {
          for (const h of hs) be.dispose(h);
        },
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// tfjs contenders

// tfjs-core plus one package per backend rather than the @tensorflow/tfjs union: the union
// pulls in layers, converter, data and webgl (~140 MB), which a GPU bundle cannot carry.
export type Tf = typeof import('@tensorflow/tfjs-core');
type TfTensor = import('@tensorflow/tfjs-core').Tensor;
let tfModule: Tf | undefined;
let wasmPathsSet = false;
let tfWebgpuImported = false;

export async function loadTf(): Promise<Tf> {
  if (!tfModule) {
    tfModule = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-cpu');
  }
  return tfModule;
}

/** Loads (once) and selects a tfjs backend; tfjs has one global active backend. */
export async function useTfBackend(backend: 'cpu' | 'wasm' | 'webgpu'): Promise<Tf> {
  const tf = await loadTf();
  if (backend === 'wasm' && !wasmPathsSet) {
    wasmPathsSet = true;
    const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
    // In Node the wasm binaries load from a directory path; it must end with a slash.
    const require = createRequire(import.meta.url);
    setWasmPaths(`${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))}/dist/`);
  }
  if (backend === 'webgpu' && !tfWebgpuImported) {
    await installNavigatorGpu();
    await import('@tensorflow/tfjs-backend-webgpu');
    tfWebgpuImported = true;
  }
  if (tf.getBackend() !== backend && !(await tf.setBackend(backend))) {
    throw new Error(`tfjs backend ${backend} failed to initialize`);
  }
  await tf.ready();
  return tf;
}

/** A tfjs contender: `inputs` become tensors once; each run calls `op` and awaits `data()`. */
export function tfjsContender<P>(
  backend: 'cpu' | 'wasm' | 'webgpu',
  inputs: (p: P) => { values: Float32Array; shape: number[] }[],
  op: (tf: Tf, xs: TfTensor[], p: P) => TfTensor,
): Contender<P, Out> {
  let tf: Tf;
  return {
    name: `tfjs-${backend}`,
    async setup() {
      tf = await useTfBackend(backend);
    },
    prepare(p) {
      const ts = inputs(p).map(({ values, shape }) => tf.tensor(values, shape, 'float32'));
      return {
        async run() {
          const out = op(tf, ts, p);
          const data = await out.data();
          out.dispose();
          return data as Float32Array;
        },
        dispose() {
          for (const t of ts) t.dispose();
        },
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The side-by-side runner (shared with softmax.ts)

export interface SideBySideSpec<P> {
  /** File stem in bench-results/. */
  name: string;
  title: string;
  /** Prose under the title: what is timed. */
  description: string;
  sizes: number[];
  problem(n: number): P;
  contenders: Contender<P, Out>[];
  /** Work per run in units of 1e9, e.g. GFLOP (2n³/1e9 for matmul) or GB moved. */
  throughput: { label: string; perRun(n: number): number };
  /** Reps per contender; `probeMs` is the last untimed warmup run (see runSideBySide). */
  timing(n: number, probeMs: number): TimingOptions;
  /** Tolerance for the max-abs-diff check against the first contender's result. */
  tolerance: number;
}

export interface SideBySideRow {
  backend: string;
  n: number;
  medianMs: number;
  minMs: number;
  reps: number;
  throughput: number;
  speedVsAttuneCpu: number;
  /** tfjs-webgpu ms / attune-webgpu ms on the attune-webgpu row; NaN elsewhere. */
  attuneWebgpuVsTfjsWebgpu: number;
  maxAbsDiff: number;
}

export interface SideBySideResult {
  rows: SideBySideRow[];
  skipped: Record<string, string>;
  markdown: string;
  json: Record<string, unknown>;
}

export async function runSideBySide<P>(spec: SideBySideSpec<P>): Promise<SideBySideResult> {
  const skipped: Record<string, string> = {};
  const rows: SideBySideRow[] = [];
  const mismatches: string[] = [];
  for (const n of spec.sizes) {
    const problem = spec.problem(n);
    let reference: Out | undefined;
    const sizeRows: SideBySideRow[] = [];
    for (const c of spec.contenders) {
      if (skipped[c.name]) continue;
      try {
        const ok = c.available ? await c.available() : true;
        if (ok !== true) {
          skipped[c.name] = ok;
          continue;
        }
        // Setup per size, since tfjs has one global active backend.
        if (c.setup) await c.setup();
        const trial = await c.prepare(problem);
        // The first run is the correctness check and counts as the first warmup.
        let t0 = performance.now();
        const result = await trial.run();
        let probeMs = performance.now() - t0;
        let warmRuns = 1;
        // The first run also pays for shader/JIT compiles; unless it was already slow, a second
        // run gives the steady cost that picks the rep count. Both count as warmup.
        if (probeMs > 200 && probeMs <= 3000) {
          t0 = performance.now();
          await trial.run();
          probeMs = performance.now() - t0;
          warmRuns = 2;
        }
        reference ??= result;
        const opts = spec.timing(n, probeMs);
        const t = await timeTrial(trial, { ...opts, warmup: Math.max(0, opts.warmup - warmRuns) });
        await trial.dispose();
        const diff = maxAbsDiff(result, reference);
        if (!(diff <= spec.tolerance))
          mismatches.push(`${c.name} n=${n}: max abs diff ${diff.toExponential(2)} > ${spec.tolerance}`);
        const row: SideBySideRow = {
          backend: c.name,
          n,
          medianMs: t.medianMs,
          minMs: t.minMs,
          reps: t.reps,
          throughput: spec.throughput.perRun(n) / (t.medianMs / 1e3),
          speedVsAttuneCpu: NaN,
          attuneWebgpuVsTfjsWebgpu: NaN,
          maxAbsDiff: diff,
        };
        sizeRows.push(row);
        console.error(`[${spec.name}] ${c.name} n=${n}: ${fmt(row.medianMs)} ms (${row.reps} reps)`);
      } catch (e) {
        skipped[c.name] = (e as Error).message.split('\n')[0]!;
        console.error(`[${spec.name}] ${c.name} n=${n}: skipped (${skipped[c.name]})`);
      }
    }
    const ms = (name: string): number => sizeRows.find((r) => r.backend === name)?.medianMs ?? NaN;
    for (const r of sizeRows) {
      r.speedVsAttuneCpu = ms('attune-cpu') / r.medianMs;
      if (r.backend === 'attune-webgpu') r.attuneWebgpuVsTfjsWebgpu = ms('tfjs-webgpu') / r.medianMs;
    }
    rows.push(...sizeRows);
  }
  for (const c of spec.contenders) if (c.teardown) await c.teardown();
  const ratio = (x: number): string => (Number.isFinite(x) ? `${fmt(x)}x` : '');
  const table = markdownTable(
    [
      'n',
      'backend',
      'median ms',
      spec.throughput.label,
      'speed vs attune-cpu',
      'attune-webgpu / tfjs-webgpu speed-up',
      'max abs diff',
      'reps',
    ],
    rows.map((r) => [
      r.n,
      r.backend,
      fmt(r.medianMs),
      fmt(r.throughput),
      ratio(r.speedVsAttuneCpu),
      ratio(r.attuneWebgpuVsTfjsWebgpu),
      r.maxAbsDiff.toExponential(1),
      r.reps,
    ]),
  );
  const env = environment();
  const markdown = [
    `# ${spec.title}`,
    '',
    `Node ${env.node}, ${env.cpu} (${env.cores} cores), ${env.date}. WebGPU adapter: ${webgpuAdapter()}.`,
    '',
    spec.description,
    'Ratios > 1 mean faster: "speed vs attune-cpu" = attune-cpu ms / this row\'s ms; "attune-webgpu / tfjs-webgpu',
    'speed-up" = tfjs-webgpu ms / attune-webgpu ms (same adapter). "max abs diff" is against the first row of each size.',
    '',
    table,
    ...Object.entries(skipped).map(([k, v], i) => `${i === 0 ? '\n' : ''}- skipped ${k}: ${v}`),
    ...mismatches.map((m, i) => `${i === 0 ? '\n' : ''}- MISMATCH ${m}`),
  ].join('\n');
  const json = {
    benchmark: spec.name,
    environment: env,
    webgpuAdapter: webgpuAdapter(),
    sizes: spec.sizes,
    throughputUnit: spec.throughput.label,
    rows,
    skipped,
    mismatches,
  };
  return { rows, skipped, markdown, json };
}

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

/**
 * Reps by cost, so the default run stays within ~4-5 minutes on two cores: SwiftShader and
 * gpu.js's WebAssembly mode take seconds per 1024² matmul (tfjs-webgpu on SwiftShader ~20 s).
 * `probeMs` is the last untimed run: over 3 s gives 2 timed reps, over 0.5 s 3 reps, else 5+
 * within ~1.5 s. `warmup` counts the untimed runs the runner already made (1 or 2).
 */
export function adaptiveTiming(probeMs: number): TimingOptions {
  if (probeMs > 3000) return { warmup: 1, minReps: 2, maxReps: 2, budgetMs: 0 };
  if (probeMs > 500) return { warmup: 1, minReps: 3, maxReps: 3, budgetMs: 0 };
  return { warmup: 2, minReps: 5, maxReps: 25, budgetMs: 1500 };
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

export function parseSizes(argv: readonly string[], fallback: number[]): number[] {
  const arg = argv.find((a) => a.startsWith('--sizes='));
  return arg ? arg.slice('--sizes='.length).split(',').map(Number) : fallback;
}

/** Entry point used by run.ts: runs, writes bench-results/matmul.{json,md}, returns the table. */
export async function run(argv: readonly string[] = []): Promise<{ markdown: string; files: string[] }> {
  const result = await runMatmulBench(parseSizes(argv, [256, 512, 1024]));
  const paths = writeResults('matmul', result.json, result.markdown);
  return { markdown: result.markdown, files: [paths.json, paths.md] };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { markdown, files } = await run(process.argv.slice(2));
  console.log(markdown);
  console.log(`\nwrote ${files.join(' and ')}`);
  // Dawn keeps the process alive while a device is open.
  process.exit(0);
}
