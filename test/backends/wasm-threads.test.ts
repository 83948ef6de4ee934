import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { AttentionInfo, MatmulInfo } from '../../src/backends/backend.js';
import { CpuBackend } from '../../src/backends/cpu/index.js';
import { backendByName } from '../../src/backends/registry.js';
import * as at from '../../src/index.js';
import { WasmKernels, cpuThreadsFromEnv } from '../../src/backends/wasm/index.js';
import { buildGemm } from '../../src/backends/wasm/matmul.js';
import { PARALLEL_MIN_FLOPS, splitRanges } from '../../src/backends/wasm/threads.js';
import { BackendError } from '../../src/core/errors.js';

function data(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround(Math.sin(i * 1.618 + seed * 7.1) * 2);
  return out;
}

/** Bit-for-bit equality, reporting the first differing index (NaN equals NaN, -0 differs from 0). */
function expectSameBits(got: Float32Array, want: Float32Array, what: string): void {
  expect(got.length).toBe(want.length);
  const g = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const w = new Uint32Array(want.buffer, want.byteOffset, want.length);
  const bad = g.findIndex((x, i) => x !== w[i]);
  expect(bad, `${what}: first difference at ${bad} (${got[bad]} vs ${want[bad]})`).toBe(-1);
}

// One runtime per thread count, shared by the tests (each pool's workers start once).
const one = new WasmKernels(1);
const two = new WasmKernels(2);
const three = new WasmKernels(3);
afterAll(() => {
  for (const k of [one, two, three]) k.dispose();
});

describe('threaded WebAssembly kernels equal the single-thread ones bit for bit', () => {
  it('matmul on ragged sizes past the threading threshold, transposes, batches, bias and activation', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 32, max: 131 }),
        fc.integer({ min: 1, max: 75 }),
        fc.integer({ min: 250, max: 700 }),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom('none', 'relu', 'gelu') as fc.Arbitrary<MatmulInfo['activation']>,
        (batch, m, n0, k, transA, transB, withBias, activation) => {
          // n large enough that every case is above the threshold, so the threaded path runs.
          const n = Math.max(n0, Math.ceil(PARALLEL_MIN_FLOPS / (2 * m * k)));
          const info: MatmulInfo = {
            batch,
            m,
            n,
            k,
            transA,
            transB,
            aBatchStride: m * k,
            bBatchStride: k * n,
            activation,
          };
          const a = data(batch * m * k, m);
          const b = data(batch * k * n, n);
          const bias = withBias ? data(n, k) : undefined;
          const want = new Float32Array(batch * m * n);
          expect(one.matmul(a, b, bias, info, want)).toBe(true);
          for (const kernels of [two, three]) {
            const got = new Float32Array(batch * m * n).fill(Number.NaN);
            const before = kernels.runtime.threadedCalls;
            expect(kernels.matmul(a, b, bias, info, got)).toBe(true);
            expect(kernels.runtime.threadedCalls).toBe(before + batch);
            expectSameBits(got, want, `${kernels.runtime.threads} threads ${JSON.stringify(info)}`);
          }
        },
      ),
      { numRuns: 12 },
    );
    expect(one.runtime.threadedCalls).toBe(0);
    expect(one.runtime.workersStarted).toBe(false);
  });

  it('attention forward and backward on ragged problem counts, causal or not, with key padding', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 3 }),
        fc.integer({ min: 3, max: 5 }),
        fc.integer({ min: 105, max: 140 }),
        fc.integer({ min: 105, max: 140 }),
        fc.boolean(),
        fc.boolean(),
        (batch, heads, tq, tk, causal, padded) => {
          const d = 64;
          const bh = batch * heads;
          const info: AttentionInfo = { bh, heads, tq, tk, d, scale: 0.125, causal };
          expect(4 * bh * tq * tk * d).toBeGreaterThanOrEqual(PARALLEL_MIN_FLOPS);
          const mask = padded ? Int32Array.from({ length: batch * tk }, (_, i) => (i % 5 === 2 ? 1 : 0)) : undefined;
          const [q, k, v, dOut] = [
            data(bh * tq * d, 1),
            data(bh * tk * d, 2),
            data(bh * tk * d, 3),
            data(bh * tq * d, 4),
          ];
          const run = (kernels: WasmKernels) => {
            const out = new Float32Array(bh * tq * d);
            const lse = new Float32Array(bh * tq);
            expect(kernels.attentionForward(q, k, v, mask, info, out, lse)).toBe(true);
            const g = {
              dq: new Float32Array(q.length),
              dk: new Float32Array(k.length),
              dv: new Float32Array(v.length),
            };
            expect(kernels.attentionBackward({ dOut, out, lse, q, k, v }, mask, info, g)).toBe(true);
            return { out, lse, ...g };
          };
          const want = run(one);
          for (const kernels of [two, three]) {
            const before = kernels.runtime.threadedCalls;
            const got = run(kernels);
            expect(kernels.runtime.threadedCalls).toBe(before + 2);
            for (const key of ['out', 'lse', 'dq', 'dk', 'dv'] as const) {
              expectSameBits(got[key], want[key], `${key} ${kernels.runtime.threads} threads ${JSON.stringify(info)}`);
            }
          }
        },
      ),
      { numRuns: 8 },
    );
  });

  it('keeps small problems on the calling thread', () => {
    const info: MatmulInfo = {
      batch: 1,
      m: 64,
      n: 64,
      k: 64,
      transA: false,
      transB: false,
      aBatchStride: 0,
      bBatchStride: 0,
      activation: 'none',
    };
    const before = two.runtime.threadedCalls;
    two.matmul(data(64 * 64, 1), data(64 * 64, 2), undefined, info, new Float32Array(64 * 64));
    expect(2 * 64 ** 3).toBeLessThan(PARALLEL_MIN_FLOPS);
    expect(two.runtime.threadedCalls).toBe(before);
  });
});

