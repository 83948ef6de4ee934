import { ShapeError, ValueError, fmtValue } from '../core/errors.js';

/** Binary labels as the metrics accept them: 0/1 numbers or booleans. */
export type BinaryLabels = ArrayLike<number> | ArrayLike<boolean>;

/** Throws a ShapeError unless the two arrays have the same, non-zero length. */
export function checkPair(
  op: string,
  aName: string,
  a: ArrayLike<unknown>,
  bName: string,
  b: ArrayLike<unknown>,
): number {
  if (a.length !== b.length) {
    throw new ShapeError(
      `${op}: ${aName} and ${bName} must have the same length; got ${fmtValue(a.length)} and ${b.length}`,
    );
  }
  if (a.length === 0) throw new ValueError(`${op}: ${aName} and ${bName} are empty`);
  return a.length;
}

/** Throws a ValueError naming the first NaN (or, unless `allowInfinite`, infinite) entry. */
export function checkFinite(op: string, name: string, x: ArrayLike<number>, allowInfinite = false): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (typeof v !== 'number' || Number.isNaN(v) || (!allowInfinite && !Number.isFinite(v))) {
      throw new ValueError(
        `${op}: ${name}[${i}] must be a ${allowInfinite ? 'number (not NaN)' : 'finite number'}; got ${fmtValue(v)}`,
      );
    }
  }
}

/** Copies 0/1 labels (or booleans) into a Uint8Array; anything else is a ValueError naming the entry. */
export function toLabels(op: string, name: string, y: BinaryLabels): Uint8Array {
  const out = new Uint8Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (v === 1 || v === true) out[i] = 1;
    else if (v !== 0 && v !== false)
      throw new ValueError(`${op}: ${name}[${i}] must be 0 or 1 (or a boolean); got ${fmtValue(v)}`);
  }
  return out;
}

/** Throws a ValueError naming the first entry outside [0, 1]. */
export function checkProbabilities(op: string, name: string, p: ArrayLike<number>): void {
  for (let i = 0; i < p.length; i++) {
    const v = p[i]!;
    if (!(v >= 0 && v <= 1))
      throw new ValueError(`${op}: ${name}[${i}] must be a probability in [0, 1]; got ${fmtValue(v)}`);
  }
}

/** Throws a ValueError unless `k` is a positive integer. */
export function checkK(op: string, k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new ValueError(`${op}: k must be a positive integer; got ${fmtValue(k)}`);
}

/** Throws a ValueError unless `bins` is a positive integer. */
export function checkBins(op: string, bins: number): void {
  if (!Number.isInteger(bins) || bins < 1)
    throw new ValueError(`${op}: bins must be a positive integer; got ${fmtValue(bins)}`);
}
