import type { Handle, IalsCgInfo, IalsRows } from '../backend.js';
import type { TypedArray } from '../../core/dtype.js';
import { arr } from './handle.js';

/**
 * CPU twin of kernels/ials.wgsl, and the host path of ImplicitALS: warm-started conjugate
 * gradient for the listed rows of X (all rows when `rows` is undefined), in place. Row u
 * solves (G + Σ_j (c_j - 1) y_j y_jᵀ) x = Σ_j c_j y_j over its entries j = cols[offsets[u]..
 * offsets[u+1]) with confidences conf; G = YᵀY + λI [k, k]. The vectors are float64 here
 * (the WGSL kernel keeps them in f32), and a row stops once its squared residual is ≤ 1e-20.
 */
export function ialsCgKernel(
  X: Float32Array,
  Y: TypedArray,
  G: TypedArray,
  m: { offsets: Int32Array; cols: Int32Array; conf: TypedArray },
  rows: Int32Array | undefined,
  k: number,
  steps: number,
): void {
  const x = new Float64Array(k);
  const r = new Float64Array(k);
  const p = new Float64Array(k);
  const ap = new Float64Array(k);
  const count = rows ? rows.length : X.length / k;
  for (let n = 0; n < count; n++) {
    const u = rows ? rows[n]! : n;
    const xo = u * k;
    for (let f = 0; f < k; f++) x[f] = X[xo + f]!;
    const lo = m.offsets[u]!;
    const hi = m.offsets[u + 1]!;
    // r = b - A x, with A = G + Σ (c-1) y yᵀ and b = Σ c y.
    for (let a = 0; a < k; a++) {
      let s = 0;
      for (let b = 0; b < k; b++) s += G[a * k + b]! * x[b]!;
      r[a] = -s;
    }
    for (let j = lo; j < hi; j++) {
      const yo = m.cols[j]! * k;
      const c = m.conf[j]!;
      let yx = 0;
      for (let f = 0; f < k; f++) yx += Y[yo + f]! * x[f]!;
      const w = c - (c - 1) * yx;
      for (let f = 0; f < k; f++) r[f]! += w * Y[yo + f]!;
    }
    p.set(r);
    let rs = 0;
    for (let f = 0; f < k; f++) rs += r[f]! * r[f]!;
    for (let it = 0; it < steps && rs > 1e-20; it++) {
      for (let a = 0; a < k; a++) {
        let s = 0;
        for (let b = 0; b < k; b++) s += G[a * k + b]! * p[b]!;
        ap[a] = s;
      }
      for (let j = lo; j < hi; j++) {
        const yo = m.cols[j]! * k;
        let yp = 0;
        for (let f = 0; f < k; f++) yp += Y[yo + f]! * p[f]!;
        const w = (m.conf[j]! - 1) * yp;
        for (let f = 0; f < k; f++) ap[f]! += w * Y[yo + f]!;
      }
      let pap = 0;
      for (let f = 0; f < k; f++) pap += p[f]! * ap[f]!;
      const step = rs / pap;
      let rsNew = 0;
      for (let f = 0; f < k; f++) {
        x[f]! += step * p[f]!;
        r[f]! -= step * ap[f]!;
        rsNew += r[f]! * r[f]!;
      }
      for (let f = 0; f < k; f++) p[f] = r[f]! + (rsNew / rs) * p[f]!;
      rs = rsNew;
    }
    for (let f = 0; f < k; f++) X[xo + f] = x[f]!;
  }
}

/** `Backend.ialsCg` on CPU handles: {@link ialsCgKernel} over their arrays. */
export function ialsCgHandles(X: Handle, Y: Handle, gram: Handle, e: IalsRows, rows: Handle, info: IalsCgInfo): void {
  const m = { offsets: arr(e.offsets) as Int32Array, cols: arr(e.cols) as Int32Array, conf: arr(e.conf) };
  ialsCgKernel(arr(X) as Float32Array, arr(Y), arr(gram), m, arr(rows) as Int32Array, info.k, info.steps);
}
