/**
 * CPU matmul, float32 n x n @ n x n, the four CPU paths side by side in one process:
 *
 * - attune-wasm: the CPU backend with its WebAssembly SIMD kernels (the default where SIMD
 *   validates), backend.matmul + readSync of the result, on 1 thread and on 2 (worker threads
 *   over a shared memory, row panels split between them);
 * - attune-ts: the same backend with the TypeScript kernels forced (ATTUNE_CPU_KERNELS=ts);
 * - tfjs-wasm, tfjs-cpu: tf.matMul + dataSync.
 *
 * Contenders run interleaved, `--rounds` times (default 3), and each row reports the median
 * over all its rounds, so a neighbour's load on a shared machine hits all of them alike; the
 * ratios, not the absolute GFLOP/s, are the claim. tfjs-wasm reports no multithread support in
 * Node, so it runs on one thread; the 1- and 2-thread attune rows run in the same rounds.
 *
 *   npm run bench -- matmul-cpu [--sizes=256,512,1024] [--rounds=3]
 */
import os from 'node:os';
import type { MatmulInfo } from '../src/backends/backend.js';
import { CpuBackend } from '../src/backends/cpu/index.js';
import { environment, fmt, markdownTable, maxAbsDiff, median, seededFloat32, writeResults } from './harness.js';
import { useTfBackend } from './contenders.js';
import { parseSizes } from './side-by-side.js';

type Run = () => ArrayLike<number>;
interface Entry {
  name: string;
  threads: number;
  prepare(n: number, a: Float32Array, b: Float32Array): Promise<{ run: Run; dispose(): void }>;
}

const info = (n: number): MatmulInfo => ({
  batch: 1,
  m: n,
  n,
  k: n,
  transA: false,
  transB: false,
  aBatchStride: 0,
  bBatchStride: 0,
  activation: 'none',
});

