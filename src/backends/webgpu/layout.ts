import { BackendError } from '../../errors.js';

/** Shapes and strides travel in uniforms as two vec4s each. */
export const MAX_RANK = 8;

/** Workgroups per dimension are capped at 65535; larger 1-D grids spill into y. */
export function grid(groups: number): [number, number] {
  if (groups <= 65535) return [groups, 1];
  const y = Math.ceil(groups / 65535);
  return [Math.ceil(groups / y), y];
}

/**
 * Drops size-1 dims and merges neighbours that are contiguous in every stride array, so most
 * broadcasts and copies run at rank 1 or 2 and the index arithmetic stays short.
 */
export function coalesce(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    const n = shape[d]!;
    if (n === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[d]! * n)) {
      outShape[last] = outShape[last]! * n;
      strides.forEach((s, k) => (outStrides[k]![last] = s[d]!));
    } else {
      outShape.push(n);
      strides.forEach((s, k) => outStrides[k]!.push(s[d]!));
    }
  }
  if (outShape.length > MAX_RANK) {
    throw new BackendError(
      `webgpu: a strided view of rank ${outShape.length} (after merging contiguous dims) exceeds the kernel limit of ${MAX_RANK}`,
    );
  }
  return { shape: outShape, strides: outStrides };
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

/** Writes up to MAX_RANK values at word `at` (two vec4s). */
export function writeDims(dst: Uint32Array | Int32Array, at: number, values: readonly number[]): void {
  for (let i = 0; i < MAX_RANK; i++) dst[at + i] = values[i] ?? 0;
}
