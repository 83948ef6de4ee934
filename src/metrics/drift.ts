import { ValueError, fmtValue } from '../core/errors.js';
import { checkBins, checkFinite } from './validate.js';

/** Options for {@link psi}. */
export interface PsiOptions {
  /** Number of bins; default 10. */
  bins?: number;
  /**
   * `'quantile'` (default): edges at the expected sample's quantiles, so each bin holds about
   * the same share of it; repeated edges (heavy ties) merge, giving fewer bins. `'uniform'`:
   * equal-width bins over the expected sample's range; actual values outside it fall in the
   * end bins.
   */
  binning?: 'quantile' | 'uniform';
  /** Floor for a bin's share, so an empty bin gives a large finite term instead of Infinity; default 1e-4. */
  eps?: number;
}

/**
 * Population stability index between a reference sample `expected` (training data, last
 * quarter) and a new sample `actual`: sum over bins of (a - e) * ln(a / e), with a and e the
 * two samples' shares of each bin. Rules of thumb: < 0.1 stable, 0.1-0.25 moderate shift,
 * > 0.25 large shift. NaN or infinite values, or an empty sample, are a ValueError.
 */
export function psi(expected: ArrayLike<number>, actual: ArrayLike<number>, options: PsiOptions = {}): number {
  const op = 'psi';
  const bins = options.bins ?? 10;
  const eps = options.eps ?? 1e-4;
  checkBins(op, bins);
  if (!(eps > 0 && eps < 1)) throw new ValueError(`${op}: eps must be in (0, 1); got ${fmtValue(eps)}`);
  if (expected.length === 0) throw new ValueError(`${op}: expected is empty`);
  if (actual.length === 0) throw new ValueError(`${op}: actual is empty`);
  checkFinite(op, 'expected', expected);
  checkFinite(op, 'actual', actual);
  const sorted = Float64Array.from(expected).sort();
  const edges = options.binning === 'uniform' ? uniformEdges(sorted, bins) : quantileEdges(sorted, bins);
  const e = shares(expected, edges);
  const a = shares(actual, edges);
  let s = 0;
  for (let b = 0; b < e.length; b++) {
    const eb = Math.max(e[b]!, eps);
    const ab = Math.max(a[b]!, eps);
    s += (ab - eb) * Math.log(ab / eb);
  }
  return s;
}

/** Inner edges (bins - 1 of them, fewer after merging repeats); bin = number of edges ≤ x. */
function quantileEdges(sorted: Float64Array, bins: number): number[] {
  const edges: number[] = [];
  for (let j = 1; j < bins; j++) {
    const q = sorted[Math.floor((j * sorted.length) / bins)]!;
    if (q > sorted[0]! && (edges.length === 0 || q > edges[edges.length - 1]!)) edges.push(q);
  }
  return edges;
}

function uniformEdges(sorted: Float64Array, bins: number): number[] {
  const lo = sorted[0]!;
  const hi = sorted[sorted.length - 1]!;
  if (hi === lo) return [];
  return Array.from({ length: bins - 1 }, (_, j) => lo + ((j + 1) * (hi - lo)) / bins);
}

function shares(x: ArrayLike<number>, edges: number[]): Float64Array {
  const out = new Float64Array(edges.length + 1);
  for (let i = 0; i < x.length; i++) {
    let lo = 0;
    let hi = edges.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (edges[mid]! <= x[i]!) lo = mid + 1;
      else hi = mid;
    }
    out[lo]!++;
  }
  for (let b = 0; b < out.length; b++) out[b]! /= x.length;
  return out;
}
