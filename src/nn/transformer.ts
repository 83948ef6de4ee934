import type { BackendName } from '../backends/backend.js';
import { ValueError, fmtValue } from '../core/errors.js';
import * as o from '../ops/index.js';
import type { DType } from '../core/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { MultiHeadAttention } from './attention.js';
import { Dropout } from './dropout.js';
import { LayerNorm } from './layernorm.js';
import { Linear } from './linear.js';
import { Module, type ModuleConfig } from './module.js';

export interface TransformerLayerOptions {
  dimFeedforward?: number;
  /** Dropout on the residual branches and inside the feed-forward block; default 0.1. */
  dropout?: number;
  /**
   * Dropout on the attention weights; default `dropout`, as PyTorch. 0 keeps training on the
   * fused attention kernel (dropout on the weights needs the composed matmul + softmax path,
   * which materializes every [T, T] map and is several times slower on the CPU).
   */
  attentionDropout?: number;
  activation?: 'relu' | 'gelu';
  layerNormEps?: number;
  /** [B, T, E] (default true) or [T, B, E]. */
  batchFirst?: boolean;
  seed?: number;
  backend?: BackendName;
  dtype?: DType;
}

function common(dModel: number, nHead: number, options: TransformerLayerOptions) {
  if (!Number.isInteger(dModel) || dModel <= 0)
    throw new ValueError(`Transformer layer: dModel must be a positive integer; got ${fmtValue(dModel)}`);
  const seed = options.seed;
  const at = (k: number) => (seed === undefined ? {} : { seed: seed + 10 * k });
  const base = { backend: options.backend, dtype: options.dtype };
  const attnP = options.attentionDropout ?? options.dropout ?? 0.1;
  return {
    ff: options.dimFeedforward ?? 2048,
    p: options.dropout ?? 0.1,
    attnP,
    act: options.activation ?? 'relu',
    eps: options.layerNormEps ?? 1e-5,
    batchFirst: options.batchFirst ?? true,
    mha: (k: number) =>
      new MultiHeadAttention(dModel, nHead, {
        ...base,
        ...at(k),
        dropout: attnP,
        batchFirst: true,
      }),
    lin: (i: number, out: number, k: number) => new Linear(i, out, { ...base, ...at(k) }),
    norm: () => new LayerNorm(dModel, { ...base, eps: options.layerNormEps ?? 1e-5 }),
  };
}

/**
 * A pre-LN Transformer encoder layer:
 * x = x + dropout(self_attn(norm1(x))); x = x + dropout(linear2(dropout(act(linear1(norm2(x)))))).
 *
 * Shapes: src [B, T, E] (batchFirst, the default) or [T, B, E] → the same shape. The key-padding
 * mask is [B, T] with nonzero marking padding. Submodules use PyTorch's names (self_attn, linear1,
 * linear2, norm1, norm2), so weights of an `nn.TransformerEncoderLayer(norm_first=True)` load.
 */
export class TransformerEncoderLayer extends Module {
  readonly self_attn: MultiHeadAttention;
  readonly linear1: Linear;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly dropout: Dropout;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  private readonly opts: ReturnType<typeof common>;

  constructor(
    readonly dModel: number,
    readonly nHead: number,
    readonly options: TransformerLayerOptions = {},
  ) {
    super();
    const c = (this.opts = common(dModel, nHead, options));
    this.self_attn = this.registerModule('self_attn', c.mha(0));
    this.linear1 = this.registerModule('linear1', c.lin(dModel, c.ff, 1));
    this.dropout = this.registerModule('dropout', new Dropout(c.p));
    this.linear2 = this.registerModule('linear2', c.lin(c.ff, dModel, 2));
    this.norm1 = this.registerModule('norm1', c.norm());
    this.norm2 = this.registerModule('norm2', c.norm());
    this.dropout1 = this.registerModule('dropout1', new Dropout(c.p));
    this.dropout2 = this.registerModule('dropout2', new Dropout(c.p));
  }

  forward(src: Tensor, options: { srcKeyPaddingMask?: Tensor; causal?: boolean } = {}): Tensor {
    let x = this.opts.batchFirst ? src : o.transpose(src, 0, 1);
    const n1 = this.norm1.forward(x);
    const a = this.self_attn.forward(n1, n1, n1, {
      causal: options.causal,
      keyPaddingMask: options.srcKeyPaddingMask,
    }).output;
    x = o.add(x, this.dropout1.forward(a));
    x = o.add(
      x,
      this.dropout2.forward(
        feedForward(this.linear1, this.linear2, this.dropout, this.opts.act, this.norm2.forward(x)),
      ),
    );
    return this.opts.batchFirst ? x : o.transpose(x, 0, 1);
  }

