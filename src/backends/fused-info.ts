// Sizes of the later fused kernels' calls (Backend.topK, Backend.ialsCg, Backend.layerNorm*),
// kept out of backend.ts for its length; backend.ts re-exports them.

import type { Handle } from './handle.js';

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

/**
 * The observed entries of an implicit-ALS half-sweep by row of X: row u's columns (rows of Y)
 * are cols[offsets[u]..offsets[u+1]) with confidences conf[...] (c = 1 + alpha · value).
 */
export interface IalsRows {
  readonly offsets: Handle;
  readonly cols: Handle;
  readonly conf: Handle;
}

/**
 * Layer normalization of `rows` independent rows of `cols` values each (the trailing axes
 * flattened): y = (x − mean) · rstd · weight + bias with rstd = 1 / √(var + eps), the biased
 * variance. weight and bias, when given, are [cols].
 */
export interface LayerNormInfo {
  readonly rows: number;
  readonly cols: number;
  readonly eps: number;
}

/**
 * Sizes of one softmax cross-entropy call (`Backend.crossEntropyForward` / `Backward`): logits
 * [rows, cols] row-major, targets int32 [rows]. A row whose target is outside [0, cols) (the
 * front-end's ignoreIndex, which it checks is not a class id) gives loss 0 and gradient 0.
 */
export interface CrossEntropyInfo {
  readonly rows: number;
  readonly cols: number;
  /**
   * Label smoothing ε in [0, 1]: loss = lse − (1 − ε)·x[target] − ε·mean(x), the one-hot target
   * mixed with the uniform distribution.
   */
  readonly smoothing: number;
}

/** The fused softmax cross-entropy primitive (src/ops/fused/cross-entropy.ts), part of `Backend`. */
export interface CrossEntropyKernels {
  /**
   * One pass per row: the log-sum-exp (online max) and the loss of each row, [rows] each; lse
   * is kept for the backward.
   */
  crossEntropyForward(logits: Handle, targets: Handle, info: CrossEntropyInfo): { loss: Handle; lse: Handle };
  /**
   * dlogits [rows, cols] = g[r]·(softmax − (1 − ε)·onehot − ε/cols) from the upstream gradient
   * g [rows] of the per-row losses; ignored rows get zeros.
   */
  crossEntropyBackward(g: Handle, logits: Handle, targets: Handle, lse: Handle, info: CrossEntropyInfo): Handle;
}
