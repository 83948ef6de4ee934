import type { Handle } from '../backend.js';
import type { DType, TypedArray } from '../../core/dtype.js';

/**
 * CPU storage: the TypedArray itself. Exported so the front-end can read it synchronously
 * (`readSync`) and so tests can inspect it. `data` is swapped for an empty array on dispose, so
 * the memory is freed even while a stale tensor still holds the handle.
 */
export class CpuHandle implements Handle {
  disposed = false;
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
