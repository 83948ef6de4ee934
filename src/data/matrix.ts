import { DataError, ShapeError, ValueError, fmtShape, fmtValue } from '../core/errors.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * A table of numbers as the models take it: a 2-D tensor [rows, cols], an array of equal-length
 * rows, or flat row-major values with their column count (what {@link TabularEncoder} returns).
 */
export type MatrixInput =
  | Tensor
  | readonly (readonly number[])[]
  | { readonly data: ArrayLike<number>; readonly cols: number };

const FLOAT32_MAX = 3.4028234663852886e38;

/** A dense row-major matrix on the host. */
export interface Matrix {
  readonly data: Float64Array;
  readonly rows: number;
  readonly cols: number;
}

/**
 * Reads any {@link MatrixInput} into a host matrix and checks it: a ShapeError for ragged rows
 * or a length that is not rows × cols, a DataError naming the row and column of the first entry
 * that is not a number (null, a string) or is NaN or infinite (missing values must be handled
 * before a model sees them).
 */
export async function toMatrix(op: string, arg: string, x: MatrixInput): Promise<Matrix> {
  let data: Float64Array;
  let cols: number;
  if (x instanceof Tensor) {
    if (x.rank !== 2) throw new ShapeError(`${op}: ${arg} must be a 2-D tensor [rows, cols]; got ${fmtShape(x.shape)}`);
    cols = x.shape[1]!;
    data = Float64Array.from(await x.data());
  } else if (Array.isArray(x)) {
    const rows = x as readonly (readonly number[])[];
    cols = rows.length > 0 ? rows[0]!.length : 0;
    data = new Float64Array(rows.length * cols);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      if (!Array.isArray(row) || row.length !== cols) {
        throw new ShapeError(
          `${op}: ${arg}[${r}] must be an array of ${cols} numbers like ${arg}[0]; got ${Array.isArray(row) ? `${row.length} values` : typeof row}`,
        );
      }
      for (let c = 0; c < cols; c++) {
        // A Float64Array would turn null into 0 and '3' into 3 without a word; refuse them here.
        const v: unknown = row[c];
        if (typeof v !== 'number') throw notNumber(op, arg, r, c, v);
        data[r * cols + c] = v;
      }
    }
  } else {
    const m = x as { data: ArrayLike<number>; cols: number };
    cols = m.cols;
    if (!Number.isInteger(cols) || cols < 1)
      throw new ValueError(`${op}: ${arg}.cols must be a positive integer; got ${fmtValue(cols)}`);
    if (m.data.length % cols !== 0)
      throw new ShapeError(`${op}: ${arg}.data has ${m.data.length} values, not a multiple of cols ${cols}`);
    for (let i = 0; i < m.data.length; i++) {
      const v: unknown = m.data[i];
      if (typeof v !== 'number') throw notNumber(op, arg, Math.floor(i / cols), i % cols, v);
    }
    data = Float64Array.from(m.data);
  }
  const rows = cols === 0 ? 0 : data.length / cols;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      throw new DataError(
        `${op}: ${arg}[${Math.floor(i / cols)}][${i % cols}] must be a finite number (row ${Math.floor(i / cols)}, column ${i % cols}); got ${fmtValue(data[i])} (impute or drop missing values first, e.g. with TabularEncoder)`,
      );
    }
    // The models train in float32: a value past its range would become Infinity there.
    if (Math.abs(data[i]!) > FLOAT32_MAX) {
      throw new DataError(
        `${op}: ${arg}[${Math.floor(i / cols)}][${i % cols}] is outside the float32 range (row ${Math.floor(i / cols)}, column ${i % cols}); got ${fmtValue(data[i])} (rescale the column first)`,
      );
    }
  }
  return { data, rows, cols };
}

function notNumber(op: string, arg: string, row: number, col: number, v: unknown): DataError {
  return new DataError(
    `${op}: ${arg}[${row}][${col}] must be a number (row ${row}, column ${col}); got ${fmtValue(v)} (${typeof v})`,
  );
}

/**
 * The 0/1 labels (or booleans) a model fits on, as a Uint8Array; anything else is a DataError
 * naming the row (a fit's bad data; metrics report theirs as ValueErrors).
 */
export function toBinaryLabels(op: string, arg: string, y: ArrayLike<number | boolean>): Uint8Array {
  const out = new Uint8Array(y.length);
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (v === 1 || v === true) out[i] = 1;
    else if (v !== 0 && v !== false)
      throw new DataError(`${op}: ${arg}[${i}] must be 0 or 1 (or a boolean) (row ${i}); got ${fmtValue(v)}`);
  }
  return out;
}
