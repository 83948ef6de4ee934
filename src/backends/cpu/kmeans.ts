import type { KmeansInfo } from '../backend.js';
import type { TypedArray } from '../../core/dtype.js';

/**
 * CPU twin of kernels/kmeans.wgsl: nearest centroid by squared Euclidean distance, summed as
 * (x - c)² term by term rather than |x|² - 2x·c + |c|², which cancels badly when points sit far
 * from the origin but close to each other (unscaled RFM features). Accumulates in the input's
 * precision order, first index wins ties, like the kernel.
 */
export function kmeansAssignKernel(
  x: TypedArray,
  c: TypedArray,
  info: KmeansInfo,
  labels: Int32Array,
  distances: TypedArray,
): void {
  const { n, d, k } = info;
  const f32 = x instanceof Float32Array;
  for (let i = 0; i < n; i++) {
    const xo = i * d;
    let best = 0;
    let bestD = Infinity;
    for (let j = 0; j < k; j++) {
      const co = j * d;
      let s = 0;
      for (let f = 0; f < d; f++) {
        const t = x[xo + f]! - c[co + f]!;
        s += t * t;
      }
      if (f32) s = Math.fround(s);
      // `<` keeps the first of equal distances; NaN never wins, so a NaN row keeps label 0.
      if (s < bestD) {
        bestD = s;
        best = j;
      }
    }
    labels[i] = best;
    distances[i] = bestD;
  }
}
