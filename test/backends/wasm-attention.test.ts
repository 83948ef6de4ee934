import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AttentionInfo } from '../../src/backends/backend.js';
import { attentionBackwardKernel, attentionForwardKernel } from '../../src/backends/cpu/attention.js';
import { WasmKernels } from '../../src/backends/wasm/index.js';
import { expectClose } from '../helpers/reference.js';

function data(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.fround(Math.sin(i * 0.731 + seed * 3.3) * 1.5);
  return out;
}

/** Runs both kernels on one problem and compares every output (the TypeScript one is the oracle). */
function compare(kernels: WasmKernels, info: AttentionInfo, mask: Int32Array | undefined, seed: number): void {
  const { bh, tq, tk, d } = info;
  const [q, k, v, dOut] = [
    data(bh * tq * d, seed),
    data(bh * tk * d, seed + 1),
    data(bh * tk * d, seed + 2),
    data(bh * tq * d, seed + 3),
  ];
  const want = { out: new Float32Array(bh * tq * d), lse: new Float32Array(bh * tq) };
  const got = { out: new Float32Array(bh * tq * d).fill(Number.NaN), lse: new Float32Array(bh * tq).fill(Number.NaN) };
  attentionForwardKernel(q, k, v, mask, info, want.out, want.lse);
  expect(kernels.attentionForward(q, k, v, mask, info, got.out, got.lse)).toBe(true);
  const what = JSON.stringify({ ...info, mask: mask !== undefined });
  expectClose(got.out, want.out, { rtol: 1e-4, atol: 1e-5 }, `out ${what}`);
  expectClose(got.lse, want.lse, { rtol: 1e-5, atol: 1e-5 }, `lse ${what}`);
  const gw = { dq: new Float32Array(q.length), dk: new Float32Array(k.length), dv: new Float32Array(v.length) };
  const gg = {
    dq: gw.dq.slice().fill(Number.NaN),
    dk: gw.dk.slice().fill(Number.NaN),
    dv: gw.dv.slice().fill(Number.NaN),
  };
  attentionBackwardKernel(dOut, want.out, want.lse, q, k, v, mask, info, gw.dq, gw.dk, gw.dv);
  const arrays = { dOut, out: want.out, lse: want.lse, q, k, v };
  expect(kernels.attentionBackward(arrays, mask, info, gg)).toBe(true);
  for (const key of ['dq', 'dk', 'dv'] as const)
    expectClose(gg[key], gw[key], { rtol: 1e-4, atol: 1e-5 }, `${key} ${what}`);
}

describe('WebAssembly SIMD attention against the TypeScript kernels', () => {
  const kernels = new WasmKernels();

  it('matches forward and backward on random sizes, causal or not, with and without key padding', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 20 }),
        fc.constantFrom(1, 3, 4, 6, 8, 16, 36),
        fc.boolean(),
        fc.boolean(),
        (batch, heads, tq, tk, d, causal, padded) => {
          const info: AttentionInfo = { bh: batch * heads, heads, tq, tk, d, scale: 1 / Math.sqrt(d), causal };
          // Masks every third key, and for batch row 0 every key, so fully masked rows occur.
          const mask = padded
            ? Int32Array.from({ length: batch * tk }, (_, i) => (i < tk || i % 3 === 1 ? 1 : 0))
            : undefined;
          compare(kernels, info, mask, tq * 7 + tk);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('matches at a training size (bh 4, t 128, d 64) where the online softmax rescales often', () => {
    compare(kernels, { bh: 4, heads: 2, tq: 128, tk: 128, d: 64, scale: 0.125, causal: true }, undefined, 5);
  });

  // d not a multiple of 4 runs on rows zero-padded to whole f32x4 vectors (SASRec's d = 50).
  it('matches at d 50 (rows padded to 52) with key padding', () => {
    const mask = Int32Array.from({ length: 3 * 40 }, (_, i) => (i % 40 < 33 ? 1 : 0));
    compare(kernels, { bh: 3, heads: 1, tq: 40, tk: 40, d: 50, scale: 1 / Math.sqrt(50), causal: true }, mask, 9);
  });

  it('declines float64, leaving it to the TypeScript kernels', () => {
    const info: AttentionInfo = { bh: 1, heads: 1, tq: 2, tk: 2, d: 4, scale: 1, causal: false };
    const g = (n: number) => new Float64Array(n);
    expect(kernels.attentionForward(g(8), g(8), g(8), undefined, info, g(8), g(2))).toBe(false);
  });
});
