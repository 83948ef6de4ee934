import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { kmeansAssignKernel } from '../../src/backends/cpu/kmeans.js';
import { WasmKernels } from '../../src/backends/wasm/index.js';
import { expectClose } from '../helpers/reference.js';

/** Points in clusters around k planted centres, far from the origin (as unscaled RFM features). */
function planted(n: number, d: number, k: number, seed: number): { x: Float32Array; c: Float32Array } {
  const c = Float32Array.from({ length: k * d }, (_, i) => 100 + Math.sin(i * 2.1 + seed) * 30);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < d; f++) x[i * d + f] = c[(i % k) * d + f]! + Math.sin(i * 0.77 + f * 1.3 + seed) * 4;
  }
  return { x, c };
}

function both(kernels: WasmKernels, x: Float32Array, c: Float32Array, n: number, d: number, k: number) {
  const info = { n, d, k };
  const want = { labels: new Int32Array(n), dist: new Float32Array(n) };
  const got = { labels: new Int32Array(n).fill(-1), dist: new Float32Array(n).fill(Number.NaN) };
  kmeansAssignKernel(x, c, info, want.labels, want.dist);
  expect(kernels.kmeansAssign(x, c, info, got.labels, got.dist)).toBe(true);
  return { want, got };
}

describe('WebAssembly k-means assignment against the TypeScript kernel', () => {
  const kernels = new WasmKernels();

  it('gives the same labels and distances on planted clusters, any n, d and k (k off the f32x4 width too)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 11 }),
        fc.integer({ min: 0, max: 50 }),
        (n, d, k, seed) => {
          const { x, c } = planted(n, d, k, seed);
          const { want, got } = both(kernels, x, c, n, d, k);
          const what = JSON.stringify({ n, d, k, seed });
          expect(Array.from(got.labels), what).toEqual(Array.from(want.labels));
          expectClose(got.dist, want.dist, { rtol: 1e-5, atol: 1e-4 }, what);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps the first of equal distances, and label 0 with distance Infinity for a NaN row', () => {
    // Centroids 1 and 2 coincide, and centroid 5 equals 0: ties go to the lower index.
    const d = 2;
    const c = Float32Array.of(0, 0, 5, 5, 5, 5, 9, 1, -3, 2, 0, 0);
    const x = Float32Array.of(5, 5, Number.NaN, 1, 0.1, 0.1, 9, 1);
    const { want, got } = both(kernels, x, c, 4, d, 6);
    expect(Array.from(got.labels)).toEqual([1, 0, 0, 3]);
    expect(Array.from(got.labels)).toEqual(Array.from(want.labels));
    expect(got.dist[1]).toBe(Number.POSITIVE_INFINITY);
  });

  it('leaves float64 to the TypeScript kernel', () => {
    const x = new Float64Array(4);
    const info = { n: 2, d: 2, k: 1 };
    expect(kernels.kmeansAssign(x, new Float64Array(2), info, new Int32Array(2), new Float64Array(2))).toBe(false);
  });
});
