import { defineUniforms } from './uniforms.js';

/**
 * The uniform block of every kernel family, one field list each: sources.ts joins each `wgsl`
 * struct to its kernel, and the op files fill it with `pack`, so names, order and word
 * offsets come from here alone.
 */

/** kernels/elementwise.wgsl: sizes, clamp bounds (as int32 and float32), broadcast strides. */
export const ELEMENTWISE_PARAMS = defineUniforms('Params', {
  size: 'u32',
  rank: 'u32',
  lo_i: 'i32',
  hi_i: 'i32',
  lo_f: 'f32',
  hi_f: 'f32',
  shape: 'dims_u32',
  s0: 'dims_u32',
  s1: 'dims_u32',
  s2: 'dims_u32',
});

export const REDUCE_PARAMS = defineUniforms('Params', { outer: 'u32', inner: 'u32' });

export const SOFTMAX_PARAMS = defineUniforms('Params', { rows: 'u32', cols: 'u32' });

/** kernels/matmul.wgsl: a_batch and b_batch are the batch strides (0 for a shared operand). */
export const MATMUL_PARAMS = defineUniforms('Params', { m: 'u32', n: 'u32', k: 'u32', a_batch: 'u32', b_batch: 'u32' });

export const ATTENTION_PARAMS = defineUniforms('Params', {
  bh: 'u32',
  heads: 'u32',
  tq: 'u32',
  tk: 'u32',
  d: 'u32',
  scale: 'f32',
});

/** kernels/layernorm.wgsl. */
export const LAYERNORM_PARAMS = defineUniforms('Params', { rows: 'u32', cols: 'u32', eps: 'f32' });

/** kernels/cross-entropy.wgsl. */
export const CROSS_ENTROPY_PARAMS = defineUniforms('Params', { rows: 'u32', cols: 'u32', smoothing: 'f32' });

export const COPY_PARAMS = defineUniforms('Params', {
  size: 'u32',
  rank: 'u32',
  src_offset: 'i32',
  dst_offset: 'i32',
  shape: 'dims_u32',
  src_strides: 'dims_i32',
  dst_strides: 'dims_i32',
});

/** The fill entry of kernels/copy.wgsl: `value` is the raw 32-bit word. */
export const FILL_PARAMS = defineUniforms('FillParams', { size: 'u32', value: 'u32' });

export const INDEX_PARAMS = defineUniforms('Params', {
  outer: 'u32',
  axis_len: 'u32',
  inner: 'u32',
  count: 'u32',
  size: 'u32',
});

/** kernels/random.wgsl: Philox key and counter, and the int range [low, low + range). */
export const RANDOM_PARAMS = defineUniforms('Params', {
  size: 'u32',
  blocks: 'u32',
  key0: 'u32',
  key1: 'u32',
  ctr0: 'u32',
  ctr1: 'u32',
  low: 'i32',
  range: 'u32',
});

/**
 * kernels/adam.wgsl. decay is 1 - lr * weight_decay for AdamW, else 1; l2 is weight_decay for
 * Adam's L2 term, else 0.
 */
export const ADAM_PARAMS = defineUniforms('Params', {
  size: 'u32',
  beta1: 'f32',
  beta2: 'f32',
  eps: 'f32',
  step_size: 'f32',
  bc2_sqrt: 'f32',
  decay: 'f32',
  l2: 'f32',
});

/** kernels/lstm.wgsl: `s` is the time step of this dispatch; booleans travel as 0/1. */
export const LSTM_PARAMS = defineUniforms('Params', {
  steps: 'u32',
  batch: 'u32',
  hidden: 'u32',
  s: 'i32',
  reverse: 'u32',
  has_len: 'u32',
});

/** kernels/mf_sgd.wgsl: booleans travel as 0/1. */
export const MF_PARAMS = defineUniforms('Params', {
  start: 'u32',
  count: 'u32',
  k: 'u32',
  biases: 'u32',
  lr: 'f32',
  reg: 'f32',
  lr_bias: 'f32',
  reg_bias: 'f32',
  mean: 'f32',
  num_users: 'u32',
  num_items: 'u32',
  write_loss: 'u32',
});

export const KMEANS_PARAMS = defineUniforms('Params', { n: 'u32', d: 'u32', k: 'u32' });

/** kernels/topk.wgsl: one pass writes columns start .. start+count-1 of the [rows, k] outputs. */
export const TOPK_PARAMS = defineUniforms('Params', { rows: 'u32', n: 'u32', k: 'u32', start: 'u32', count: 'u32' });

/** kernels/ials.wgsl: rows updated, factors, CG iterations per row. */
export const IALS_PARAMS = defineUniforms('Params', { rows: 'u32', k: 'u32', steps: 'u32' });
