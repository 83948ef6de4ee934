/**
 * The arithmetic ceiling of the matmul kernel's register tile (src/backends/wasm/matmul.ts,
 * MR x NR = 4 x 8) in this engine on this machine: the same f32x4 mul and add into 8
 * accumulators a step, with A's splats and B's vectors held in registers (no loads, no
 * addressing), so only the floating-point pipes limit it. A gemm reaching this figure would be
 * at the machine's peak for WebAssembly SIMD without FMA (relaxed SIMD is not on by default in
 * Node 20); benchmarks/matmul-cpu.ts reports the kernel's GFLOP/s to set beside it.
 *
 *   npm run bench -- wasm-peak [--rounds=7]
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { ModuleBuilder } from '../src/backends/wasm/emitter.js';
import { MR, NR } from '../src/backends/wasm/matmul.js';
import { environment, fmt, median, writeResults } from './harness.js';

/** probe(steps, x): `steps` tile steps of MR·NR/4 f32x4 mul+add pairs; returns a lane so nothing is dead. */
function buildProbe(): (steps: number, x: number) => number {
  const mod = new ModuleBuilder();
  const f = mod.function('probe', ['i32', 'f32'], ['f32']);
  const [steps, x] = f.params(2);
  const vecs = NR / 4;
  const acc = Array.from({ length: MR * vecs }, () => f.local('v128'));
  const av = Array.from({ length: MR }, () => f.local('v128'));
  const bv = Array.from({ length: vecs }, () => f.local('v128'));
  for (const t of [...acc, ...av, ...bv]) f.get(x).simd('f32x4.splat').set(t);
  f.loop(() => {
    for (let r = 0; r < MR; r++) {
      for (let v = 0; v < vecs; v++) {
        const t = acc[r * vecs + v]!;
        f.get(t).get(av[r]!).get(bv[v]!).simd('f32x4.mul').simd('f32x4.add').set(t);
      }
    }
    f.get(steps).i32(1).op('i32.sub').tee(steps).brIf(0);
  });
  f.get(acc[0]!);
  for (let i = 1; i < acc.length; i++) f.get(acc[i]!).simd('f32x4.add');
  f.simd('f32x4.extract_lane', 0);
  const memory = new WebAssembly.Memory({ initial: 1 });
  const module = new WebAssembly.Module(mod.encode({ initial: 1 }));
  return new WebAssembly.Instance(module, { env: { memory } }).exports.probe as (steps: number, x: number) => number;
}

export async function run(argv: readonly string[] = process.argv.slice(2)): Promise<{ markdown: string }> {
  const rounds = Number(argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 7);
  const probe = buildProbe();
  const flopsPerStep = 2 * MR * NR;
  probe(1e6, 1e-9); // tier up to the optimizing compiler
  const loadStart = os.loadavg()[0]!;
  const perCpu: number[] = [];
  const perWall: number[] = [];
  const steps = 3e7;
  for (let r = 0; r < rounds; r++) {
    const [t0, c0] = [performance.now(), process.cpuUsage()];
    probe(steps, 1e-9);
    const cu = process.cpuUsage(c0);
    perCpu.push((steps * flopsPerStep) / ((cu.user + cu.system) / 1e6) / 1e9);
    perWall.push((steps * flopsPerStep) / ((performance.now() - t0) / 1e3) / 1e9);
  }
  const markdown = [
    `# WebAssembly SIMD ceiling of the ${MR}x${NR} matmul tile (f32x4 mul + add, no loads)`,
    '',
    `${rounds} rounds of ${steps / 1e6}M tile steps. Median ${fmt(median(perCpu), 1)} GFLOP/s per CPU second (max ${fmt(Math.max(...perCpu), 1)}); ${fmt(median(perWall), 1)} GFLOP/s wall. 1-minute load average ${fmt(loadStart)} at the start, ${fmt(os.loadavg()[0]!)} at the end (${os.cpus().length} cores).`,
  ].join('\n');
  writeResults('wasm-peak', { environment: environment(), perCpu, perWall }, markdown);
  console.log(markdown);
  return { markdown };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await run();
