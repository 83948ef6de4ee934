import { ValueError } from '../core/errors.js';
import type { NextItemModel } from '../models/sequence/next-item.js';
import type { OnnxGraph } from './graph.js';
import { DataType } from './proto.js';
import { geluTanh, layerNorm, linear, unsqueeze } from './ops.js';
import { topKOutputs } from './factor.js';

export type Weights = Map<string, Float32Array>;

/** The model's parameters as host arrays, by state-dict name. */
export async function hostWeights(model: {
  stateDict(): Record<string, { data(): Promise<unknown> }>;
}): Promise<Weights> {
  const out: Weights = new Map();
  for (const [name, t] of Object.entries(model.stateDict()))
    out.set(name, Float32Array.from((await t.data()) as Float32Array));
  return out;
}

export function need(g: OnnxGraph, w: Weights, name: string): Float32Array {
  const a = w.get(name);
  if (!a) throw new Error(`onnx.export(${g.model}): internal error, no parameter ${name}`);
  return a;
}

/**
 * NextItemModel: inputs `items` int64 [batch, T] (item index + 1 per event, oldest first,
 * right-padded with 0; T ≤ maxLen) and `lengths` int64 [batch] (events per row, ≥ 1); output
 * `scores` [batch, numItems], the next-item scores `recommendNext` ranks, read at each row's
 * last event. The transformer's causal attention and the LSTM's sequence lengths keep the
 * padding out, as in attune.
 */
export async function exportNextItemGraph(g: OnnxGraph, model: NextItemModel, topK: number | undefined): Promise<void> {
  if (model.actionNames.length > 0)
    throw new ValueError(
      `onnx.export(NextItemModel): the action embedding (actionEmb) and head (actionHead) have no export yet; export a model built without actions`,
    );
  const w = await hostWeights(model);
  const d = model.dim;
  const N = model.numItems;
  const items = g.input('items', DataType.INT64, ['batch', 'T']);
  const lengths = g.input('lengths', DataType.INT64, ['batch']);
  const table = need(g, w, 'items.weight');
  let x = g.op1('Gather', [g.f32('items.weight', table, [N + 1, d]), items], { axis: { i: 0 } });
  x = g.op1('Mul', [x, g.f32('sqrtDim', [Math.sqrt(d)], [])]);
  if (model.arch === 'transformer') {
    g.requireOpset(17, 'the transformer (LayerNormalization in its blocks)');
    // T as a [1] tensor, to cut the position table and the causal mask to the input's length.
    const T = g.op1('Gather', [g.op1('Shape', [items]), g.i64('one', [1])], { axis: { i: 0 } });
    const pos = g.op1('Slice', [
      g.f32('pos.weight', need(g, w, 'pos.weight'), [model.maxLen, d]),
      g.i64('zero', [0]),
      T,
      g.i64('axis0', [0]),
    ]);
    x = g.op1('Add', [x, pos]);
    const L = model.maxLen;
    const maskData = new Float32Array(L * L);
    // Future positions get -1e9: exp underflows to exactly 0 in float32, as a -inf mask would.
    for (let r = 0; r < L; r++) for (let c = r + 1; c < L; c++) maskData[r * L + c] = -1e9;
    const TT = g.op1('Concat', [T, T], { axis: { i: 0 } });
    const mask = g.op1('Slice', [
      g.f32('causalMask', maskData, [L, L]),
      g.i64('zeros', [0, 0]),
      TT,
      g.i64('axes01', [0, 1]),
    ]);
    const blocks = [...model.blocks!];
    for (let l = 0; l < blocks.length; l++)
      x = encoderBlock(g, w, `blocks.${l}`, x, mask, d, model.heads, blocks[l]!.norm1.eps, 'gelu');
  } else {
    x = lstmStack(g, w, 'lstm', x, lengths, d, model.numLayers, false).out;
  }
  x = layerNorm(g, x, 'norm', need(g, w, 'norm.weight'), need(g, w, 'norm.bias'), model.norm.eps);
  // The hidden state at each row's last event: GatherND with one batch dimension.
  const last = unsqueeze(g, g.op1('Sub', [lengths, g.i64('one', [1], [])]), [1]);
  const hv = g.op1('GatherND', [x, last], { batch_dims: { i: 1 } });
  let scores = g.op1('MatMul', [hv, g.f32('itemsT', transposeRows(table, 1, N, d), [d, N])]);
  const bias = w.get('itemBias.weight');
  if (bias) scores = g.op1('Add', [scores, g.f32('itemBias', bias.subarray(1, N + 1), [N])]);
  g.output(scores, 'scores', DataType.FLOAT, ['batch', N]);
  if (topK !== undefined) topKOutputs(g, scores, topK, N);
}

