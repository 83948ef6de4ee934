import { attentionComposed, scaledDotProductAttention } from '../../nn/functional.js';
import type { MultiHeadAttention } from '../../nn/attention.js';
import type { TransformerDecoderLayer } from '../../nn/transformer.js';
import * as o from '../../ops/index.js';
import type { Tensor } from '../../tensor/tensor.js';

/**
 * The key/value cache of incremental transformer decoding: per decoder layer the self-attention
 * keys and values of every position decoded so far ([B, H, t, dh]), and the cross-attention
 * keys and values of the encoder memory ([B, H, S, dh], computed once). A step then costs one
 * position's work instead of re-running the whole prefix.
 */
export interface KvCache {
  selfK: Tensor[];
  selfV: Tensor[];
  memK: Tensor[];
  memV: Tensor[];
  /** Positions decoded so far. */
  length: number;
}

function projections(mha: MultiHeadAttention): { w: Tensor[]; b: (Tensor | undefined)[] } {
  const w = o.split(mha.in_proj_weight, 3, 0);
  const b = mha.in_proj_bias ? o.split(mha.in_proj_bias, 3, 0) : [undefined, undefined, undefined];
  return { w, b };
}

function heads(t: Tensor, H: number): Tensor {
  const [B, L, E] = t.shape as [number, number, number];
  return o.permute(o.reshape(t, [B, L, H, E / H]), [0, 2, 1, 3]);
}

function merge(t: Tensor): Tensor {
  const [B, H, L, dh] = t.shape as [number, number, number, number];
  return o.reshape(o.permute(t, [0, 2, 1, 3]), [B, L, H * dh]);
}

/** An empty cache holding the memory's cross-attention keys and values of every layer. */
export function startCache(layers: readonly TransformerDecoderLayer[], memory: Tensor): KvCache {
  const memK: Tensor[] = [];
  const memV: Tensor[] = [];
  for (const layer of layers) {
    const mha = layer.multihead_attn;
    const { w, b } = projections(mha);
    memK.push(heads(o.linear(memory, w[1]!, b[1]), mha.numHeads));
    memV.push(heads(o.linear(memory, w[2]!, b[2]), mha.numHeads));
  }
  return { selfK: [], selfV: [], memK, memV, length: 0 };
}

/** The cache with its batch rows picked by `rows` (beam search continues each beam from its parent). */
export function reorderCache(cache: KvCache, rows: Tensor): KvCache {
  const pick = (ts: Tensor[]) => ts.map((t) => o.indexSelect(t, 0, rows));
  return {
    selfK: pick(cache.selfK),
    selfV: pick(cache.selfV),
    memK: pick(cache.memK),
    memV: pick(cache.memV),
    length: cache.length,
  };
}

/**
 * One decoding position through the pre-LN decoder layers (eval mode: no dropout), the same
 * arithmetic as TransformerDecoderLayer.forward restricted to the newest query: x [B, 1, E] →
 * [B, 1, E], the grown cache, and the last layer's cross-attention weights [B, S] averaged over
 * heads (the alignment of this output word to the source words).
 */
export function cachedStep(
  layers: readonly TransformerDecoderLayer[],
  x: Tensor,
  cache: KvCache,
  memoryMask: Tensor,
): { y: Tensor; cache: KvCache; cross: Tensor } {
  const next: KvCache = { ...cache, selfK: [], selfV: [], length: cache.length + 1 };
  let cross: Tensor | null = null;
  const [B] = x.shape as [number];
  layers.forEach((layer, l) => {
    const sa = layer.self_attn;
    const H = sa.numHeads;
    const n1 = layer.norm1.forward(x);
    const [q, k, v] = o.split(o.linear(n1, sa.in_proj_weight, sa.in_proj_bias ?? undefined), 3, 2) as [
      Tensor,
      Tensor,
      Tensor,
    ];
    const K = cache.selfK[l] ? o.concat([cache.selfK[l]!, heads(k, H)], 2) : heads(k, H);
    const V = cache.selfV[l] ? o.concat([cache.selfV[l]!, heads(v, H)], 2) : heads(v, H);
    next.selfK.push(K);
    next.selfV.push(V);
    // The newest position sees every earlier one: no causal mask is needed.
    x = o.add(x, sa.out_proj.forward(merge(scaledDotProductAttention(heads(q, H), K, V))));
    const ca = layer.multihead_attn;
    const { w, b } = projections(ca);
    const qc = heads(o.linear(layer.norm2.forward(x), w[0]!, b[0]), ca.numHeads);
    const att = attentionComposed(qc, cache.memK[l]!, cache.memV[l]!, { mask: memoryMask });
    x = o.add(x, ca.out_proj.forward(merge(att.out)));
    if (l === layers.length - 1) cross = o.reshape(o.mean(att.weights, 1), [B, att.weights.shape[3]!]);
    const act = layer.config().activation as 'relu' | 'gelu';
    x = o.add(x, layer.linear2.forward(layer.linear1.forward(layer.norm3.forward(x), act)));
  });
  return { y: x, cache: next, cross: cross! };
}
