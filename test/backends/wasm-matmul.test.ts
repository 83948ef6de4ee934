import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import * as at from '../../src/index.js';
import type { Activation, MatmulInfo } from '../../src/backends/backend.js';
import { CpuBackend } from '../../src/backends/cpu/index.js';
import { matmulKernel } from '../../src/backends/cpu/matmul.js';
import { backendByName } from '../../src/backends/registry.js';
import { WasmKernels, cpuKernelsFromEnv } from '../../src/backends/wasm/index.js';
import { BackendError } from '../../src/core/errors.js';
import { expectClose } from '../helpers/reference.js';

function data(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround(Math.sin(i * 1.618 + seed * 7.1) * 2);
  return out;
}

const ACTS: Activation[] = ['none', 'relu', 'gelu', 'tanh', 'sigmoid'];

/** The WebAssembly matmul against the TypeScript kernel (its oracle) on one problem. */
function compare(kernels: WasmKernels, info: MatmulInfo, withBias: boolean, seed: number): void {
  const { batch, m, n, k, aBatchStride, bBatchStride } = info;
  const a = data(Math.max(1, (batch - 1) * aBatchStride + m * k), seed);
  const b = data(Math.max(1, (batch - 1) * bBatchStride + k * n), seed + 1);
  const bias = withBias ? data(n, seed + 2) : undefined;
  const want = new Float32Array(batch * m * n);
  const got = new Float32Array(batch * m * n).fill(Number.NaN);
  matmulKernel(a, b, bias, info, want);
  expect(kernels.matmul(a, b, bias, info, got)).toBe(true);
  // float32 accumulation against double: the error grows like sqrt(k) ulps of the row norm.
  expectClose(got, want, { rtol: 1e-5, atol: 2e-6 * Math.sqrt(k + 1) * 4 }, JSON.stringify(info));
}

describe('WebAssembly SIMD matmul against the TypeScript kernel', () => {
  const kernels = new WasmKernels();

  it('matches on random shapes, transposes, batch strides, bias and activations', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 37 }),
        fc.integer({ min: 1, max: 37 }),
        fc.integer({ min: 1, max: 300 }),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom('own', 'sharedA', 'sharedB'),
        fc.boolean(),
        fc.constantFrom(...ACTS),
        (batch, m, n, k, transA, transB, sharing, withBias, activation) => {
          const info: MatmulInfo = {
            batch,
            m,
            n,
            k,
            transA,
            transB,
            aBatchStride: sharing === 'sharedA' ? 0 : m * k,
            bBatchStride: sharing === 'sharedB' ? 0 : k * n,
            activation,
          };
          compare(kernels, info, withBias, m + n + k);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('matches on shapes past one cache block (k > 256, m > 64) with ragged edges', () => {
    for (const [m, k, n] of [
      [67, 515, 9],
      [130, 257, 33],
      [4, 1024, 8],
    ] as const) {
      for (const transA of [false, true]) {
        const info: MatmulInfo = {
          batch: 1,
          m,
          n,
          k,
          transA,
          transB: !transA,
          aBatchStride: 0,
          bBatchStride: 0,
          activation: 'none',
        };
        compare(kernels, info, true, m);
      }
    }
  });

  it('gives k = 0 as bias and activation of zeros', () => {
    const info: MatmulInfo = {
      batch: 2,
      m: 3,
      n: 5,
      k: 0,
      transA: false,
      transB: false,
      aBatchStride: 0,
      bBatchStride: 0,
      activation: 'sigmoid',
    };
    const out = new Float32Array(30).fill(Number.NaN);
    expect(kernels.matmul(new Float32Array(0), new Float32Array(0), undefined, info, out)).toBe(true);
    expect([...out]).toEqual(new Array(30).fill(0.5));
  });

  it('declines other dtypes, and operands past 4 GiB fall back with the reason given', () => {
    const info: MatmulInfo = {
      batch: 1,
      m: 2,
      n: 2,
      k: 2,
      transA: false,
      transB: false,
      aBatchStride: 0,
      bBatchStride: 0,
      activation: 'none',
    };
    expect(kernels.matmul(new Float64Array(4), new Float64Array(4), undefined, info, new Float64Array(4))).toBe(false);
    expect(kernels.fallbackReason).toBeUndefined();
    const huge = { ...info, m: 70_000, k: 70_000, n: 1 };
    expect(kernels.matmul(new Float32Array(1), new Float32Array(1), undefined, huge, new Float32Array(1))).toBe(false);
    expect(kernels.fallbackReason).toMatch(/matmul 70000x70000x1 needs \d+ bytes .*4 GiB.*TypeScript kernel/);
  });
});

describe('CPU kernel selection', () => {
  const saved = process.env.ATTUNE_CPU_KERNELS;
  afterEach(async () => {
    if (saved === undefined) delete process.env.ATTUNE_CPU_KERNELS;
    else process.env.ATTUNE_CPU_KERNELS = saved;
    await at.ready({ backend: 'cpu', cpuKernels: 'auto' });
  });

  it('uses WebAssembly SIMD by default and says so; ts forces the TypeScript loops', () => {
    const auto = new CpuBackend({ kernels: 'auto' });
    expect(auto.wasm).toBeDefined();
    expect(auto.description).toMatch(/WebAssembly SIMD.*matmul/);
    const ts = new CpuBackend({ kernels: 'ts' });
    expect(ts.wasm).toBeUndefined();
    expect(ts.description).toMatch(/TypeScript kernels \(requested: cpuKernels or ATTUNE_CPU_KERNELS is ts\)/);
    ts.setKernels('wasm');
    expect(ts.wasm).toBeDefined();
  });

  it('reads ATTUNE_CPU_KERNELS and rejects a bad value by name', () => {
    process.env.ATTUNE_CPU_KERNELS = 'ts';
    expect(cpuKernelsFromEnv()).toBe('ts');
    expect(new CpuBackend().wasm).toBeUndefined();
    process.env.ATTUNE_CPU_KERNELS = 'simd';
    expect(() => cpuKernelsFromEnv()).toThrow(BackendError);
    expect(() => cpuKernelsFromEnv()).toThrow(/ATTUNE_CPU_KERNELS must be .*"simd"/);
    expect(() => new CpuBackend({ kernels: 'fast' as 'ts' })).toThrow(/cpu kernels must be/);
  });

  it('ready({ cpuKernels }) switches the live CPU backend; results agree across the two paths', async () => {
    const x = at.tensor(data(6 * 70, 3), { shape: [6, 70] });
    const w = at.tensor(data(70 * 5, 4), { shape: [70, 5] });
    const info = await at.ready({ backend: 'cpu', cpuKernels: 'ts' });
    expect(info.description).toMatch(/TypeScript/);
    expect((backendByName('cpu') as CpuBackend).wasm).toBeUndefined();
    const slow = await at.matmul(x, w).data();
    const info2 = await at.ready({ backend: 'cpu', cpuKernels: 'wasm' });
    expect(info2.description).toMatch(/WebAssembly/);
    const fast = await at.matmul(x, w).data();
    expectClose(fast, slow, { rtol: 1e-5, atol: 1e-5 }, 'matmul ts vs wasm');
  });
});
