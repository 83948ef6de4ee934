import type { Activation } from '../backends/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import type { AttentionAttrs } from '../ops/fused/attention.js';
import type { LstmAttrs } from '../ops/fused/lstm.js';

type None = Record<string, never>;
interface Reduction {
  axes: number[];
  keepDims: boolean;
}

/**
 * The attributes each differentiable op records on the tape. `OpName` is derived from this
 * interface, and rules.ts must give a rule for every key, so adding an op here without a
 * gradient rule is a compile error.
 */
export interface OpAttrs {
  neg: None;
  abs: None;
  exp: None;
  log: None;
  log1p: None;
  sqrt: None;
  rsqrt: None;
  tanh: None;
  sigmoid: None;
  relu: None;
  gelu: None;
  softplus: None;
  sin: None;
  cos: None;
  square: None;
  reciprocal: None;
  expm1: None;
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
  /** Fused LSTM recurrence, inputs [xProj, W_hh, h0, c0]; output y packed [T + 2, B, H]. */
  lstm: LstmAttrs;
}

export type OpName = keyof OpAttrs;
