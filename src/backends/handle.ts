import type { DType } from '../core/dtype.js';

/**
 * An opaque reference to a backend's storage of `size` elements of `dtype`. It lives apart from
 * the contract in backend.ts so the call-size types in fused-info.ts can name it without a cycle.
 */
export interface Handle {
  readonly size: number;
  readonly dtype: DType;
}
