/**
 * The CPU backend's output-array pool (src/backends/cpu/pool.ts) on and off, on training
 * workloads from benchmarks/training-times.ts (the churn MLP and the NextItemModel epoch by
 * default), WebAssembly kernels on one thread. Pool off (limit 0, every output a fresh
 * TypedArray: the code before the pool) is the baseline; the two run alternately, `--rounds`
 * times, medians, with process CPU time beside wall time. The order flips every round, and a
 * full garbage collection runs before each timed fit, so neither side is charged for
 * collecting the other's garbage.
 *
 *   npm run bench -- cpu-pool [--rounds=3] [--only=churn,NextItem] [--users=300]
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { CpuBackend } from '../src/backends/cpu/index.js';
import { ArrayPool, POOL_MAX_BYTES } from '../src/backends/cpu/pool.js';
import { backendByName } from '../src/backends/registry.js';
import * as at from '../src/index.js';
import { environment, fmt, markdownTable, median, writeResults } from './harness.js';
import { workloads } from './training-times.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const CONFIGS = [
  { name: 'pool off (fresh arrays)', limit: 0 },
  { name: 'pool on', limit: POOL_MAX_BYTES },
];

/**
 * CPU µs per output array of `bytes`: a fresh Float32Array (eight kept alive, as a training
 * step keeps a few outputs) against the pool's acquire + release of the same size.
 */
function perArray(bytes: number): { fresh: number; pooled: number } {
  const n = bytes / 4;
  const reps = Math.max(500, Math.floor(4e8 / bytes));
  const time = (body: (i: number) => void) => {
    gc();
    const c0 = process.cpuUsage();
    for (let i = 0; i < reps; i++) body(i);
    const cu = process.cpuUsage(c0);
    return (cu.user + cu.system) / reps;
  };
  const keep: Float32Array[] = [];
  const fresh = time((i) => {
    const a = new Float32Array(n);
    a[0] = i;
    keep[i % 8] = a;
  });
  const pool = new ArrayPool();
  const pooled = time((i) => {
    const a = pool.acquire('float32', n) as Float32Array;
    a[0] = i;
    pool.release('float32', a);
  });
  return { fresh, pooled };
}

export async function run(argv: readonly string[] = process.argv.slice(2)): Promise<{ markdown: string }> {
  const rounds = Number(argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 3);
  const only = (argv.find((a) => a.startsWith('--only='))?.slice(7) ?? 'churn,NextItem').split(',');
  await at.ready({ backend: 'cpu', cpuKernels: 'wasm', cpuThreads: 1 });
  const cpu = backendByName('cpu') as CpuBackend;
  const setPool = (limit: number) => {
    cpu.pool.clear();
    cpu.pool.maxPooledBytes = limit;
  };
  const loadStart = os.loadavg()[0]!;
  const allocRows = [1024, 16384, 65536, 262144, 1048576].map((bytes) => {
    const { fresh, pooled } = perArray(bytes);
    return [`${bytes / 1024} KiB`, fmt(fresh, 2), fmt(pooled, 2), `${fmt(fresh / pooled)}x`];
  });
  const rows: (string | number)[][] = [];
  const json: Record<string, unknown>[] = [];
  for (const w of await workloads(argv)) {
    if (!only.some((o) => w.name.includes(o))) continue;
    const wall = CONFIGS.map(() => [] as number[]);
    const cpuMs = CONFIGS.map(() => [] as number[]);
    for (const c of CONFIGS) {
      setPool(c.limit);
      await (w.warm ?? w.fit)();
    }
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) {
        const c = CONFIGS[i]!;
        setPool(c.limit);
        gc();
        const [t0, c0] = [performance.now(), process.cpuUsage()];
        await w.fit();
        const cu = process.cpuUsage(c0);
        wall[i]!.push((performance.now() - t0) * w.scale);
        cpuMs[i]!.push(((cu.user + cu.system) / 1e3) * w.scale);
        console.error(`[cpu-pool] ${w.name}, ${c.name}: ${fmt(wall[i]!.at(-1)! / 1e3)} s`);
      }
    }
    const [base, baseCpu] = [median(wall[0]!), median(cpuMs[0]!)];
    CONFIGS.forEach((c, i) => {
      const [ms, cms] = [median(wall[i]!), median(cpuMs[i]!)];
      rows.push([
        w.name,
        w.what,
        c.name,
        fmt(ms / 1e3, 2),
        `${fmt(base / ms)}x`,
        fmt(cms / 1e3, 2),
        `${fmt(baseCpu / cms)}x`,
      ]);
      json.push({ workload: w.name, config: c.name, wallMs: ms, cpuMs: cms, wallRounds: wall[i], cpuRounds: cpuMs[i] });
    });
  }
  setPool(POOL_MAX_BYTES);
  const markdown = [
    '# CPU output-array pool: off vs on (WebAssembly kernels, 1 thread)',
    '',
    `One process; pool off and on alternate, ${rounds} round(s), medians. CPU s is process CPU time. 1-minute load average: ${fmt(loadStart)} at the start, ${fmt(os.loadavg()[0]!)} at the end (${os.cpus().length} cores).`,
    '',
    markdownTable(['workload', 'what is timed', 'pool', 'wall s', 'speed-up (wall)', 'CPU s', 'speed-up (CPU)'], rows),
    '',
    'One output array (float32), CPU µs each: a fresh TypedArray (eight kept alive) vs the pool (acquire, zero-fill, release).',
    '',
    markdownTable(['size', 'fresh µs', 'pooled µs', 'ratio'], allocRows),
  ].join('\n');
  writeResults('cpu-pool', { environment: environment(), rows: json, alloc: allocRows }, markdown);
  console.log(markdown);
  return { markdown };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await run();
