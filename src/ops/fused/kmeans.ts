import type { Backend } from '../../backends/backend.js';
import { BackendError, DTypeError, ShapeError, fmtShape, fmtValue } from '../../core/errors.js';
import { backendOf, wrap } from '../dispatch.js';
import type { Tensor } from '../../tensor/tensor.js';

/** The result of {@link kmeansAssign}: both tensors are fresh and owned by the caller. */
export interface KmeansAssignment {
  /** int32 [n]: the index of each row's nearest centroid (the first on exact ties). */
  labels: Tensor;
  /** [n] in x's dtype: the squared Euclidean distance to that centroid. */
  distances: Tensor;
}

function need(op: string, b: Backend): NonNullable<Backend['kmeansAssign']> {
  const fn = b.kmeansAssign;
  if (!fn)
    throw new BackendError(`${op}: the ${b.name} backend has no fused k-means kernel; use the cpu or webgpu backend`);
  return fn.bind(b);
}

/**
 * The fused k-means assignment step: nearest centroid and squared distance for every row.
 * Records nothing on the autograd tape (labels are not differentiable).
 *
 * Shapes: x [n, d], centroids [k, d] (same float dtype, same backend) → labels int32 [n],
 * distances [n]. The sum of `distances` is the k-means inertia for these centroids.
 */
export function kmeansAssign(x: Tensor, centroids: Tensor): KmeansAssignment {
  const op = 'kmeansAssign';
  if (x.rank !== 2) throw new ShapeError(`${op}: x must be [n, d]; got ${fmtShape(x.shape)}`);
  if (centroids.rank !== 2 || centroids.shape[1] !== x.shape[1] || centroids.shape[0] === 0) {
    throw new ShapeError(
      `${op}: centroids must be [k, ${x.shape[1]}] with k ≥ 1 to match x ${fmtShape(x.shape)}; got ${fmtShape(centroids.shape)}`,
    );
  }
  if (x.shape[1] === 0) throw new ShapeError(`${op}: x must have at least one column; got ${fmtShape(x.shape)}`);
  if (x.dtype === 'int32')
    throw new DTypeError(`${op}: x must be a float tensor; got int32 (cast with .cast('float32'))`);
  if (centroids.dtype !== x.dtype)
    throw new DTypeError(`${op}: centroids must have x's dtype ${x.dtype}; got ${fmtValue(centroids.dtype)}`);
  const backend = backendOf(op, { x, centroids });
  const [n, d] = x.shape as [number, number];
  const k = centroids.shape[0]!;
  // Tensors are always contiguous row-major (views are copies), so handles go straight in.
  const out = need(op, backend)(x.storage(op, 'x').handle, centroids.storage(op, 'centroids').handle, { n, d, k });
  return { labels: wrap(backend, out.labels, [n], 'int32'), distances: wrap(backend, out.distances, [n], x.dtype) };
}