function attune(name: string, kernels: 'wasm' | 'ts', threads = 1): Entry {
  const be = new CpuBackend({ kernels, threads });
  return {
    name,
    threads,
    async prepare(n, a, b) {
      const [ha, hb] = [be.upload(a, 'float32'), be.upload(b, 'float32')];
      return {
        run() {
          const out = be.matmul(ha, hb, info(n));
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

function tfjs(backend: 'wasm' | 'cpu'): Entry {
  return {
    name: `tfjs-${backend}`,
    threads: 1,
    async prepare(n, a, b) {
      const tf = await useTfBackend(backend);
      const [ta, tb] = [tf.tensor(a, [n, n], 'float32'), tf.tensor(b, [n, n], 'float32')];
      return {
        run() {
          const out = tf.matMul(ta, tb);
          const data = out.dataSync();
          out.dispose();
          return data;
        },
        dispose() {
          ta.dispose();
          tb.dispose();
        },
      };
    },
  };
}

/**
 * Wall and on-CPU ms of each run, over reps filling about `budgetMs` (at least 2), after one
 * warmup. Process CPU time sums every thread: for a one-thread contender it is the time the
 * kernel was actually scheduled, the steadier measure on a machine shared with other jobs; for
 * two threads it shows what the split costs in total.
 */
function timeRuns(run: Run, budgetMs: number): { wall: number[]; cpu: number[] } {
  run();
  const wall: number[] = [];
  const cpu: number[] = [];
  const start = performance.now();
  while (wall.length < 2 || (performance.now() - start < budgetMs && wall.length < 20)) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    run();
    const c = process.cpuUsage(c0);
    wall.push(performance.now() - t0);
    cpu.push((c.user + c.system) / 1e3);
  }
  return { wall, cpu };
}

export async function run(argv: readonly string[] = []): Promise<{ markdown: string }> {
  const sizes = parseSizes(argv, [256, 512, 1024]);
  const roundsArg = argv.find((x) => x.startsWith('--rounds='));
  const rounds = roundsArg ? Number(roundsArg.slice('--rounds='.length)) : 3;
  const entries = [
    attune('attune-wasm', 'wasm', 1),
    attune('attune-wasm', 'wasm', 2),
    attune('attune-ts', 'ts'),
    tfjs('wasm'),
    tfjs('cpu'),
  ];
  const rows: (string | number)[][] = [];
  const json: Record<string, unknown>[] = [];
  const loadAtStart = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(', ');
  for (const n of sizes) {
    const a = seededFloat32(n * n, 1);
    const b = seededFloat32(n * n, 2);
    const id = (e: Entry) => `${e.name}/${e.threads}`;
    const samples = new Map<string, number[]>(entries.map((e) => [id(e), []]));
    const cpuSamples = new Map<string, number[]>(entries.map((e) => [id(e), []]));
    const diffs = new Map<string, number>();
    let reference: ArrayLike<number> | undefined;
    for (let r = 0; r < rounds; r++) {
      // Each round starts one contender later, so none always runs right after the garbage-heavy
      // tfjs-cpu (a major GC lands on whoever follows it).
      for (const e of [...entries.slice(r % entries.length), ...entries.slice(0, r % entries.length)]) {
        const trial = await e.prepare(n, a, b);
        const result = trial.run();
        reference ??= result;
        diffs.set(id(e), maxAbsDiff(result, reference));
        const t = timeRuns(trial.run, n >= 1024 ? 600 : 400);
        samples.get(id(e))!.push(...t.wall);
        cpuSamples.get(id(e))!.push(...t.cpu);
        trial.dispose();
      }
    }
    const ms = new Map([...samples].map(([k, v]) => [k, median(v)]));
    const cpuMs = new Map([...cpuSamples].map(([k, v]) => [k, median(v)]));
    const wasmMs = ms.get('tfjs-wasm/1')!;
    const wasmCpu = cpuMs.get('tfjs-wasm/1')!;
    for (const e of entries) {
      const t = ms.get(id(e))!;
      const c = cpuMs.get(id(e))!;
      const gflops = (2 * n ** 3) / 1e9 / (t / 1e3);
      const cpuGflops = (2 * n ** 3) / 1e9 / (c / 1e3);
      rows.push([
        n,
        e.name,
        e.threads,
        fmt(t),
        fmt(gflops, 1),
        `${fmt(wasmMs / t)}x`,
        fmt(c),
        fmt(cpuGflops, 1),
        `${fmt(wasmCpu / c)}x`,
        diffs.get(id(e))!.toExponential(1),
      ]);
      json.push({
        n,
        backend: e.name,
        threads: e.threads,
        medianMs: t,
        cpuMs: c,
        gflops,
        cpuGflops,
        vsTfjsWasm: wasmMs / t,
      });
      console.error(
        `[matmul-cpu] ${e.name} ${e.threads}t n=${n}: ${fmt(t)} ms, ${fmt(gflops, 1)} GFLOP/s (CPU time ${fmt(c)} ms)`,
      );
    }
  }
  const markdown = [
    '# matmul on the CPU (float32, n x n @ n x n)',
    '',
    `Interleaved contenders, ${rounds} rounds (each starting one contender later); medians over all reps; the result read back in every run. CPU ms is process CPU time per run, all threads summed (the steadier figure on a shared machine for one thread). Load average at start: ${loadAtStart}.`,
    '',
    markdownTable(
      [
        'n',
        'contender',
        'threads',
        'wall ms',
        'GFLOP/s (wall)',
        'vs tfjs-wasm (wall)',
        'CPU ms',
        'GFLOP/s (CPU time)',
        'vs tfjs-wasm (CPU time)',
        'max abs diff vs attune-wasm',
      ],
      rows,
    ),
    '',
    `Environment: ${JSON.stringify(environment())}`,
  ].join('\n');
  writeResults('matmul-cpu', { rows: json, environment: environment() }, markdown);
  return { markdown };
}
