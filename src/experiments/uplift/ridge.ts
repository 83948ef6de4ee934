import { ValueError, fmtValue } from '../../core/errors.js';
import { type Rows, checkRows } from './rows.js';

/** Options of {@link RidgeRegressor}. */
export interface RidgeOptions {
  /** L2 penalty on the standardized weights (the intercept is not penalized); default 1. */
  lambda?: number;
}

/**
 * Linear least squares with an L2 penalty on standardized features, solved exactly (normal
 * equations, Cholesky). The default second-stage model of the X-learner and the
 * transformed-outcome learner, which regress a continuous effect on the features; any object
 * with the same `fit`/`predict` can replace it.
 */
export class RidgeRegressor {
  readonly lambda: number;
  private weights: Float64Array | null = null;
  private intercept = 0;
  private means: Float64Array | null = null;
  private scales: Float64Array | null = null;

  constructor(options: RidgeOptions = {}) {
    const lambda = options.lambda ?? 1;
    if (!(lambda >= 0) || !Number.isFinite(lambda))
      throw new ValueError(`RidgeRegressor: lambda must be a finite number >= 0; got ${fmtValue(lambda)}`);
    this.lambda = lambda;
  }

  /** Fits y ≈ X·w + b. */
  fit(X: Rows, y: ArrayLike<number>): this {
    const op = 'RidgeRegressor.fit';
    const { rows: n, cols: p } = checkRows(op, X, y.length);
    const means = new Float64Array(p);
    const scales = new Float64Array(p);
    for (const row of X) for (let j = 0; j < p; j++) means[j]! += row[j]! / n;
    for (const row of X) for (let j = 0; j < p; j++) scales[j]! += (row[j]! - means[j]!) ** 2 / n;
    // A constant column gets scale 1 (its centred values are all 0, so it simply drops out).
    for (let j = 0; j < p; j++) scales[j] = Math.sqrt(scales[j]!) || 1;
    let my = 0;
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(y[i]!))
        throw new ValueError(`${op}: y[${i}] must be a finite number; got ${fmtValue(y[i])}`);
      my += y[i]! / n;
    }
    const A = new Float64Array(p * p);
    const b = new Float64Array(p);
    const z = new Float64Array(p);
    for (let i = 0; i < n; i++) {
      const row = X[i]!;
      for (let j = 0; j < p; j++) z[j] = (row[j]! - means[j]!) / scales[j]!;
      const r = y[i]! - my;
      for (let j = 0; j < p; j++) {
        b[j]! += z[j]! * r;
        for (let k = 0; k <= j; k++) A[j * p + k]! += z[j]! * z[k]!;
      }
    }
    // A tiny ridge keeps the system positive definite when lambda is 0 and columns are collinear.
    for (let j = 0; j < p; j++) A[j * p + j]! += this.lambda + 1e-10 * n;
    this.weights = choleskySolve(A, b, p);
    this.intercept = my;
    this.means = means;
    this.scales = scales;
    return this;
  }

  /** Predictions X·w + b; a ValueError before `fit`. */
  predict(X: Rows): Float64Array {
    const op = 'RidgeRegressor.predict';
    if (!this.weights || !this.means || !this.scales) throw new ValueError(`${op}: call fit first`);
    const p = this.weights.length;
    checkRows(op, X, X.length, p);
    return Float64Array.from(X, (row) => {
      let s = this.intercept;
      for (let j = 0; j < p; j++) s += ((row[j]! - this.means![j]!) / this.scales![j]!) * this.weights![j]!;
      return s;
    });
  }
}

/** Solves A·x = b for symmetric positive definite A (lower triangle filled), p × p. */
function choleskySolve(A: Float64Array, b: Float64Array, p: number): Float64Array {
  const L = new Float64Array(p * p);
  for (let j = 0; j < p; j++) {
    let d = A[j * p + j]!;
    for (let k = 0; k < j; k++) d -= L[j * p + k]! ** 2;
    const ljj = Math.sqrt(Math.max(d, 1e-300));
    L[j * p + j] = ljj;
    for (let i = j + 1; i < p; i++) {
      let s = A[i * p + j]!;
      for (let k = 0; k < j; k++) s -= L[i * p + k]! * L[j * p + k]!;
      L[i * p + j] = s / ljj;
    }
  }
  const x = Float64Array.from(b);
  for (let i = 0; i < p; i++) {
    for (let k = 0; k < i; k++) x[i]! -= L[i * p + k]! * x[k]!;
    x[i]! /= L[i * p + i]!;
  }
  for (let i = p - 1; i >= 0; i--) {
    for (let k = i + 1; k < p; k++) x[i]! -= L[k * p + i]! * x[k]!;
    x[i]! /= L[i * p + i]!;
  }
  return x;
}
