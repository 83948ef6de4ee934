import { ShapeError, ValueError, fmtValue } from '../core/errors.js';
import { Rng } from '../core/random.js';
import { checkFinite } from './validate.js';

/** Options for {@link silhouetteScore}. */
export interface SilhouetteOptions {
  /**
   * Score a seeded random subsample of this many rows (distances among the sample only), since
   * the exact score costs O(n^2 d). Default: all rows.
   */
  sampleSize?: number;
  /** Seed for the subsample; default 0. */
  seed?: number;
}

/**
 * Mean silhouette coefficient with Euclidean distance. `x` holds n rows of `dims` values,
 * row-major (a Float32Array from a tensor's data works as is); `labels[i]` is row i's cluster,
 * any integers. Per row, s = (b - a) / max(a, b), with a the mean distance to its own cluster's
 * other rows and b the smallest mean distance to another cluster; a row alone in its cluster
 * scores 0. Needs 2 ≤ clusters ≤ n - 1 (ValueError); `x.length` must be n * dims (ShapeError).
 */
export function silhouetteScore(
  x: ArrayLike<number>,
  dims: number,
  labels: ArrayLike<number>,
  options: SilhouetteOptions = {},
): number {
  const op = 'silhouetteScore';
  if (!Number.isInteger(dims) || dims < 1)
    throw new ValueError(`${op}: dims must be a positive integer; got ${fmtValue(dims)}`);
  if (x.length !== labels.length * dims) {
    throw new ShapeError(
      `${op}: x has ${x.length} values but labels has ${labels.length} rows of dims ${dims} (${labels.length * dims} values)`,
    );
  }
  checkFinite(op, 'x', x);
  let rows = Array.from({ length: labels.length }, (_, i) => i);
  if (options.sampleSize !== undefined && options.sampleSize < rows.length) {
    if (!Number.isInteger(options.sampleSize) || options.sampleSize < 2) {
      throw new ValueError(`${op}: sampleSize must be an integer ≥ 2; got ${fmtValue(options.sampleSize)}`);
    }
    const perm = new Rng(options.seed ?? 0, op).permutation(rows.length);
    rows = Array.from(perm.subarray(0, options.sampleSize)).sort((a, b) => a - b);
  }
  const n = rows.length;
  const cluster = new Int32Array(n);
  const ids = new Map<number, number>();
  for (let j = 0; j < n; j++) {
    const l = labels[rows[j]!]!;
    if (!Number.isInteger(l)) throw new ValueError(`${op}: labels[${rows[j]}] must be an integer; got ${fmtValue(l)}`);
    let c = ids.get(l);
    if (c === undefined) ids.set(l, (c = ids.size));
    cluster[j] = c;
  }
  const k = ids.size;
  if (k < 2 || k > n - 1)
    throw new ValueError(`${op}: needs between 2 and ${n - 1} clusters among ${n} rows; got ${fmtValue(k)}`);
  const size = new Int32Array(k);
  for (let j = 0; j < n; j++) size[cluster[j]!]!++;
  const sums = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < n; i++) {
    sums.fill(0);
    const oi = rows[i]! * dims;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const oj = rows[j]! * dims;
      let d2 = 0;
      for (let t = 0; t < dims; t++) {
        const d = x[oi + t]! - x[oj + t]!;
        d2 += d * d;
      }
      sums[cluster[j]!]! += Math.sqrt(d2);
    }
    const own = cluster[i]!;
    if (size[own] === 1) continue;
    const a = sums[own]! / (size[own]! - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== own) b = Math.min(b, sums[c]! / size[c]!);
    const m = Math.max(a, b);
    total += m > 0 ? (b - a) / m : 0;
  }
  return total / n;
}
