import type { Rng } from '../core/random.js';
import type { Matrix } from '../data/matrix.js';
import { stratifiedSplit } from '../data/split.js';
import {
  brierScore,
  calibrationCurve,
  expectedCalibrationError,
  logLoss,
  prAuc,
  rocAuc,
  type CalibrationCurve,
} from '../metrics/classification.js';
import { toLabels, type BinaryLabels } from '../metrics/validate.js';

/** What {@link ChurnClassifier.evaluate} reports. Probabilities are calibrated unless asked otherwise. */
export interface ChurnReport {
  rocAuc: number;
  prAuc: number;
  logLoss: number;
  brier: number;
  /** Expected calibration error over 10 equal-width bins. */
  ece: number;
  calibration: CalibrationCurve;
  /** Churn rate among the top-scored 10% of rows ÷ the overall rate. */
  liftAtDecile: number;
  /** Churn rate (precision) among the top-scored 10% of rows. */
  precisionAtDecile: number;
  /** Share of all churners found in the top-scored 10% of rows. */
  recallAtDecile: number;
  /** Overall positive rate. */
  baseRate: number;
}

/** The logistic function, without overflow for large |z|. */
export function sig(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/**
 * The {@link ChurnReport} of probabilities `p` against 0/1 outcomes `y` (also usable on any
 * model's scores); ties at the decile cut are ordered by row.
 */
export function churnReport(y: BinaryLabels, p: ArrayLike<number>, bins = 10): ChurnReport {
  const yt = toLabels('churnReport', 'y', y);
  const n = yt.length;
  let pos = 0;
  for (let i = 0; i < n; i++) pos += yt[i]!;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[b]! - p[a]! || a - b);
  const top = Math.max(1, Math.round(n / 10));
  let hits = 0;
  for (let i = 0; i < top; i++) hits += yt[order[i]!]!;
  const baseRate = pos / n;
  return {
    rocAuc: rocAuc(yt, p),
    prAuc: prAuc(yt, p),
    logLoss: logLoss(yt, p),
    brier: brierScore(yt, p),
    ece: expectedCalibrationError(yt, p, { bins }),
    calibration: calibrationCurve(yt, p, { bins }),
    liftAtDecile: hits / top / baseRate,
    precisionAtDecile: hits / top,
    recallAtDecile: pos > 0 ? hits / pos : 0,
    baseRate,
  };
}

/** Splits rows into train and validation within each class (seeded), so both keep the churn rate. */
export function splitMatrixByClass(
  m: Matrix,
  y: Uint8Array,
  frac: number,
  rng: Rng,
): { train: { m: Matrix; y: Uint8Array }; val: { m: Matrix; y: Uint8Array } } {
  const { train, test } = stratifiedSplit(y, frac, rng);
  const take = (rows: number[]): { m: Matrix; y: Uint8Array } => {
    const data = new Float64Array(rows.length * m.cols);
    const yy = new Uint8Array(rows.length);
    rows.forEach((i, r) => {
      data.set(m.data.subarray(i * m.cols, (i + 1) * m.cols), r * m.cols);
      yy[r] = y[i]!;
    });
    return { m: { data, rows: rows.length, cols: m.cols }, y: yy };
  };
  return { train: take(train), val: take(test) };
}