  override typeName(): string {
    return 'TransformerEncoderLayer';
  }

  override config(): ModuleConfig {
    return configOf(this.dModel, this.nHead, this.opts);
  }
}

/**
 * A pre-LN Transformer decoder layer: causal self-attention, cross-attention over `memory`,
 * then the feed-forward block, each as x = x + dropout(block(norm(x))).
 *
 * Shapes: tgt [B, T, E], memory [B, S, E] → [B, T, E] (or time-first without batchFirst).
 * Masks: tgtKeyPaddingMask [B, T], memoryKeyPaddingMask [B, S], nonzero = padding.
 * Submodules use PyTorch's names: self_attn, multihead_attn, linear1, linear2, norm1..norm3.
 */
export class TransformerDecoderLayer extends Module {
  readonly self_attn: MultiHeadAttention;
  readonly multihead_attn: MultiHeadAttention;
  readonly linear1: Linear;
  readonly linear2: Linear;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly norm3: LayerNorm;
  readonly dropout: Dropout;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  readonly dropout3: Dropout;
  private readonly opts: ReturnType<typeof common>;

  constructor(
    readonly dModel: number,
    readonly nHead: number,
    readonly options: TransformerLayerOptions = {},
  ) {
    super();
    const c = (this.opts = common(dModel, nHead, options));
    this.self_attn = this.registerModule('self_attn', c.mha(0));
    this.multihead_attn = this.registerModule('multihead_attn', c.mha(1));
    this.linear1 = this.registerModule('linear1', c.lin(dModel, c.ff, 2));
    this.dropout = this.registerModule('dropout', new Dropout(c.p));
    this.linear2 = this.registerModule('linear2', c.lin(c.ff, dModel, 3));
    this.norm1 = this.registerModule('norm1', c.norm());
    this.norm2 = this.registerModule('norm2', c.norm());
    this.norm3 = this.registerModule('norm3', c.norm());
    this.dropout1 = this.registerModule('dropout1', new Dropout(c.p));
    this.dropout2 = this.registerModule('dropout2', new Dropout(c.p));
    this.dropout3 = this.registerModule('dropout3', new Dropout(c.p));
  }

  forward(
    tgt: Tensor,
    memory: Tensor,
    options: { causal?: boolean; tgtKeyPaddingMask?: Tensor; memoryKeyPaddingMask?: Tensor } = {},
  ): Tensor {
    const bf = (t: Tensor) => (this.opts.batchFirst ? t : o.transpose(t, 0, 1));
    let x = bf(tgt);
    const mem = bf(memory);
    const n1 = this.norm1.forward(x);
    x = o.add(
      x,
      this.dropout1.forward(
        this.self_attn.forward(n1, n1, n1, {
          causal: options.causal ?? true,
          keyPaddingMask: options.tgtKeyPaddingMask,
        }).output,
      ),
    );
    const n2 = this.norm2.forward(x);
    x = o.add(
      x,
      this.dropout2.forward(
        this.multihead_attn.forward(n2, mem, mem, { keyPaddingMask: options.memoryKeyPaddingMask }).output,
      ),
    );
    x = o.add(
      x,
      this.dropout3.forward(
        feedForward(this.linear1, this.linear2, this.dropout, this.opts.act, this.norm3.forward(x)),
      ),
    );
    return bf(x);
  }

  override typeName(): string {
    return 'TransformerDecoderLayer';
  }

  override config(): ModuleConfig {
    return configOf(this.dModel, this.nHead, this.opts);
  }
}

function feedForward(l1: Linear, l2: Linear, drop: Dropout, act: 'relu' | 'gelu', x: Tensor): Tensor {
  return l2.forward(drop.forward(l1.forward(x, act)));
}

function configOf(dModel: number, nHead: number, c: ReturnType<typeof common>): ModuleConfig {
  return {
    dModel,
    nHead,
    dimFeedforward: c.ff,
    dropout: c.p,
    ...(c.attnP === c.p ? {} : { attentionDropout: c.attnP }),
    activation: c.act,
    layerNormEps: c.eps,
    batchFirst: c.batchFirst,
  };
}
