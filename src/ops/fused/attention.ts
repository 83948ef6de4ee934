import type { AttentionInfo } from '../../backends/backend.js';
import { needsGrad, record } from '../../autograd/tape.js';
import { keep } from '../../memory.js';
import { DTypeError, ShapeError, ValueError, fmtShape, fmtValue } from '../../core/errors.js';
import { backendOf, wrap } from '../dispatch.js';
import * as o from '../index.js';
import { matmulFused } from '../matmul.js';
import { arange, rand } from '../../tensor/creation.js';
import type { Tensor } from '../../tensor/tensor.js';

export interface AttentionOptions {
  /** Query i attends to keys j <= i (top-left aligned, like PyTorch's `is_causal`). */
  causal?: boolean;
  /**
   * Key-padding mask [B, Tk]: nonzero (true) marks a key to ignore, as in PyTorch's
   * `key_padding_mask`. A query row whose keys are all masked outputs zeros.
   */
  mask?: Tensor | undefined;
  /** Dropout probability on the attention weights (training only; see below). */
  dropout?: number;
  /** Multiplies q·kᵀ; 1/√d by default. */
  scale?: number;
}

/** @internal What the 'attention' node keeps for the backward primitive. */
export interface AttentionAttrs {
  lse: Tensor;
  mask: Tensor | undefined;
  scale: number;
  causal: boolean;
  heads: number;
}

function check(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | undefined): void {
  if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4) {
    throw new ShapeError(
      `scaledDotProductAttention: q, k and v must be [B, H, T, d]; got ${fmtShape(q.shape)}, ${fmtShape(k.shape)}, ${fmtShape(v.shape)}`,
    );
  }
  const [b, h, , d] = q.shape;
  if (k.shape[0] !== b || k.shape[1] !== h || k.shape[3] !== d) {
    throw new ShapeError(
      `scaledDotProductAttention: k has shape ${fmtShape(k.shape)}; expected [${b}, ${h}, Tk, ${d}] to match q ${fmtShape(q.shape)}`,
    );
  }
  for (let i = 0; i < 4; i++) {
    if (v.shape[i] !== k.shape[i]) {
      throw new ShapeError(
        `scaledDotProductAttention: v has shape ${fmtShape(v.shape)}; expected k's shape ${fmtShape(k.shape)}`,
      );
    }
  }
  if (q.dtype !== k.dtype || q.dtype !== v.dtype || q.dtype === 'int32') {
    throw new DTypeError(
      `scaledDotProductAttention: q, k, v must share a float dtype; got ${fmtValue(q.dtype)}, ${k.dtype}, ${v.dtype}`,
    );
  }
  if (mask && (mask.rank !== 2 || mask.shape[0] !== b || mask.shape[1] !== k.shape[2])) {
    throw new ShapeError(
      `scaledDotProductAttention: mask has shape ${fmtShape(mask.shape)}; expected [${b}, ${k.shape[2]}] (batch, keys)`,
    );
  }
}

/** The mask as int32 0/1 (nonzero = masked), and whether it is a temporary. */
function intMask(mask: Tensor | undefined): { m: Tensor | undefined; temp: boolean } {
  if (!mask) return { m: undefined, temp: false };
  if (mask.dtype === 'int32') return { m: mask, temp: false };
  return { m: o.ne(mask, 0), temp: true };
}