/** Rows from..from+n-1 of a [*, d] table, transposed to [d, n]. */
function transposeRows(table: Float32Array, from: number, n: number, d: number): Float32Array {
  const out = new Float32Array(d * n);
  for (let i = 0; i < n; i++) for (let f = 0; f < d; f++) out[f * n + i] = table[(from + i) * d + f]!;
  return out;
}

/**
 * A pre-LN TransformerEncoderLayer (nn/transformer.ts) in eval mode; `mask` is added to the
 * attention scores [batch, heads, T, T] (a causal [T, T] or a key-padding [batch, 1, 1, T]).
 */
export function encoderBlock(
  g: OnnxGraph,
  w: Weights,
  p: string,
  x: string,
  mask: string,
  E: number,
  H: number,
  eps: number,
  act: 'relu' | 'gelu',
): string {
  const n1 = layerNorm(g, x, `${p}.norm1`, need(g, w, `${p}.norm1.weight`), need(g, w, `${p}.norm1.bias`), eps);
  const qkv = linear(
    g,
    n1,
    `${p}.self_attn.in_proj`,
    need(g, w, `${p}.self_attn.in_proj_weight`),
    w.get(`${p}.self_attn.in_proj_bias`) ?? null,
    3 * E,
    E,
    false,
  );
  const [q, k, v] = g.op('Split', [qkv, g.i64('split', [E, E, E])], { axis: { i: 2 } }, 3);
  const dh = E / H;
  const headShape = g.i64('heads', [0, 0, H, dh]);
  const heads = (t: string, perm: number[]) =>
    g.op1('Transpose', [g.op1('Reshape', [t, headShape])], { perm: { ints: perm } });
  const qh = heads(q!, [0, 2, 1, 3]);
  const kt = heads(k!, [0, 2, 3, 1]);
  const vh = heads(v!, [0, 2, 1, 3]);
  let s = g.op1('Mul', [g.op1('MatMul', [qh, kt]), g.f32('scale', [1 / Math.sqrt(dh)], [])]);
  s = g.op1('Add', [s, mask]);
  const ctx = g.op1('MatMul', [g.op1('Softmax', [s], { axis: { i: -1 } }), vh]);
  const merged = g.op1('Reshape', [
    g.op1('Transpose', [ctx], { perm: { ints: [0, 2, 1, 3] } }),
    g.i64('merge', [0, 0, E]),
  ]);
  const a = linear(
    g,
    merged,
    `${p}.self_attn.out_proj`,
    need(g, w, `${p}.self_attn.out_proj.weight`),
    w.get(`${p}.self_attn.out_proj.bias`) ?? null,
    E,
    E,
    false,
  );
  x = g.op1('Add', [x, a]);
  const n2 = layerNorm(g, x, `${p}.norm2`, need(g, w, `${p}.norm2.weight`), need(g, w, `${p}.norm2.bias`), eps);
  const ff = need(g, w, `${p}.linear1.bias`).length;
  const lin1 = linear(
    g,
    n2,
    `${p}.linear1`,
    need(g, w, `${p}.linear1.weight`),
    need(g, w, `${p}.linear1.bias`),
    ff,
    E,
    false,
  );
  const h = act === 'gelu' ? geluTanh(g, lin1) : g.op1('Relu', [lin1]);
  return g.op1('Add', [
    x,
    linear(g, h, `${p}.linear2`, need(g, w, `${p}.linear2.weight`), need(g, w, `${p}.linear2.bias`), E, ff, false),
  ]);
}

/** PyTorch's gate blocks (i, f, g, o) reordered to ONNX's (i, o, f, c). */
function iofc(a: Float32Array, H: number): Float32Array {
  const rows = a.length / (4 * H);
  const out = new Float32Array(a.length);
  const from = [0, 3, 1, 2];
  for (let gate = 0; gate < 4; gate++)
    out.set(a.subarray(from[gate]! * H * rows, (from[gate]! + 1) * H * rows), gate * H * rows);
  return out;
}

