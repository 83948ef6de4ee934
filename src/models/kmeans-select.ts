import { checkInt, checkOneOf } from '../core/checks.js';
import { ValueError } from '../core/errors.js';
import { Rng } from '../core/random.js';
import type { Matrix } from '../data/matrix.js';
import { silhouetteScore } from '../metrics/clustering.js';

/** Options of `KMeans.selectK`. */
export interface SelectKOptions {
  /** The k to try: two numbers are the range `[lo, hi]` inclusive, more are an explicit list; default [2, 8]. Each k must be ≥ 1 (≥ 2 for silhouette). */
  kRange?: readonly [number, number] | readonly number[];
  /**
   * How to choose: `'silhouette'` (default): the highest mean silhouette; `'gap'`: the gap
   * statistic (Tibshirani, Walther and Hastie 2001), the smallest k with gap(k) ≥ gap(k+1) − s(k+1)
   * against uniform reference data in the bounding box of X; `'elbow'`: the knee of the inertia
   * curve, the k farthest below the chord from the first to the last point (Kneedle).
   */
  criterion?: 'silhouette' | 'gap' | 'elbow';
  /** Rows scored by silhouette and clustered for the gap references (a seeded subsample); default 3000. */
  sampleSize?: number;
  /** Reference data sets of the gap statistic; default 10. */
  references?: number;
  /** Seed of the fits, the subsample and the references; default 0. */
  seed?: number;
}

/** One row of the selection table. */
export interface SelectKScore {
  k: number;
  inertia: number;
  /** Mean silhouette (NaN for k = 1). */
  silhouette: number;
  /** Gap statistic and its standard error s(k) (only with criterion 'gap'; NaN otherwise). */
  gap: number;
  gapSe: number;
}

/** What `KMeans.selectK` returns: the table, the choice, and the model fitted at the choice. */
export interface SelectKResult<M> {
  k: number;
  criterion: 'silhouette' | 'gap' | 'elbow';
  scores: SelectKScore[];
  model: M;
}

/** A k-means fit as selection sees it: labels and inertia for a k on a matrix. */
export type KMeansFitter<M> = (k: number, x: Matrix) => Promise<{ model: M; labels: Int32Array; inertia: number }>;

/** The list of k a kRange option names, checked. */
export function kList(op: string, kRange: SelectKOptions['kRange'], rows: number, min: number): number[] {
  const range = kRange ?? [2, 8];
  let ks: number[];
  if (range.length === 2) {
    ks = [];
    for (let k = range[0]!; k <= range[1]!; k++) ks.push(k);
  } else ks = [...range];
  if (ks.length === 0) throw new ValueError(`${op}: kRange names no k`);
  for (const k of ks) checkInt(op, 'every k in kRange', k, min);
  const max = Math.max(...ks);
  if (max > rows) throw new ValueError(`${op}: kRange reaches k = ${max} but X has only ${rows} rows`);
  return [...new Set(ks)].sort((a, b) => a - b);
}

function subsample(x: Matrix, size: number, rng: Rng): Matrix {
  if (x.rows <= size) return x;
  const perm = rng.permutation(x.rows).subarray(0, size);
  const data = new Float64Array(size * x.cols);
  perm.forEach((r, i) => data.set(x.data.subarray(r * x.cols, (r + 1) * x.cols), i * x.cols));
  return { data, rows: size, cols: x.cols };
}

/**
 * Scores each k of the range and picks one; the fitting itself is `fitK` (KMeans.selectK passes
 * its own), so this module knows nothing of how k-means runs. Every k is fitted on all of X;
 * silhouette is scored on a seeded subsample of `sampleSize` rows; the gap statistic clusters
 * that subsample and `references` uniform data sets of the same size.
 */
