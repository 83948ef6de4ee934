import { checkFinite, checkPair } from './validate.js';

/**
 * Root mean squared error, sqrt(mean((yTrue - yPred)^2)). Throws a ShapeError when the lengths
 * differ and a ValueError for empty input or a NaN or infinite entry (named by index).
 */
export function rmse(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const n = checkPair('rmse', 'yTrue', yTrue, 'yPred', yPred);
  checkFinite('rmse', 'yTrue', yTrue);
  checkFinite('rmse', 'yPred', yPred);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = yTrue[i]! - yPred[i]!;
    s += d * d;
  }
  return Math.sqrt(s / n);
}

/** Mean absolute error, mean(|yTrue - yPred|); the same checks as {@link rmse}. */
export function mae(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  const n = checkPair('mae', 'yTrue', yTrue, 'yPred', yPred);
  checkFinite('mae', 'yTrue', yTrue);
  checkFinite('mae', 'yPred', yPred);
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.abs(yTrue[i]! - yPred[i]!);
  return s / n;
}
