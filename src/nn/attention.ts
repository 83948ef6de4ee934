import type { BackendName } from '../backends/backend.js';
import { ShapeError, ValueError, fmtShape } from '../core/errors.js';
import * as o from '../ops/index.js';
import { full } from '../tensor/creation.js';
import type { DType } from '../core/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { attentionComposed, scaledDotProductAttention } from '../ops/fused/attention.js';
import { xavierUniform } from './init.js';
import { Linear } from './linear.js';
import { Module, type ModuleConfig } from './module.js';

export interface MultiHeadAttentionOptions {
  /** Learn in_proj_bias and out_proj.bias (default true). */
  bias?: boolean;
  /** Dropout on the attention weights while training (default 0). */
  dropout?: number;
  /** Inputs and output are [B, L, E] (default true); [L, B, E] when false. */
  batchFirst?: boolean;
  seed?: number;
  backend?: BackendName;
  dtype?: DType;
}

export interface MultiHeadAttentionForwardOptions {
  /** Query i attends to keys j <= i. */
  causal?: boolean;
  /** Shape [B, S]; nonzero (true) marks a key position to ignore (padding), as in PyTorch. */
  keyPaddingMask?: Tensor;
  /**
   * Also return the attention weights averaged over heads, [B, L, S]. They are O(L·S), so this
   * runs the composed matmul + softmax path instead of the fused kernel.
   */
  needWeights?: boolean;
}

/**
 * Multi-head attention with PyTorch's parameter layout, so an `nn.MultiheadAttention` state dict
 * loads directly: `in_proj_weight` [3E, E] (q, k, v rows stacked), `in_proj_bias` [3E],
 * `out_proj.weight` [E, E], `out_proj.bias` [E].
 *
 * Shapes (batchFirst): query [B, L, E], key and value [B, S, E] → output [B, L, E]
 * (and weights [B, L, S] with needWeights). E must divide by numHeads; head dim E/numHeads ≤ 128
 * on webgpu. Self-attention passes the same tensor three times and takes one fused projection.
 * Without needWeights (and without dropout while training) attention is the fused
 * flash-attention op, O(L + S) memory.
 */
export class MultiHeadAttention extends Module {
  readonly in_proj_weight: Tensor;
  readonly in_proj_bias: Tensor | null;
  readonly out_proj: Linear;
  readonly headDim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;

  constructor(
    readonly embedDim: number,
    readonly numHeads: number,
    options: MultiHeadAttentionOptions = {},
  ) {
    super();
    if (
      !Number.isInteger(embedDim) ||
      embedDim <= 0 ||
      !Number.isInteger(numHeads) ||
      numHeads <= 0 ||
      embedDim % numHeads !== 0
    ) {
      throw new ValueError(
        `MultiHeadAttention: embedDim (${embedDim}) must be a positive multiple of numHeads (${numHeads})`,
      );
    }
    this.headDim = embedDim / numHeads;
    this.dropout = options.dropout ?? 0;
    this.batchFirst = options.batchFirst ?? true;
    const seed = options.seed;
    const opts = { backend: options.backend, dtype: options.dtype };
    this.in_proj_weight = this.registerParameter(
      'in_proj_weight',
      xavierUniform([3 * embedDim, embedDim], { ...opts, ...(seed === undefined ? {} : { seed }) }),
    );
    this.in_proj_bias = this.registerParameter(
      'in_proj_bias',
      options.bias === false ? null : full([3 * embedDim], 0, opts),
    );
    this.out_proj = this.registerModule(
      'out_proj',
      new Linear(embedDim, embedDim, {
        ...opts,
        bias: options.bias !== false,
        ...(seed === undefined ? {} : { seed: seed + 1 }),
      }),
    );
    // PyTorch zeroes the output projection's bias.
    if (this.out_proj.bias) this.out_proj.bias.assign(full([embedDim], 0, opts));
  }

  forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    options: MultiHeadAttentionForwardOptions = {},
  ): { output: Tensor; weights: Tensor | null } {
    const E = this.embedDim;
    for (const [n, t] of [
      ['query', query],
      ['key', key],
      ['value', value],
    ] as const) {
      if (t.rank !== 3 || t.shape[2] !== E)
        throw new ShapeError(
          `MultiHeadAttention: ${n} has shape ${fmtShape(t.shape)}; expected rank 3 with last dim ${E}`,
        );
    }
    const self = query === key && key === value;
    const bf = (t: Tensor): Tensor => (this.batchFirst ? t : o.transpose(t, 0, 1));
    const q0 = bf(query);
    const k0 = self ? q0 : bf(key);
    const v0 = self ? q0 : bf(value);
    const [B, L] = q0.shape as [number, number];
    const S = k0.shape[1]!;
    if (k0.shape[0] !== B || v0.shape[0] !== B || v0.shape[1] !== S) {
      throw new ShapeError(
        `MultiHeadAttention: query ${fmtShape(query.shape)}, key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)} disagree on batch or length`,
      );
    }
    let q: Tensor, k: Tensor, v: Tensor;
    const bias = this.in_proj_bias ?? undefined;
    if (self) {
      [q, k, v] = o.split(o.linear(q0, this.in_proj_weight, bias), 3, 2) as [Tensor, Tensor, Tensor];
    } else {
      const w = o.split(this.in_proj_weight, 3, 0);
      const b = bias ? o.split(bias, 3, 0) : [undefined, undefined, undefined];
      q = o.linear(q0, w[0]!, b[0]);
      k = o.linear(k0, w[1]!, b[1]);
      v = o.linear(v0, w[2]!, b[2]);
    }
    const H = this.numHeads;
    const dh = this.headDim;
    const heads = (t: Tensor, len: number) => o.permute(o.reshape(t, [B, len, H, dh]), [0, 2, 1, 3]);
    const qh = heads(q, L),
      kh = heads(k, S),
      vh = heads(v, S);
    const dropout = this.training ? this.dropout : 0;
    const attnOpts = { causal: options.causal ?? false, mask: options.keyPaddingMask, dropout };
    let ctx: Tensor;
    let weights: Tensor | null = null;
    if (options.needWeights) {
      const r = attentionComposed(qh, kh, vh, attnOpts);
      ctx = r.out;
      weights = o.mean(r.weights, 1);
    } else {
      ctx = scaledDotProductAttention(qh, kh, vh, attnOpts);
    }
    const merged = o.reshape(o.permute(ctx, [0, 2, 1, 3]), [B, L, E]);
    const out = this.out_proj.forward(merged);
    return { output: this.batchFirst ? out : o.transpose(out, 0, 1), weights };
  }

  override typeName(): string {
    return 'MultiHeadAttention';
  }

  override config(): ModuleConfig {
    return {
      embedDim: this.embedDim,
      numHeads: this.numHeads,
      bias: this.in_proj_bias !== null,
      dropout: this.dropout,
      batchFirst: this.batchFirst,
    };
  }
}
