import { ValueError, fmtValue } from '../core/errors.js';
import { checkBins, checkFinite, checkPair, checkProbabilities, toLabels, type BinaryLabels } from './validate.js';

/** Validated labels and scores plus class counts; both classes must be present. */
function binaryInputs(
  op: string,
  yTrue: BinaryLabels,
  yScore: ArrayLike<number>,
  scoreName: string,
): { y: Uint8Array; n: number; nPos: number } {
  const n = checkPair(op, 'yTrue', yTrue, scoreName, yScore);
  const y = toLabels(op, 'yTrue', yTrue);
  checkFinite(op, scoreName, yScore, true);
  let nPos = 0;
  for (let i = 0; i < n; i++) nPos += y[i]!;
  return { y, n, nPos };
}

function requireBothClasses(op: string, n: number, nPos: number): void {
  if (nPos === 0 || nPos === n)
    throw new ValueError(
      `${op}: yTrue holds only ${nPos === 0 ? 'negatives' : 'positives'}; the metric needs both classes`,
    );
}

function orderBy(scores: ArrayLike<number>, descending: boolean): Uint32Array {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return descending ? order.sort((a, b) => scores[b]! - scores[a]!) : order.sort((a, b) => scores[a]! - scores[b]!);
}

/**
 * Area under the ROC curve: the probability that a random positive scores above a random
 * negative, ties counting one half (Mann-Whitney U with average ranks for ties). Scores may be
 * any numbers, including ±Infinity. Throws a ValueError when only one class is present, for a
 * label other than 0/1, or a NaN score; a ShapeError when the lengths differ.
 */
export function rocAuc(yTrue: BinaryLabels, yScore: ArrayLike<number>): number {
  const { y, n, nPos } = binaryInputs('rocAuc', yTrue, yScore, 'yScore');
  requireBothClasses('rocAuc', n, nPos);
  const order = orderBy(yScore, false);
  let rankSumPos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && yScore[order[j + 1]!] === yScore[order[i]!]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) if (y[order[t]!]) rankSumPos += avgRank;
    i = j + 1;
  }
  const nNeg = n - nPos;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/**
 * Area under the precision-recall curve as average precision: the sum over score thresholds
 * (tied scores form one threshold) of (recall gain) x (precision at that threshold), as in
 * scikit-learn's `average_precision_score`. Needs at least one positive.
 */
export function prAuc(yTrue: BinaryLabels, yScore: ArrayLike<number>): number {
  const { y, n, nPos } = binaryInputs('prAuc', yTrue, yScore, 'yScore');
  if (nPos === 0) throw new ValueError('prAuc: yTrue holds no positives; average precision is undefined');
  const order = orderBy(yScore, true);
  let tp = 0;
  let seen = 0;
  let ap = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && yScore[order[j + 1]!] === yScore[order[i]!]) j++;
    let groupTp = 0;
    for (let t = i; t <= j; t++) groupTp += y[order[t]!]!;
    tp += groupTp;
    seen += j - i + 1;
    ap += (groupTp / nPos) * (tp / seen);
    i = j + 1;
  }
  return ap;
}

/** Options for {@link logLoss}. */
export interface LogLossOptions {
  /** Probabilities are clipped to [eps, 1 - eps] so a confident miss costs a large finite loss; default 1e-15. */
  eps?: number;
}

/** Mean binary cross-entropy of probabilities `yProb` (each in [0, 1], else a ValueError). */
export function logLoss(yTrue: BinaryLabels, yProb: ArrayLike<number>, options: LogLossOptions = {}): number {
  const eps = options.eps ?? 1e-15;
  if (!(eps > 0 && eps < 0.5)) throw new ValueError(`logLoss: eps must be in (0, 0.5); got ${fmtValue(eps)}`);
  const { y, n } = binaryInputs('logLoss', yTrue, yProb, 'yProb');
  checkProbabilities('logLoss', 'yProb', yProb);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.min(Math.max(yProb[i]!, eps), 1 - eps);
    s -= y[i] ? Math.log(p) : Math.log1p(-p);
  }
  return s / n;
}

/** Brier score: mean squared difference between `yProb` (in [0, 1]) and the 0/1 outcome. */
export function brierScore(yTrue: BinaryLabels, yProb: ArrayLike<number>): number {
  const { y, n } = binaryInputs('brierScore', yTrue, yProb, 'yProb');
  checkProbabilities('brierScore', 'yProb', yProb);
  let s = 0;
  for (let i = 0; i < n; i++) s += (yProb[i]! - y[i]!) ** 2;
  return s / n;
}

