import type { Handle } from '../backend.js';
import type { DType, TypedArray } from '../../core/dtype.js';

/**
 * CPU storage: the TypedArray itself. Exported so the front-end can read it synchronously
 * (`readSync`) and so tests can inspect it. `data` is swapped for an empty array on dispose, so
 * the memory is freed even while a stale tensor still holds the handle.
 */
export class CpuHandle implements Handle {
  disposed = false;
  /**
   * Whether `data` is visible outside the backend (adopted without a copy, or exported as a
   * view): then it is never handed to another tensor after dispose (see pool.ts).
   */
  shared = false;
  constructor(
    readonly size: number,
    readonly dtype: DType,
    public data: TypedArray,
  ) {}
}

/** The typed array behind a handle; every handle a CPU kernel receives is a CpuHandle. */
export function arr(h: Handle): TypedArray {
  return (h as CpuHandle).data;
}

/**
 * The typed array behind a CPU handle, for a view that outlives the call (toNdarray): marks the
 * handle shared, so its array is never recycled into another tensor, even after dispose.
 */
export function exportArray(h: Handle): TypedArray {
  const c = h as CpuHandle;
  c.shared = true;
  return c.data;
}
