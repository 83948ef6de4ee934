import { BackendError } from '../../core/errors.js';
import { collapseDims } from '../../core/shape.js';

/** Shapes and strides travel in uniforms as two vec4s each. */
export const MAX_RANK = 8;

/** Workgroups per dimension are capped at 65535; larger 1-D grids spill into y. */
export function grid(groups: number): [number, number] {
  if (groups <= 65535) return [groups, 1];
  const y = Math.ceil(groups / 65535);
  return [Math.ceil(groups / y), y];
}

/** {@link collapseDims}, refusing what the kernels' fixed-rank index arithmetic cannot take. */
export function coalesce(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const out = collapseDims(shape, strides);
  if (out.shape.length > MAX_RANK) {
    throw new BackendError(
      `webgpu: a strided view of rank ${out.shape.length} (after merging contiguous dims) exceeds the kernel limit of ${MAX_RANK}`,
    );
  }
  return out;
}

/** True when the strides are the row-major strides of `shape`. */
export function isContiguous(shape: readonly number[], strides: readonly number[]): boolean {
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== s) return false;
    s *= shape[d]!;
  }
  return true;
}
