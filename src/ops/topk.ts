import { BackendError, DTypeError, ShapeError, ValueError, fmtShape, fmtValue } from '../core/errors.js';
import { zeros } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { backendOf, wrap } from './dispatch.js';

/** The result of {@link topK}: both tensors are fresh and owned by the caller. */
export interface TopKResult {
  /** [..., k] in x's dtype: the k best entries of each row, best first. */
  values: Tensor;
  /** int32 [..., k]: their positions along the last axis. */
  indices: Tensor;
}

/**
 * The `k` largest entries along the last axis of `x`, best first, with their indices, selected
 * on x's backend (on webgpu only the [..., k] results are written; nothing of x is read back).
 *
 * The order is total, so every backend returns the same indices: NaN ranks above +Infinity
 * (as in {@link argmax}, where the first NaN wins; mask entries to -Infinity to rank them
 * last), -0 equals +0, and equal values go to the lower index. `topK(x, 1).indices` is
 * `argmax(x, -1, true)`.
 *
 * Shapes: x [..., n] (float32 or float64 on cpu, float32 on webgpu), 0 ≤ k ≤ n → values
 * [..., k], indices int32 [..., k]. Records nothing on the autograd tape: the selection is not
 * differentiable (gather x with the indices for a gradient through the values).
 */
export function topK(x: Tensor, k: number): TopKResult {
  const op = 'topK';
  if (x.rank === 0) throw new ShapeError(`${op}: x must have at least one axis; got a scalar`);
  const n = x.shape[x.rank - 1]!;
  if (!Number.isInteger(k) || k < 0 || k > n)
    throw new ValueError(
      `${op}: k must be an integer in [0, ${n}] (the last axis of x ${fmtShape(x.shape)}); got ${fmtValue(k)}`,
    );
  if (x.dtype === 'int32')
    throw new DTypeError(`${op}: x must be a float tensor; got int32 (cast with .cast('float32'))`);
  const backend = backendOf(op, { x });
  const shape = [...x.shape.slice(0, -1), k];
  const rows = x.size / Math.max(n, 1);
  if (k === 0 || rows === 0) {
    const opts = { backend: backend.name };
    return { values: zeros(shape, { ...opts, dtype: x.dtype }), indices: zeros(shape, { ...opts, dtype: 'int32' }) };
  }
  const fn = backend.topK;
  if (!fn)
    throw new BackendError(`${op}: the ${backend.name} backend has no top-K kernel; use the cpu or webgpu backend`);
  // Tensors are always contiguous row-major (views are copies), so the handle goes straight in.
  const out = fn.call(backend, x.storage(op, 'x').handle, { rows, n, k });
  return { values: wrap(backend, out.values, shape, x.dtype), indices: wrap(backend, out.indices, shape, 'int32') };
}
