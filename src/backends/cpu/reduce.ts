import type { ReduceOp } from '../backend.js';
import type { TypedArray } from '../../core/dtype.js';

type RowsLoop = (x: TypedArray, outer: number, inner: number, out: TypedArray) => void;

/**
 * Reduces each row of x viewed as [outer, inner]. Sums and products accumulate in double.
 * max/min propagate NaN (like numpy); argmax/argmin return the first extreme, and treat NaN
 * as the extreme (like torch). Empty rows give the identity: 0, 1, -Inf, +Inf, index 0, -Inf.
 * One whole-array loop per op, keyed by ReduceOp so a new op without a kernel does not compile.
 */
const REDUCE_KERNELS: Record<ReduceOp, RowsLoop> = {
  sum: (x, outer, inner, out) => {
    for (let o = 0, base = 0; o < outer; o++, base += inner) {
      let s = 0;
      const end = base + inner;
      for (let i = base; i < end; i++) s += x[i]!;
      out[o] = s;
    }
  },
  prod: (x, outer, inner, out) => {
    for (let o = 0, base = 0; o < outer; o++, base += inner) {
      let s = 1;
      const end = base + inner;
      if (x instanceof Int32Array) {
        for (let i = base; i < end; i++) s = Math.imul(s, x[i]!);
      } else {
        for (let i = base; i < end; i++) s *= x[i]!;
      }
      out[o] = s;
    }
  },
  max: (x, outer, inner, out) => {
    for (let o = 0, base = 0; o < outer; o++, base += inner) out[o] = rowMax(x, base, inner);
  },
  min: (x, outer, inner, out) => {
    for (let o = 0, base = 0; o < outer; o++, base += inner) {
      let m = Infinity;
      const end = base + inner;
      for (let i = base; i < end; i++) {
        const v = x[i]!;
        if (v < m || Number.isNaN(v)) m = v;
        if (Number.isNaN(m)) break;
      }
      out[o] = m;
    }
  },
  argmax: (x, outer, inner, out) => {
    for (let o = 0, base = 0; o < outer; o++, base += inner) {
      let m = -Infinity;
      let k = 0;
      for (let i = 0; i < inner; i++) {
        const v = x[base + i]!;
        if (Number.isNaN(v)) {
          k = i;
          break;
        }
        if (v > m) {
          m = v;
          k = i;
        }
      }
      out[o] = k;
    }
  },
  argmin: (x, outer, inner, out) => {
    for (let o = 0, base = 0; o < outer; o++, base += inner) {
      let m = Infinity;
      let k = 0;
      for (let i = 0; i < inner; i++) {
        const v = x[base + i]!;
        if (Number.isNaN(v)) {
          k = i;
          break;
        }
        if (v < m) {
          m = v;
          k = i;
        }
      }
      out[o] = k;
    }
  },
  logsumexp: (x, outer, inner, out) => {
    for (let o = 0, base = 0; o < outer; o++, base += inner) {
      const m = rowMax(x, base, inner);
      // All -Inf, any +Inf or any NaN: the shifted sum would be NaN; the max is the answer.
      if (m === -Infinity || m === Infinity || Number.isNaN(m)) {
        out[o] = m;
        continue;
      }
      let s = 0;
      const end = base + inner;
      for (let i = base; i < end; i++) s += Math.exp(x[i]! - m);
      out[o] = m + Math.log(s);
    }
  },
};

export function reduceKernel(op: ReduceOp, x: TypedArray, outer: number, inner: number, out: TypedArray): void {
  REDUCE_KERNELS[op](x, outer, inner, out);
}

/** Max of a row, NaN if any element is NaN, -Inf if empty. */
function rowMax(x: TypedArray, base: number, len: number): number {
  let m = -Infinity;
  const end = base + len;
  for (let i = base; i < end; i++) {
    const v = x[i]!;
    if (v > m || Number.isNaN(v)) m = v;
    if (Number.isNaN(m)) break;
  }
  return m;
}

/**
 * Row-wise softmax / log-softmax, max-shifted so large logits do not overflow. A row that is
 * entirely -Inf has no defined distribution and gives NaN, as in torch.
 */
export function softmaxKernel(x: TypedArray, rows: number, cols: number, log: boolean, out: TypedArray): void {
  // Exponentials stay in double (one Math.exp per element) until the final scaled store.
  const e = log ? null : new Float64Array(cols);
  for (let r = 0, base = 0; r < rows; r++, base += cols) {
    const m = rowMax(x, base, cols);
    const end = base + cols;
    let s = 0;
    if (e === null) {
      for (let i = base; i < end; i++) s += Math.exp(x[i]! - m);
      const ls = Math.log(s);
      // (x - m) - log(s) rather than x - (m + log s): the shifted term is exact.
      for (let i = base; i < end; i++) out[i] = x[i]! - m - ls;
    } else {
      for (let i = 0; i < cols; i++) {
        const v = Math.exp(x[base + i]! - m);
        e[i] = v;
        s += v;
      }
      const inv = 1 / s;
      for (let i = 0; i < cols; i++) out[base + i] = e[i]! * inv;
    }
  }
}
