import { describe, expect, it } from 'vitest';
import type { BinaryOp } from '../../src/backends/backend.js';
import { binaryKernel } from '../../src/backends/cpu/elementwise.js';
import { MIN_BINARY_ELEMENTS } from '../../src/backends/wasm/binary.js';
import { WasmKernels } from '../../src/backends/wasm/index.js';
import { broadcastInfo } from '../../src/ops/elementwise.js';

/**
 * The WebAssembly float32 binary kernel against the TypeScript row loops (the oracle), bit for
 * bit (any NaN equal to any other), in every layout it takes, with NaN, ±0, ±∞ and subnormals among the values; and the
 * layouts it leaves to TypeScript.
 */
const SPECIAL = [Number.NaN, 0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-40, -3.5, 2, 1e38];

function data(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++)
    out[i] = i % 13 === 5 ? SPECIAL[(i + seed) % SPECIAL.length]! : Math.sin(i * 0.37 + seed) * 10 ** ((i % 5) - 2);
  return out;
}

/** Each value's bits, every NaN as one (V8's Math.max gives NaN a sign bit, SIMD max does not). */
const bits = (a: Float32Array) =>
  Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length), (v, i) => (Number.isNaN(a[i]) ? 0x7fc00000 : v));
const OPS: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'];

describe('WebAssembly float32 binary kernel', () => {
  const kernels = new WasmKernels(1);
  // [a shape, b shape]: same shape (odd size), scalar either side, a row either side, a 3-d row.
  const layouts: [number[], number[]][] = [
    [
      [33, 47],
      [33, 47],
    ],
    [[2051], [1]],
    [[1], [3, 1001]],
    [[300, 64], [64]],
    [[64], [300, 64]],
    [[5, 60, 8], [8]],
  ];
  for (const op of OPS) {
    it(`${op} equals the TypeScript loops bit for bit in every layout`, () => {
      layouts.forEach(([as, bs], k) => {
        const info = broadcastInfo(op, as, bs);
        expect(info.outSize).toBeGreaterThanOrEqual(MIN_BINARY_ELEMENTS);
        const a = data(
          as.reduce((x, y) => x * y, 1),
          k,
        );
        const b = data(
          bs.reduce((x, y) => x * y, 1),
          k + 7,
        );
        const want = new Float32Array(info.outSize);
        binaryKernel(op, a, b, info, want);
        const got = new Float32Array(info.outSize).fill(Number.NaN);
        expect(kernels.binary(op, a, b, info, got), `${op} ${as} ${bs}`).toBe(true);
        expect(bits(got), `${op} ${JSON.stringify(as)} ${JSON.stringify(bs)}`).toEqual(bits(want));
      });
    });
  }

  it('leaves other layouts, dtypes, ops and small outputs to TypeScript', () => {
    const refuse = (op: BinaryOp, as: number[], bs: number[], a?: Float32Array | Int32Array) => {
      const info = broadcastInfo(op, as, bs);
      const n = (s: number[]) => s.reduce((x, y) => x * y, 1);
      return kernels.binary(op, a ?? data(n(as), 1), data(n(bs), 2), info, new Float32Array(info.outSize));
    };
    expect(refuse('add', [300, 6], [6])).toBe(false); // a row whose width is not a multiple of 4
    expect(refuse('add', [300, 8], [300, 1])).toBe(false); // a column broadcast
    expect(refuse('add', [30, 8], [30, 8])).toBe(false); // 240 elements: under the threshold
    expect(refuse('pow', [40, 40], [40, 40])).toBe(false); // no kernel for pow
    expect(refuse('lt', [40, 40], [40, 40])).toBe(false); // comparisons write int32
    expect(refuse('add', [40, 40], [40, 40], new Int32Array(1600))).toBe(false);
    expect(kernels.fallbackReason).toBeUndefined();
  });
});
