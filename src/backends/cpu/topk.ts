import type { TopKInfo } from '../backend.js';
import type { TypedArray } from '../../core/dtype.js';

/**
 * Whether (a, ia) ranks strictly above (b, ib) in topK's total order: NaN above everything
 * (all NaNs equal), then by value (`===` makes -0 equal +0), then the lower index first.
 * kernels/topk.wgsl orders by the same rule through an unsigned key per value.
 */
function above(a: number, ia: number, b: number, ib: number): boolean {
  const na = Number.isNaN(a);
  const nb = Number.isNaN(b);
  if (na !== nb) return na;
  if (!na && a !== b) return a > b;
  return ia < ib;
}

/**
 * CPU twin of kernels/topk.wgsl: the k best entries of each row of x [rows, n], best first,
 * with a size-k min-heap per row (O(n log k), no sort of the row). Writes values [rows, k]
 * and indices [rows, k]; see {@link TopKInfo} and `Backend.topK` for the order.
 */
export function topKKernel(x: TypedArray, info: TopKInfo, values: TypedArray, indices: Int32Array): void {
  const { rows, n, k } = info;
  // The heap holds column indices; its root is the worst of the k kept so far.
  const heap = new Int32Array(k);
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    const worse = (a: number, b: number): boolean => above(x[base + b]!, b, x[base + a]!, a);
    let size = 0;
    for (let j = 0; j < n; j++) {
      if (size < k) {
        let c = size++;
        heap[c] = j;
        while (c > 0) {
          const p = (c - 1) >> 1;
          if (!worse(heap[c]!, heap[p]!)) break;
          [heap[c], heap[p]] = [heap[p]!, heap[c]!];
          c = p;
        }
      } else if (above(x[base + j]!, j, x[base + heap[0]!]!, heap[0]!)) {
        heap[0] = j;
        let c = 0;
        for (;;) {
          const l = 2 * c + 1;
          let m = c;
          if (l < size && worse(heap[l]!, heap[m]!)) m = l;
          if (l + 1 < size && worse(heap[l + 1]!, heap[m]!)) m = l + 1;
          if (m === c) break;
          [heap[c], heap[m]] = [heap[m]!, heap[c]!];
          c = m;
        }
      }
    }
    const order = Array.from(heap).sort((a, b) => (above(x[base + a]!, a, x[base + b]!, b) ? -1 : 1));
    for (let j = 0; j < k; j++) {
      indices[r * k + j] = order[j]!;
      values[r * k + j] = x[base + order[j]!]!;
    }
  }
}
