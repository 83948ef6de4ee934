import { BackendError, DTypeError, ShapeError, ValueError, fmtShape, fmtValue } from '../../core/errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { backendOf } from '../dispatch.js';

/** The observed entries of an {@link ialsCgStep} by row of X (CSR): see `IalsRows` in the backend contract. */
export interface IalsEntries {
  /** int32 [numX + 1]: row u's entries are offsets[u]..offsets[u+1]. */
  offsets: Tensor;
  /** int32 [nnz]: the row of Y of each entry. */
  cols: Tensor;
  /** float32 [nnz]: each entry's confidence c = 1 + alpha · value (≥ 1 for a positive-definite system). */
  conf: Tensor;
}

function expect(op: string, name: string, t: Tensor, dtype: 'int32' | 'float32', shape: number[]): void {
  if (t.dtype !== dtype) throw new DTypeError(`${op}: ${name} must be ${dtype}; got ${fmtValue(t.dtype)}`);
  if (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i]))
    throw new ShapeError(`${op}: ${name} must have shape ${fmtShape(shape)}; got ${fmtShape(t.shape)}`);
}

/** On backends that read synchronously (CPU), every index is checked; the WGSL kernel trusts the model's own CSR. */
function checkRange(op: string, name: string, t: Tensor, limit: number): void {
  const b = t.backendImpl(op, name);
  if (!b.readSync) return;
  const a = b.readSync(t.storage(op, name).handle);
  for (let j = 0; j < a.length; j++)
    if (!(a[j]! >= 0 && a[j]! < limit)) throw new ValueError(`${op}: ${name}[${j}] = ${a[j]} is outside [0, ${limit})`);
}

/**
 * Warm-started conjugate-gradient steps of implicit ALS for the rows `rows` of X, in place (one
 * half of an ALS sweep, batched: every listed row is solved in parallel on webgpu). Row u moves
 * toward the solution of (gram + Σ_j (c_j - 1) y_j y_jᵀ) x = Σ_j c_j y_j over its entries,
 * where gram = YᵀY + λI. Records nothing on the autograd tape.
 *
 * Shapes: X [numX, k] and Y [numY, k] float32, gram [k, k], entries as {@link IalsEntries},
 * rows int32 [n] (each in [0, numX)); steps ≥ 1. On webgpu k ≤ 128.
 */
export function ialsCgStep(
  X: Tensor,
  Y: Tensor,
  gram: Tensor,
  entries: IalsEntries,
  rows: Tensor,
  steps: number,
): void {
  const op = 'ialsCgStep';
  if (X.rank !== 2 || Y.rank !== 2 || X.shape[1] !== Y.shape[1])
    throw new ShapeError(
      `${op}: X and Y must be [numX, k] and [numY, k]; got ${fmtShape(X.shape)} and ${fmtShape(Y.shape)}`,
    );
  const [numX, k] = X.shape as [number, number];
  const numY = Y.shape[0]!;
  expect(op, 'X', X, 'float32', [numX, k]);
  expect(op, 'Y', Y, 'float32', [numY, k]);
  expect(op, 'gram', gram, 'float32', [k, k]);
  expect(op, 'entries.offsets', entries.offsets, 'int32', [numX + 1]);
  const nnz = entries.cols.size;
  expect(op, 'entries.cols', entries.cols, 'int32', [nnz]);
  expect(op, 'entries.conf', entries.conf, 'float32', [nnz]);
  expect(op, 'rows', rows, 'int32', [rows.size]);
  if (!Number.isInteger(steps) || steps < 1)
    throw new ValueError(`${op}: steps must be a positive integer; got ${fmtValue(steps)}`);
  const backend = backendOf(op, { X, Y, gram, ...entries, rows });
  checkRange(op, 'rows', rows, numX);
  if (backend.readSync) {
    const o = backend.readSync(entries.offsets.storage(op, 'entries.offsets').handle);
    let bad = o[0] !== 0 || o[numX] !== nnz;
    for (let u = 0; u < numX && !bad; u++) bad = o[u + 1]! < o[u]!;
    if (bad)
      throw new ValueError(
        `${op}: entries.offsets must rise from 0 to ${nnz} (the entry count) over ${numX + 1} values`,
      );
  }
  checkRange(op, 'entries.cols', entries.cols, numY);
  const fn = backend.ialsCg;
  if (!fn)
    throw new BackendError(
      `${op}: the ${backend.name} backend has no implicit-ALS kernel; use the cpu or webgpu backend`,
    );
  const h = (t: Tensor, name: string) => t.storage(op, name).handle;
  fn.call(
    backend,
    h(X, 'X'),
    h(Y, 'Y'),
    h(gram, 'gram'),
    { offsets: h(entries.offsets, 'offsets'), cols: h(entries.cols, 'cols'), conf: h(entries.conf, 'conf') },
    h(rows, 'rows'),
    { rows: rows.size, k, steps },
  );
}
