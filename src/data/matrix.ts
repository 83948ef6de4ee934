import { ShapeError, ValueError, fmtShape } from '../core/errors.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * A table of numbers as the models take it: a 2-D tensor [rows, cols], an array of equal-length
 * rows, or flat row-major values with their column count (what {@link TabularEncoder} returns).
 */
export type MatrixInput =
  | Tensor
  | readonly (readonly number[])[]
  | { readonly data: ArrayLike<number>; readonly cols: number };

/** A dense row-major matrix on the host. */
export interface Matrix {
  readonly data: Float64Array;
  readonly rows: number;
  readonly cols: number;
}

/**
 * Reads any {@link MatrixInput} into a host matrix and checks it: a ShapeError for ragged rows
 * or a length that is not rows × cols, a ValueError naming the first NaN or infinite entry as
 * `arg[row][col]` (missing values must be handled before a model sees them).
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
      for (let c = 0; c < cols; c++) data[r * cols + c] = row[c]!;
    }
  } else {
    const m = x as { data: ArrayLike<number>; cols: number };
    cols = m.cols;
    if (!Number.isInteger(cols) || cols < 1)
      throw new ValueError(`${op}: ${arg}.cols must be a positive integer; got ${cols}`);
    if (m.data.length % cols !== 0)
      throw new ShapeError(`${op}: ${arg}.data has ${m.data.length} values, not a multiple of cols ${cols}`);
    data = Float64Array.from(m.data);
  }
  const rows = cols === 0 ? 0 : data.length / cols;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) {
      throw new ValueError(
        `${op}: ${arg}[${Math.floor(i / cols)}][${i % cols}] must be a finite number; got ${data[i]} (impute or drop missing values first, e.g. with TabularEncoder)`,
      );
    }
  }
  return { data, rows, cols };
}
