import { ShapeError, ValueError, fmtValue } from '../../core/errors.js';

/** Features as the uplift learners take them: one array of numbers per user. */
export type Rows = readonly (readonly number[])[];

/**
 * Checks a feature table: `expectRows` rows, all of one width (`expectCols` when given), finite
 * numbers. Returns its shape.
 */
export function checkRows(
  op: string,
  X: Rows,
  expectRows: number,
  expectCols?: number,
): { rows: number; cols: number } {
  if (!Array.isArray(X)) throw new ValueError(`${op}: X must be an array of feature rows; got ${fmtValue(X)}`);
  if (X.length === 0) throw new ValueError(`${op}: X is empty`);
  if (X.length !== expectRows)
    throw new ShapeError(`${op}: X has ${X.length} rows but the outcomes have ${expectRows}; give one row per user`);
  const cols = expectCols ?? X[0]?.length ?? 0;
  if (cols === 0) throw new ShapeError(`${op}: X has rows with no features`);
  for (let i = 0; i < X.length; i++) {
    const row = X[i]!;
    if (!row || row.length !== cols)
      throw new ShapeError(`${op}: X[${i}] has ${row?.length} features; expected ${cols}`);
    for (let j = 0; j < cols; j++)
      if (!Number.isFinite(row[j]!))
        throw new ValueError(`${op}: X[${i}][${j}] must be a finite number; got ${fmtValue(row[j])}`);
  }
  return { rows: X.length, cols };
}

/** 0/1 (or boolean) assignment per user: 1 = treated. Checks both arms are present. */
export function toAssignment(op: string, treatment: ArrayLike<number | boolean>, n: number): Uint8Array {
  if (treatment.length !== n)
    throw new ShapeError(`${op}: treatment has ${treatment.length} entries but there are ${n} users`);
  const w = new Uint8Array(n);
  let treated = 0;
  for (let i = 0; i < n; i++) {
    const v = treatment[i];
    if (v === 1 || v === true) w[i] = 1;
    else if (v !== 0 && v !== false) throw new ValueError(`${op}: treatment[${i}] must be 0 or 1; got ${fmtValue(v)}`);
    treated += w[i]!;
  }
  if (treated === 0) throw new ValueError(`${op}: the treatment arm is empty (no treatment = 1)`);
  if (treated === n) throw new ValueError(`${op}: the control arm is empty (no treatment = 0)`);
  return w;
}

/** Outcomes per user, finite numbers, `n` of them. */
export function toOutcomes(op: string, y: ArrayLike<number | boolean>, n: number): Float64Array {
  if (y.length !== n) throw new ShapeError(`${op}: y has ${y.length} entries but there are ${n} users`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = y[i];
    const x = typeof v === 'boolean' ? Number(v) : v;
    if (typeof x !== 'number' || !Number.isFinite(x))
      throw new ValueError(`${op}: y[${i}] must be a finite number; got ${fmtValue(v)}`);
    out[i] = x;
  }
  return out;
}
