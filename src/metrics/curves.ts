import { ValueError, fmtValue } from '../core/errors.js';
import { checkFinite, checkPair, toLabels, type BinaryLabels } from './validate.js';

/** One point of a threshold curve: the x and y of the plot and the score threshold behind it. */
export interface CurvePoint {
  x: number;
  y: number;
}

/** The three threshold curves of a binary classifier, read off one ordering of the scores. */
export interface ThresholdCurves {
  /** ROC: x false-positive rate, y true-positive rate, from (0, 0) to (1, 1). */
  roc: CurvePoint[];
  /** Precision-recall: x recall, y precision (starts at recall 0 with the first precision). */
  pr: CurvePoint[];
  /** Cumulative gains: x share of rows contacted (highest score first), y share of positives found. */
  gains: CurvePoint[];
  /** Share of positives over all rows. */
  baseRate: number;
}

/**
 * ROC, precision-recall and cumulative-gains points of `scores` against 0/1 `labels`, for
 * plotting. Tied scores form one step (no order among ties is invented). Long curves are
 * thinned to about `maxPoints` points, keeping the first and last, so a chart of 100,000 rows
 * stays small; the areas themselves come from `rocAuc` / `prAuc`, not from these. `at.report`
 * draws its churn charts from these points.
 */
export function thresholdCurves(
  labels: BinaryLabels,
  scores: ArrayLike<number>,
  options: { maxPoints?: number } = {},
): ThresholdCurves {
  const op = 'metrics.thresholdCurves';
  const n = checkPair(op, 'labels', labels, 'scores', scores);
  const y = toLabels(op, 'labels', labels);
  checkFinite(op, 'scores', scores, true);
  let positives = 0;
  for (let i = 0; i < n; i++) positives += y[i]!;
  if (positives === 0 || positives === n)
    throw new ValueError(
      `${op}: labels hold only ${positives === 0 ? 'negatives' : 'positives'}; the curves need both classes`,
    );
  const negatives = n - positives;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!);
  const roc: CurvePoint[] = [{ x: 0, y: 0 }];
  const pr: CurvePoint[] = [];
  const gains: CurvePoint[] = [{ x: 0, y: 0 }];
  let tp = 0;
  let fp = 0;
  for (let j = 0; j < n; j++) {
    const i = order[j]!;
    if (y[i]) tp++;
    else fp++;
    // Emit only at the end of a run of tied scores.
    if (j + 1 < n && scores[order[j + 1]!] === scores[i]) continue;
    roc.push({ x: fp / negatives, y: tp / positives });
    pr.push({ x: tp / positives, y: tp / (tp + fp) });
    gains.push({ x: (j + 1) / n, y: tp / positives });
  }
  pr.unshift({ x: 0, y: pr[0]!.y });
  const maxPoints = options.maxPoints ?? 400;
  if (!Number.isInteger(maxPoints) || maxPoints < 2)
    throw new ValueError(`${op}: maxPoints must be an integer ≥ 2; got ${fmtValue(maxPoints)}`);
  return { roc: thin(roc, maxPoints), pr: thin(pr, maxPoints), gains: thin(gains, maxPoints), baseRate: positives / n };
}

/** Every ⌈len / max⌉-th point, always keeping the last one. */
function thin<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return [...points];
  const step = Math.ceil(points.length / max);
  const out: T[] = [];
  for (let i = 0; i < points.length; i += step) out.push(points[i]!);
  if (out[out.length - 1] !== points[points.length - 1]) out.push(points[points.length - 1]!);
  return out;
}

/**
 * The popularity ("long tail") curve: items ranked by `rankBy` (default `counts`), most popular
 * first; for each share of the catalogue, the share of all `counts` those items hold. With
 * `counts` = how often each item is recommended and `rankBy` = its interactions, the curve shows
 * how much of the recommendations go to the already popular items.
 */
export function concentrationCurve(
  counts: ArrayLike<number>,
  rankBy: ArrayLike<number> = counts,
  maxPoints = 200,
): CurvePoint[] {
  if (rankBy.length !== counts.length)
    throw new ValueError(
      `metrics.concentrationCurve: rankBy has ${rankBy.length} items, counts ${counts.length}; they must match`,
    );
  const order = Array.from({ length: counts.length }, (_, i) => i).sort((a, b) => rankBy[b]! - rankBy[a]! || a - b);
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  const out: CurvePoint[] = [{ x: 0, y: 0 }];
  let acc = 0;
  for (let r = 0; r < order.length; r++) {
    acc += counts[order[r]!]!;
    out.push({ x: (r + 1) / order.length, y: total > 0 ? acc / total : 0 });
  }
  return thin(out, maxPoints);
}