describe('thread count and worker lifecycle', () => {
  const saved = process.env.ATTUNE_THREADS;
  afterEach(() => {
    if (saved === undefined) delete process.env.ATTUNE_THREADS;
    else process.env.ATTUNE_THREADS = saved;
  });

  it('splits work into contiguous, non-empty, near-equal ranges', () => {
    expect(splitRanges(10, 3)).toEqual([
      [0, 3],
      [3, 6],
      [6, 10],
    ]);
    expect(splitRanges(2, 4)).toEqual([
      [0, 1],
      [1, 2],
    ]);
    expect(splitRanges(0, 2)).toEqual([[0, 0]]);
  });

  it('honours the option and ATTUNE_THREADS, says the count in the description, rejects bad values', () => {
    expect(new CpuBackend({ kernels: 'wasm', threads: 1 }).description).toMatch(/; 1 thread\)/);
    const b2 = new CpuBackend({ kernels: 'wasm', threads: 2 });
    expect(b2.wasm?.runtime.threads).toBe(2);
    expect(b2.description).toMatch(/2 threads for matmul and attention above 16 MFLOP/);
    b2.setKernels('wasm', 1);
    expect(b2.wasm?.runtime.threads).toBe(1);
    process.env.ATTUNE_THREADS = '3';
    expect(cpuThreadsFromEnv()).toBe(3);
    expect(new CpuBackend({ kernels: 'wasm' }).wasm?.runtime.threads).toBe(3);
    process.env.ATTUNE_THREADS = 'auto';
    const auto = new CpuBackend({ kernels: 'wasm' }).wasm!.runtime.threads;
    expect(auto).toBeGreaterThanOrEqual(1);
    expect(auto).toBeLessThanOrEqual(4);
    process.env.ATTUNE_THREADS = 'two';
    expect(() => cpuThreadsFromEnv()).toThrow(BackendError);
    expect(() => cpuThreadsFromEnv()).toThrow(/ATTUNE_THREADS must be .*"two"/);
    expect(() => new CpuBackend({ kernels: 'wasm', threads: 0 })).toThrow(/cpu threads must be .*0/);
  });

  it('ready({ cpuThreads }) sets the live CPU backend, keeping its kernels', async () => {
    const info = await at.ready({ backend: 'cpu', cpuKernels: 'wasm', cpuThreads: 2 });
    expect(info.description).toMatch(/WebAssembly SIMD.*2 threads/);
    const cpu = backendByName('cpu') as CpuBackend;
    expect(cpu.wasm?.runtime.threads).toBe(2);
    expect((await at.ready({ backend: 'cpu', cpuThreads: 1 })).description).toMatch(/WebAssembly SIMD.*; 1 thread\)/);
    await at.ready({ backend: 'cpu', cpuKernels: 'auto', cpuThreads: cpuThreadsFromEnv() });
  });

  it('rethrows a worker failure as a BackendError naming the worker, and keeps working after', () => {
    const kernels = new WasmKernels(2);
    const ok = { fn: 'gemm', args: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0] };
    // Worker 0 reads A at 2 GiB, past the end of the memory: a trap inside the worker only.
    const bad = { fn: 'gemm', args: [0x7ff00000, 16, 4, 4, 0, 32, 32, 0, 1, 1, 1] };
    const call = () => kernels.runtime.parallel('gemm:4x8', () => buildGemm(4, 8), [ok, bad]);
    expect(call).toThrow(BackendError);
    expect(call).toThrow(/worker 0 failed in gemm: RuntimeError: memory access out of bounds/);
    const noSuchExport = () =>
      kernels.runtime.parallel('gemm:4x8', () => buildGemm(4, 8), [ok, { fn: 'gemmm', args: [] }]);
    expect(noSuchExport).toThrow(/thread job gemmm: no such export/);
    const info: MatmulInfo = {
      batch: 1,
      m: 128,
      n: 128,
      k: 256,
      transA: false,
      transB: false,
      aBatchStride: 0,
      bBatchStride: 0,
      activation: 'none',
    };
    const [a, b] = [data(128 * 256, 1), data(256 * 128, 2)];
    const [got, want] = [new Float32Array(128 * 128), new Float32Array(128 * 128)];
    one.matmul(a, b, undefined, info, want);
    kernels.matmul(a, b, undefined, info, got);
    expectSameBits(got, want, 'after a worker failure');
    kernels.dispose();
    // Disposed: the workers are gone and the kernels run on the calling thread.
    expect(kernels.runtime.threads).toBe(1);
    kernels.matmul(a, b, undefined, info, got);
    expectSameBits(got, want, 'after dispose');
  });

  it('does not keep the Node process alive: a threaded run exits without dispose', () => {
    const script = [
      "const { WasmKernels } = await import('./src/backends/wasm/index.ts');",
      'const k = new WasmKernels(2);',
      'const n = 256, a = new Float32Array(n * n).fill(1), out = new Float32Array(n * n);',
      "const info = { batch: 1, m: n, n, k: n, transA: false, transB: false, aBatchStride: 0, bBatchStride: 0, activation: 'none' };",
      'k.matmul(a, a, undefined, info, out);',
      'console.log(k.runtime.threadedCalls, out[0]);',
    ].join('\n');
    const started = Date.now();
    const stdout = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(stdout.trim()).toBe('1 256');
    // It exits on its own (the timeout above would kill a hung one and fail the test).
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});