/**
 * softmax(q kᵀ · scale + masks) v over q [B, H, Tq, d], k and v [B, H, Tk, d] → [B, H, Tq, d].
 *
 * Without dropout this is one fused op ('attention'): a flash-attention kernel that tiles the
 * keys with an online softmax, so memory is O(T), never T×T, and its backward is the fused
 * backward primitive fed by the saved per-row logsumexp. With `dropout > 0` the weights must be
 * materialized to be dropped, so it runs the composed path ({@link attentionComposed}), which is
 * O(T²) in memory; use dropout on attention weights only for short sequences.
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): Tensor {
  const dropout = options.dropout ?? 0;
  if (!(dropout >= 0 && dropout < 1))
    throw new ValueError(`scaledDotProductAttention: dropout must be in [0, 1); got ${fmtValue(dropout)}`);
  check(q, k, v, options.mask);
  const scale = options.scale ?? 1 / Math.sqrt(q.shape[3]!);
  if (!Number.isFinite(scale))
    throw new ValueError(`scaledDotProductAttention: scale must be finite; got ${fmtValue(scale)}`);
  if (dropout > 0) {
    const { out, weights } = attentionComposed(q, k, v, { ...options, scale, dropout });
    // The softmax's backward reads its output: with gradients, the weights' own node holds them
    // until backward has passed it (a node frees what it owns right after its rule ran).
    if (weights.node) weights.node.owned.push(keep(weights));
    else weights.dispose();
    return out;
  }
  const backend = backendOf('scaledDotProductAttention', options.mask ? { q, k, v, mask: options.mask } : { q, k, v });
  const [B, H, tq, d] = q.shape as [number, number, number, number];
  const tk = k.shape[2]!;
  const { m, temp } = intMask(options.mask);
  const causal = options.causal ?? false;
  const info: AttentionInfo = { bh: B * H, heads: H, tq, tk, d, scale, causal, mask: m?.storage().handle };
  const r = backend.attentionForward(q.storage().handle, k.storage().handle, v.storage().handle, info);
  const out = wrap(backend, r.out, q.shape, q.dtype);
  const lse = wrap(backend, r.lse, [B * H, tq], q.dtype);
  if (needsGrad(q, k, v)) {
    const owned = temp && m ? [lse, m] : [lse];
    record('attention', [q, k, v], out, { lse, mask: m, scale, causal, heads: H }, owned);
  } else {
    lse.dispose();
    if (temp) m?.dispose();
  }
  return out;
}

/** @internal The 'attention' grad rule: one call of the fused backward primitive. */
export function attentionGrad(g: Tensor, inputs: Tensor[], attrs: AttentionAttrs, out: Tensor): (Tensor | null)[] {
  const [q, k, v] = inputs as [Tensor, Tensor, Tensor];
  const backend = backendOf('attention backward', { g, q, k, v });
  const [B, H, tq, d] = q.shape as [number, number, number, number];
  const info: AttentionInfo = {
    bh: B * H,
    heads: attrs.heads,
    tq,
    tk: k.shape[2]!,
    d,
    scale: attrs.scale,
    causal: attrs.causal,
    mask: attrs.mask?.storage('attention backward', 'mask').handle,
  };
  const h = (t: Tensor) => t.storage('attention backward').handle;
  const r = backend.attentionBackward(h(g), h(out), h(attrs.lse), h(q), h(k), h(v), info);
  return [
    wrap(backend, r.dq, q.shape, q.dtype),
    wrap(backend, r.dk, k.shape, k.dtype),
    wrap(backend, r.dv, v.shape, v.dtype),
  ];
}

/**
 * The same attention built from ops (matmul, softmax, where), returning the weights
 * [B, H, Tq, Tk] too. It materializes T×T scores, so it serves what needs them: returning the
 * weights (`MultiHeadAttention` with `needWeights`), dropout on the weights, and tests that
 * compare the fused kernels with it. Masked keys get weight 0, and a fully masked row gets all
 * zeros (no NaN), matching the fused kernel.
 */
export function attentionComposed(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: AttentionOptions = {},
): { out: Tensor; weights: Tensor } {
  check(q, k, v, options.mask);
  const [B, , tq, d] = q.shape as [number, number, number, number];
  const tk = k.shape[2]!;
  const scale = options.scale ?? 1 / Math.sqrt(d);
  const dropout = options.dropout ?? 0;
  const temps: Tensor[] = [];
  const tmp = <T extends Tensor>(t: T): T => {
    temps.push(t);
    return t;
  };
  const scores = tmp(o.mul(tmp(matmulFused(q, k, { transB: true })), scale));
  // keep[b, 1, i, j] = 1 where query i may see key j.
  let keep: Tensor | undefined;
  if (options.causal) {
    const qi = tmp(o.reshape(tmp(arange(0, tq, 1, { backend: q.backend, dtype: 'int32' })), [tq, 1]));
    const kj = tmp(o.reshape(tmp(arange(0, tk, 1, { backend: q.backend, dtype: 'int32' })), [1, tk]));
    keep = tmp(o.cast(tmp(o.le(kj, qi)), q.dtype));
  }
  if (options.mask) {
    const visible = tmp(o.cast(tmp(o.eq(options.mask, 0)), q.dtype));
    const km = tmp(o.reshape(visible, [B, 1, 1, tk]));
    keep = keep ? tmp(o.mul(keep, km)) : km;
  }
  let weights: Tensor;
  if (keep) {
    // A large negative (not -inf) keeps fully masked rows finite; the product with keep then
    // zeroes them and every masked key.
    const masked = tmp(o.where(tmp(o.cast(keep, 'int32')), scores, -1e9));
    weights = o.mul(tmp(o.softmax(masked, -1)), keep);
  } else {
    weights = o.softmax(scores, -1);
  }
  let used = weights;
  if (dropout > 0) {
    const r = tmp(rand(weights.shape, { backend: weights.backend }));
    used = tmp(o.where(tmp(o.ge(r, dropout)), tmp(o.mul(weights, 1 / (1 - dropout))), 0));
  }
  const out = matmulFused(used, v);
  if (!out.requiresGrad) for (const t of temps) t.dispose();
  return { out, weights };
}