/** Options for the thresholded metrics. */
export interface ThresholdOptions {
  /** A score at or above the threshold predicts 1; default 0.5, so 0/1 predictions work unchanged. */
  threshold?: number;
}

/** Confusion counts and the rates derived from them. */
export interface BinaryReport {
  /** tp / (tp + fp), or 0 with no predicted positives. */
  precision: number;
  /** tp / (tp + fn), or 0 with no actual positives. */
  recall: number;
  /** Harmonic mean of precision and recall, or 0 when both are 0. */
  f1: number;
  /** True positives. */
  tp: number;
  /** False positives. */
  fp: number;
  /** True negatives. */
  tn: number;
  /** False negatives. */
  fn: number;
}

/**
 * Precision, recall and F1 of the positive class at a threshold, with the confusion counts.
 * A ratio with a zero denominator (no predicted or no actual positives) is reported as 0.
 */
export function precisionRecallF1(
  yTrue: BinaryLabels,
  yScore: ArrayLike<number>,
  options: ThresholdOptions = {},
): BinaryReport {
  const threshold = options.threshold ?? 0.5;
  if (Number.isNaN(threshold)) throw new ValueError('precisionRecallF1: threshold must not be NaN');
  const { y, n } = binaryInputs('precisionRecallF1', yTrue, yScore, 'yScore');
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < n; i++) {
    const pred = yScore[i]! >= threshold;
    if (pred) y[i] ? tp++ : fp++;
    else y[i] ? fn++ : tn++;
  }
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, tp, fp, tn, fn };
}

/** Share of rows where (score ≥ threshold) equals the label. */
export function accuracy(yTrue: BinaryLabels, yScore: ArrayLike<number>, options: ThresholdOptions = {}): number {
  const r = precisionRecallF1(yTrue, yScore, options);
  return (r.tp + r.tn) / (r.tp + r.tn + r.fp + r.fn);
}

/** Options for {@link calibrationCurve} and {@link expectedCalibrationError}. */
export interface CalibrationOptions {
  /** Number of equal-width bins over [0, 1]; default 10. */
  bins?: number;
}

/**
 * A reliability diagram's data. Bin b covers [edges[b], edges[b+1]) (the last bin includes 1).
 * Every bin is returned so indices match `edges`; an empty bin has count 0 and NaN means.
 */
export interface CalibrationCurve {
  /** bins + 1 bin edges from 0 to 1. */
  edges: Float64Array;
  /** Mean predicted probability per bin (NaN when empty). */
  meanPredicted: Float64Array;
  /** Observed share of positives per bin (NaN when empty). */
  fractionPositive: Float64Array;
  /** Rows per bin. */
  count: Int32Array;
}

/** Bins `yProb` (each in [0, 1]) into equal-width bins and reports mean prediction vs observed rate. */
export function calibrationCurve(
  yTrue: BinaryLabels,
  yProb: ArrayLike<number>,
  options: CalibrationOptions = {},
): CalibrationCurve {
  const bins = options.bins ?? 10;
  checkBins('calibrationCurve', bins);
  const { y, n } = binaryInputs('calibrationCurve', yTrue, yProb, 'yProb');
  checkProbabilities('calibrationCurve', 'yProb', yProb);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  const count = new Int32Array(bins);
  for (let i = 0; i < n; i++) {
    const b = Math.min(Math.floor(yProb[i]! * bins), bins - 1);
    sumP[b]! += yProb[i]!;
    sumY[b]! += y[i]!;
    count[b]!++;
  }
  const edges = Float64Array.from({ length: bins + 1 }, (_, b) => b / bins);
  const meanPredicted = sumP.map((s, b) => (count[b] ? s / count[b]! : Number.NaN));
  const fractionPositive = sumY.map((s, b) => (count[b] ? s / count[b]! : Number.NaN));
  return { edges, meanPredicted, fractionPositive, count };
}

/**
 * Expected calibration error: the count-weighted mean over non-empty bins of
 * |observed rate - mean prediction|, using the bins of {@link calibrationCurve}.
 */
export function expectedCalibrationError(
  yTrue: BinaryLabels,
  yProb: ArrayLike<number>,
  options: CalibrationOptions = {},
): number {
  const c = calibrationCurve(yTrue, yProb, options);
  let s = 0;
  let n = 0;
  for (let b = 0; b < c.count.length; b++) {
    if (c.count[b] === 0) continue;
    s += c.count[b]! * Math.abs(c.fractionPositive[b]! - c.meanPredicted[b]!);
    n += c.count[b]!;
  }
  return s / n;
}
