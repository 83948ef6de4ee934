// Sizes of the recommender kernels' calls (Backend.topK, Backend.ialsCg), kept out of backend.ts
// for its length; backend.ts re-exports them.

/**
 * Sizes of one `Backend.topK` call: x is [rows, n] row-major and 0 < k ≤ n (the
 * front-end, src/ops/topk.ts, checks both and handles k = 0 and empty rows itself).
 */
export interface TopKInfo {
  readonly rows: number;
  readonly n: number;
  readonly k: number;
}

/**
 * Sizes of one `Backend.ialsCg` call: X is [numX, k], Y [numY, k], gram [k, k], and
 * `rows` of X (listed in an int32 [rows] handle) are updated.
 */
export interface IalsCgInfo {
  readonly rows: number;
  readonly k: number;
  /** Conjugate-gradient iterations per row; a row stops early once its residual vanishes. */
  readonly steps: number;
}