/** One layer of an nn.LSTM as an ONNX LSTM: its output, final states and hidden size. */
export interface LstmLayerOut {
  /** [T, batch, D·H] (time-major; D = 2 when bidirectional: forward then backward). */
  y: string;
  /** Final hidden and cell states, [D, batch, H] (the backward direction's is its state at t = 0). */
  h: string;
  c: string;
  H: number;
}

/**
 * Layer `l` of an nn.LSTM (parameters `<prefix>.weight_ih_l{l}` etc., `_reverse` for the backward
 * direction) over time-major x [T, batch, inF]; `seqLens` int32 [batch] or '' (every row full),
 * `init` the initial states [D, batch, H] or none (zeros).
 */
export function lstmLayer(
  g: OnnxGraph,
  w: Weights,
  prefix: string,
  l: number,
  x: string,
  inF: number,
  seqLens: string,
  bidirectional: boolean,
  init?: { h: string; c: string },
): LstmLayerOut {
  // weight_hh is [4H, H].
  const H = Math.round(Math.sqrt(need(g, w, `${prefix}.weight_hh_l${l}`).length / 4));
  const dirs = bidirectional ? ['', '_reverse'] : [''];
  const Ws: Float32Array[] = [];
  const Rs: Float32Array[] = [];
  const Bs: Float32Array[] = [];
  for (const sfx of dirs) {
    Ws.push(iofc(need(g, w, `${prefix}.weight_ih_l${l}${sfx}`), H));
    Rs.push(iofc(need(g, w, `${prefix}.weight_hh_l${l}${sfx}`), H));
    const b = new Float32Array(8 * H);
    b.set(iofc(w.get(`${prefix}.bias_ih_l${l}${sfx}`) ?? new Float32Array(4 * H), H), 0);
    b.set(iofc(w.get(`${prefix}.bias_hh_l${l}${sfx}`) ?? new Float32Array(4 * H), H), 4 * H);
    Bs.push(b);
  }
  const D = dirs.length;
  const inputs = [
    x,
    g.f32(`${prefix}.W${l}`, concat(Ws), [D, 4 * H, inF]),
    g.f32(`${prefix}.R${l}`, concat(Rs), [D, 4 * H, H]),
    g.f32(`${prefix}.B${l}`, concat(Bs), [D, 8 * H]),
    seqLens,
  ];
  if (init) inputs.push(init.h, init.c);
  const [y, h, c] = g.op(
    'LSTM',
    inputs,
    {
      hidden_size: { i: H },
      direction: { s: bidirectional ? 'bidirectional' : 'forward' },
    },
    3,
  );
  // Y is [T, D, batch, H]; the next layer reads [T, batch, D·H].
  const yFlat = g.op1('Reshape', [
    g.op1('Transpose', [y!], { perm: { ints: [0, 2, 1, 3] } }),
    g.i64('shape', [0, 0, D * H]),
  ]);
  return { y: yFlat, h: h!, c: c!, H };
}

/**
 * The layers of an nn.LSTM, one ONNX LSTM each, over [batch, T, d] with sequence_lens; returns
 * [batch, T, D·H] and each layer's final states ([D, batch, H]).
 */
export function lstmStack(
  g: OnnxGraph,
  w: Weights,
  prefix: string,
  x: string,
  lengths: string,
  d: number,
  layers: number,
  bidirectional: boolean,
): { out: string; finals: LstmLayerOut[] } {
  const seqLens = g.op1('Cast', [lengths], { to: { i: DataType.INT32 } });
  let h = g.op1('Transpose', [x], { perm: { ints: [1, 0, 2] } });
  let inF = d;
  const finals: LstmLayerOut[] = [];
  for (let l = 0; l < layers; l++) {
    const layer = lstmLayer(g, w, prefix, l, h, inF, seqLens, bidirectional);
    finals.push(layer);
    h = layer.y;
    inF = (bidirectional ? 2 : 1) * layer.H;
  }
  return { out: g.op1('Transpose', [h], { perm: { ints: [1, 0, 2] } }), finals };
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
