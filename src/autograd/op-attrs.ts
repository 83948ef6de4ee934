import type { Activation } from '../backends/backend.js';
import type { DifferentiableUnaryOp } from '../backends/unary-ops.js';
import type { Tensor } from '../tensor/tensor.js';
import type { AttentionAttrs } from '../ops/fused/attention.js';
import type { LstmAttrs } from '../ops/fused/lstm.js';
import type { LayerNormAttrs } from '../ops/fused/layernorm.js';
import type { CrossEntropyAttrs } from '../ops/fused/cross-entropy.js';

type None = Record<string, never>;
interface Reduction {
  axes: number[];
  keepDims: boolean;
}

/**
 * The attributes each differentiable op records on the tape. `OpName` is derived from this
 * interface (the unary entries from the unary op table), and rules.ts must give a rule for
 * every key, so adding an op without a gradient rule is a compile error.
 */
/** Every differentiable unary op (src/backends/unary-ops.ts) records no attributes. */
type UnaryAttrs = { [K in DifferentiableUnaryOp]: None };

export interface OpAttrs extends UnaryAttrs {
  add: None;
  sub: None;
  mul: None;
  div: None;
  pow: None;
  maximum: None;
  minimum: None;
  mod: None;
  /** inputs [a, b]; the condition is not differentiable. */
  where: { cond: Tensor };
  clamp: { lo: number; hi: number };
  cast: None;
  sum: Reduction;
  prod: Reduction;
  max: Reduction;
  min: Reduction;
  logsumexp: Reduction;
  softmax: { axis: number };
  logSoftmax: { axis: number };
  /** inputs [a, b] or [a, b, bias]; out = act(op(a) @ op(b) + bias). */
  matmul: { transA: boolean; transB: boolean; activation: Activation };
  reshape: None;
  permute: { perm: number[] };
  expand: None;
  slice: { begin: number[] };
  pad: { before: number[]; value: number };
  concat: { axis: number };
  indexSelect: { axis: number; index: Tensor };
  /** indexSelect(weight, 0, ids) whose gradient is a SparseRows when ids are host-side. */
  embedding: { index: Tensor; hostIds: Int32Array | null };
  /** inputs [base, src]. */
  scatterAdd: { axis: number; index: Tensor };
  /** Fused attention, inputs [q, k, v]; keeps the per-row logsumexp for the fused backward. */
  attention: AttentionAttrs;
  /** Fused layer norm over the last axis, inputs [x, weight?, bias?]; keeps each row's mean and rstd. */
  layerNorm: LayerNormAttrs;
  /** Fused softmax cross-entropy per row, inputs [logits, targets]; keeps each row's logsumexp. */
  crossEntropy: CrossEntropyAttrs;
  /** Fused LSTM recurrence, inputs [xProj, W_hh, h0, c0]; output y packed [T + 2, B, H]. */
  lstm: LstmAttrs;
}

export type OpName = keyof OpAttrs;