export async function selectK<M>(
  op: string,
  x: Matrix,
  fitK: KMeansFitter<M>,
  options: SelectKOptions = {},
): Promise<SelectKResult<M>> {
  const criterion = checkOneOf(op, 'criterion', options.criterion ?? 'silhouette', [
    'silhouette',
    'gap',
    'elbow',
  ] as const);
  const ks = kList(op, options.kRange, x.rows, criterion === 'silhouette' ? 2 : 1);
  const sampleSize = checkInt(op, 'sampleSize', options.sampleSize ?? 3000, 10);
  const B = checkInt(op, 'references', options.references ?? 10, 2);
  const seed = options.seed ?? 0;
  const rng = new Rng(seed, op);
  const sample = subsample(x, sampleSize, rng);
  const sampleRows = x.rows <= sampleSize ? undefined : sampleSize;
  const scores: SelectKScore[] = [];
  const models = new Map<number, M>();
  for (const k of ks) {
    const res = await fitK(k, x);
    models.set(k, res.model);
    const silhouette =
      k >= 2 && criterion === 'silhouette'
        ? silhouetteScore(x.data, x.cols, res.labels, { sampleSize: sampleRows, seed })
        : Number.NaN;
    scores.push({ k, inertia: res.inertia, silhouette, gap: Number.NaN, gapSe: Number.NaN });
  }
  let chosen: number;
  if (criterion === 'silhouette') {
    chosen = scores.reduce((best, s) => (s.silhouette > best.silhouette ? s : best)).k;
  } else if (criterion === 'elbow') {
    chosen = elbow(
      scores.map((s) => s.k),
      scores.map((s) => s.inertia),
    );
  } else {
    // Reference data: uniform in the bounding box of X, the same size as the sample.
    const lo = new Float64Array(x.cols).fill(Infinity);
    const hi = new Float64Array(x.cols).fill(-Infinity);
    for (let i = 0; i < x.data.length; i++) {
      const c = i % x.cols;
      lo[c] = Math.min(lo[c]!, x.data[i]!);
      hi[c] = Math.max(hi[c]!, x.data[i]!);
    }
    const refs: Matrix[] = Array.from({ length: B }, () => {
      const data = new Float64Array(sample.rows * x.cols);
      for (let i = 0; i < data.length; i++)
        data[i] = lo[i % x.cols]! + rng.float() * (hi[i % x.cols]! - lo[i % x.cols]!);
      return { data, rows: sample.rows, cols: x.cols };
    });
    for (const s of scores) {
      const logW = Math.log((await fitK(s.k, sample)).inertia);
      const refLogW: number[] = [];
      for (const ref of refs) refLogW.push(Math.log((await fitK(s.k, ref)).inertia));
      const mean = refLogW.reduce((a, b) => a + b, 0) / B;
      const sd = Math.sqrt(refLogW.reduce((a, b) => a + (b - mean) ** 2, 0) / B);
      s.gap = mean - logW;
      s.gapSe = sd * Math.sqrt(1 + 1 / B);
    }
    chosen = scores[scores.length - 1]!.k;
    for (let i = 0; i + 1 < scores.length; i++) {
      if (scores[i]!.gap >= scores[i + 1]!.gap - scores[i + 1]!.gapSe) {
        chosen = scores[i]!.k;
        break;
      }
    }
  }
  return { k: chosen, criterion, scores, model: models.get(chosen)! };
}

/**
 * The knee of a decreasing curve (Kneedle, Satopää et al. 2011): scale both axes to [0, 1] and
 * take the point farthest below the straight line from the first point to the last. With fewer
 * than three points there is no knee: the first k is returned.
 */
export function elbow(ks: readonly number[], inertia: readonly number[]): number {
  if (ks.length < 3) return ks[0]!;
  const k0 = ks[0]!;
  const k1 = ks[ks.length - 1]!;
  const y0 = inertia[0]!;
  const y1 = inertia[inertia.length - 1]!;
  let best = ks[0]!;
  let bestGap = -Infinity;
  for (let i = 0; i < ks.length; i++) {
    const u = (ks[i]! - k0) / (k1 - k0);
    const v = y0 === y1 ? 0 : (inertia[i]! - y1) / (y0 - y1);
    const gap = 1 - u - v; // distance below the chord (v = 1 − u) in scaled units
    if (gap > bestGap) {
      bestGap = gap;
      best = ks[i]!;
    }
  }
  return best;
}
