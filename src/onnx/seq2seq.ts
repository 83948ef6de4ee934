import { ValueError, fmtValue } from '../core/errors.js';
import { Seq2Seq } from '../models/sequence/seq2seq.js';
import { UNK } from '../models/sequence/vocabulary.js';
import { DEFAULT_OPSET, OnnxGraph, checkOpset } from './graph.js';
import { layerNorm, linear, reduce, unsqueeze } from './ops.js';
import { DataType } from './proto.js';
import { type Weights, encoderBlock, hostWeights, lstmLayer, lstmStack, need } from './sequence.js';

/** A Seq2Seq as two ONNX graphs: the encoder, run once per batch, and one decoder step. */
export interface Seq2SeqOnnx {
  /**
   * `source` int64 [batch, S] (vocabulary ids, words outside it as `<unk>`, right-padded with
   * `<pad>` = 0) and `lengths` int64 [batch] → `memory` [batch, S, dim], `srcMask` [batch, S]
   * (0 for a word, -1e9 for padding) and the decoder's first state: `state.*` outputs, fed to the
   * step's inputs of the same name.
   */
  encoder: Uint8Array;
  /**
   * `token` int64 [batch] (the last token: `<bos>` first, then each chosen id; extended ids ≥ V
   * of copied words are fed as they are), `memory`, `srcMask`, the transformer's `cross.k{l}`/
   * `cross.v{l}` (encoder outputs), `srcExt` int64 [batch, S] with copying (extended ids: V + j
   * for a row's j-th distinct unknown word), and the `state.*` inputs → `logp` [batch, extSize]
   * (log-probabilities of the next token; extSize = V + the most unknown words of a row),
   * `align` [batch, S] (this step's attention over the source) and `next.*` (the state for the
   * next step's `state.*`).
   */
  step: Uint8Array;
}

/**
 * Exports a Seq2Seq for serving: the encoder and one decoder step as two ONNX graphs, with
 * the loop outside ONNX ({@link seq2seqGreedy} runs greedy decoding with onnxruntime).
 *
 * - `arch: 'transformer'`: the step carries a key/value cache, `state.k{l}`/`state.v{l}`
 *   [batch, heads, t, dim/heads] per decoder layer (the encoder hands out empty ones, t = 0);
 *   the cross-attention keys and values are computed once by the encoder (`cross.k{l}`,
 *   `cross.v{l}`), as attune's own cached decoding does.
 * - `arch: 'lstm'`: the state is `state.h`/`state.c` [layers, batch, dim].
 * - With `copy` (the default) the step computes the pointer-generator mix over the extended
 *   vocabulary, so copied unknown keywords come out as extended ids, as in attune.
 *
 * Both graphs carry the vocabulary in their metadata (`attune.vocabulary`, JSON).
 *
 * @example
 * const { encoder, step } = await at.onnx.exportSeq2Seq(model);
 * const sessions = { encoder: await ort.InferenceSession.create(encoder), step: await ort.InferenceSession.create(step) };
 * const texts = await at.onnx.seq2seqGreedy(sessions, ort, model.vocabulary, [['winter', 'sale']]);
 */
export async function exportSeq2Seq(model: Seq2Seq, options: { opset?: number } = {}): Promise<Seq2SeqOnnx> {
  if (!(model instanceof Seq2Seq))
    throw new ValueError(`onnx.exportSeq2Seq: model must be a Seq2Seq; got ${fmtValue(model)}`);
  if (options === null || typeof options !== 'object')
    throw new ValueError(`onnx.exportSeq2Seq: options must be an object {opset?}; got ${fmtValue(options)}`);
  const opset = checkOpset('Seq2Seq', options.opset ?? DEFAULT_OPSET);
  const w = await hostWeights(model);
  const pe = model.pos ? Float32Array.from((await model.pos.pe.data()) as Float32Array) : null;
  const enc = new OnnxGraph('Seq2Seq encoder', opset);
  const step = new OnnxGraph('Seq2Seq step', opset);
  if (model.arch === 'transformer') {
    enc.requireOpset(17, 'the transformer (LayerNormalization in its layers)');
    step.requireOpset(17, 'the transformer (LayerNormalization in its layers)');
  }
  encoderGraph(enc, model, w, pe);
  stepGraph(step, model, w, pe);
  const metadata = {
    'attune.kind': 'Seq2Seq',
    'attune.arch': model.arch,
    'attune.copy': String(model.copy),
    'attune.maxLen': String(model.maxLen),
    'attune.vocabulary': JSON.stringify(model.vocabulary.toJSON()),
  };
  return {
    encoder: enc.toBytes({ ...metadata, 'attune.part': 'encoder' }),
    step: step.toBytes({ ...metadata, 'attune.part': 'step' }),
  };
}

/** Token ids int64 → embedding rows × √dim (the tied input embedding). */
function embed(g: OnnxGraph, model: Seq2Seq, w: Weights, ids: string): string {
  const table = g.f32('embed.weight', need(g, w, 'embed.weight'), [model.vocabulary.size, model.dim]);
  return g.op1('Mul', [
    g.op1('Gather', [table, ids], { axis: { i: 0 } }),
    g.f32('sqrtDim', [Math.sqrt(model.dim)], []),
  ]);
}

/** [batch, L, E] → [batch, H, L, E/H]. */
function splitHeads(g: OnnxGraph, x: string, H: number, E: number): string {
  return g.op1('Transpose', [g.op1('Reshape', [x, g.i64('heads', [0, 0, H, E / H])])], {
    perm: { ints: [0, 2, 1, 3] },
  });
}

/** Rows [from, from + n) of a row-major [*, cols] weight. */
function rows(a: Float32Array, from: number, n: number, cols: number): Float32Array {
  return a.subarray(from * cols, (from + n) * cols);
}

function encoderGraph(g: OnnxGraph, model: Seq2Seq, w: Weights, pe: Float32Array | null): void {
  const d = model.dim;
  const source = g.input('source', DataType.INT64, ['batch', 'S']);
  const lengths = g.input('lengths', DataType.INT64, ['batch']);
  const S = g.op1('Gather', [g.op1('Shape', [source]), g.i64('one', [1])], { axis: { i: 0 } });
  const steps = unsqueeze(
    g,
    g.op1('Range', [g.i64('zero', [0], []), g.op1('Squeeze', [S]), g.i64('one', [1], [])]),
    [0],
  );
  const padding = g.op1('Cast', [g.op1('GreaterOrEqual', [steps, unsqueeze(g, lengths, [1])])], {
    to: { i: DataType.FLOAT },
  });
  const srcMask = g.op1('Mul', [padding, g.f32('minus1e9', [-1e9], [])]);
  g.output(srcMask, 'srcMask', DataType.FLOAT, ['batch', 'S']);
  let x = embed(g, model, w, source);
  if (model.arch === 'transformer') {
    const L = model.maxLen + 2;
    x = g.op1('Add', [x, g.op1('Slice', [g.f32('pe', pe!, [L, d]), g.i64('zero', [0]), S, g.i64('axis0', [0])])]);
    const mask = unsqueeze(g, srcMask, [1, 2]);
    [...model.encoderLayers!].forEach((layer, l) => {
      const act = (layer.config() as { activation?: 'relu' | 'gelu' }).activation ?? 'relu';
      x = encoderBlock(g, w, `encoderLayers.${l}`, x, mask, d, model.heads, layer.norm1.eps, act);
    });
    const memory = layerNorm(
      g,
      x,
      'encNorm',
      need(g, w, 'encNorm.weight'),
      need(g, w, 'encNorm.bias'),
      model.encNorm!.eps,
    );
    g.output(memory, 'memory', DataType.FLOAT, ['batch', 'S', d]);
    const H = model.heads;
    // The cross-attention keys and values of each decoder layer, once per source batch.
    const batch = g.op1('Gather', [g.op1('Shape', [source]), g.i64('zero', [0])], { axis: { i: 0 } });
    const emptyShape = g.op1('Concat', [batch, g.i64('rest', [H, 0, d / H])], { axis: { i: 0 } });
    for (let l = 0; l < model.numLayers; l++) {
      const p = `decoderLayers.${l}.multihead_attn`;
      const Win = need(g, w, `${p}.in_proj_weight`);
      const bin = w.get(`${p}.in_proj_bias`);
      for (const [part, at] of [
        ['k', 1],
        ['v', 2],
      ] as const) {
        const proj = linear(
          g,
          memory,
          `${p}.${part}`,
          rows(Win, at * d, d, d),
          bin ? rows(bin, at * d, d, 1) : null,
          d,
          d,
          false,
        );
        g.output(splitHeads(g, proj, H, d), `cross.${part}${l}`, DataType.FLOAT, ['batch', H, 'S', d / H]);
      }
      // An empty self-attention cache: the first step has no earlier positions.
      for (const part of ['k', 'v'])
        g.output(g.op1('ConstantOfShape', [emptyShape]), `state.${part}${l}`, DataType.FLOAT, ['batch', H, 0, d / H]);
    }
    return;
  }
  const { out, finals } = lstmStack(g, w, 'encoderLstm', x, lengths, d, model.numLayers, true);
  g.output(out, 'memory', DataType.FLOAT, ['batch', 'S', d]);
  // Each layer's [2, batch, d/2] final states side by side → [layers, batch, d], as Seq2Seq.encode joins them.
  for (const part of ['h', 'c'] as const) {
    const perLayer = finals.map((f) =>
      unsqueeze(
        g,
        g.op1('Reshape', [g.op1('Transpose', [f[part]], { perm: { ints: [1, 0, 2] } }), g.i64('bd', [0, d])]),
        [0],
      ),
    );
    const joined = perLayer.length === 1 ? perLayer[0]! : g.op1('Concat', perLayer, { axis: { i: 0 } });
    g.output(joined, `state.${part}`, DataType.FLOAT, [model.numLayers, 'batch', d]);
  }
}

/** Scaled dot-product attention of q [batch, 1, d] over memory [batch, S, d]: context [batch, d] and weights [batch, S]. */
function attendMemory(
  g: OnnxGraph,
  q: string,
  memory: string,
  srcMask: string,
  d: number,
): { ctx: string; weights: string } {
  const scores = g.op1('Mul', [
    g.op1('MatMul', [q, g.op1('Transpose', [memory], { perm: { ints: [0, 2, 1] } })]),
    g.f32('scale', [1 / Math.sqrt(d)], []),
  ]);
  const weights = g.op1('Softmax', [g.op1('Add', [scores, unsqueeze(g, srcMask, [1])])], { axis: { i: -1 } });
  return {
    ctx: g.op1('Reshape', [g.op1('MatMul', [weights, memory]), g.i64('bd', [0, d])]),
    weights: g.op1('Reshape', [weights, g.i64('bs', [0, -1])]),
  };
}

function stepGraph(g: OnnxGraph, model: Seq2Seq, w: Weights, pe: Float32Array | null): void {
  const d = model.dim;
  const V = model.vocabulary.size;
  const token = g.input('token', DataType.INT64, ['batch']);
  const memory = g.input('memory', DataType.FLOAT, ['batch', 'S', d]);
  const srcMask = g.input('srcMask', DataType.FLOAT, ['batch', 'S']);
  // Copied words (extended ids ≥ V) have no embedding row: they are fed as <unk>, as in attune.
  const inVocab = g.op1('Where', [
    g.op1('GreaterOrEqual', [token, g.i64('V', [V], [])]),
    g.i64('unk', [UNK], []),
    token,
  ]);
  const x = unsqueeze(g, embed(g, model, w, inVocab), [1]);
  const r =
    model.arch === 'transformer'
      ? transformerStep(g, model, w, pe!, x, srcMask)
      : lstmStep(g, model, w, x, memory, srcMask);
  const logits = linear(g, r.h, 'out', need(g, w, 'out.weight'), w.get('out.bias') ?? null, V, d, true);
  let logp: string;
  let align = r.align;
  if (model.copy) {
    const srcExt = g.input('srcExt', DataType.INT64, ['batch', 'S']);
    const copied = copyMix(g, w, r.h, logits, memory, srcMask, srcExt, d, V);
    logp = copied.logp;
    align = copied.align;
  } else {
    logp = g.op1('LogSoftmax', [logits], { axis: { i: -1 } });
  }
  g.output(logp, 'logp', DataType.FLOAT, ['batch', 'extSize']);
  g.output(align, 'align', DataType.FLOAT, ['batch', 'S']);
}

/** The pre-LN decoder layers for one position with the key/value cache; h [batch, d]. */
function transformerStep(g: OnnxGraph, model: Seq2Seq, w: Weights, pe: Float32Array, x: string, srcMask: string) {
  const d = model.dim;
  const H = model.heads;
  const layers = [...model.decoderLayers!];
  const past = layers.map((_, l) => ({
    k: g.input(`state.k${l}`, DataType.FLOAT, ['batch', H, 't', d / H]),
    v: g.input(`state.v${l}`, DataType.FLOAT, ['batch', H, 't', d / H]),
    crossK: g.input(`cross.k${l}`, DataType.FLOAT, ['batch', H, 'S', d / H]),
    crossV: g.input(`cross.v${l}`, DataType.FLOAT, ['batch', H, 'S', d / H]),
  }));
  // This token's position is the number of cached ones.
  const pos = g.op1('Gather', [g.op1('Shape', [past[0]!.k]), g.i64('two', [2])], { axis: { i: 0 } });
  x = g.op1('Add', [x, g.op1('Gather', [g.f32('pe', pe, [model.maxLen + 2, d]), pos], { axis: { i: 0 } })]);
  const scale = g.f32('scale', [1 / Math.sqrt(d / H)], []);
  const merge = (t: string) =>
    g.op1('Reshape', [g.op1('Transpose', [t], { perm: { ints: [0, 2, 1, 3] } }), g.i64('merge', [0, 0, d])]);
  const keyMask = unsqueeze(g, srcMask, [1, 2]);
  let cross = '';
  layers.forEach((layer, l) => {
    const p = `decoderLayers.${l}`;
    const ln = (n: string, t: string) =>
      layerNorm(g, t, `${p}.${n}`, need(g, w, `${p}.${n}.weight`), need(g, w, `${p}.${n}.bias`), layer.norm1.eps);
    const proj = (n: string, t: string, inF: number, outF: number) =>
      linear(g, t, `${p}.${n}`, need(g, w, `${p}.${n}.weight`), w.get(`${p}.${n}.bias`) ?? null, outF, inF, false);
    const qkv = linear(
      g,
      ln('norm1', x),
      `${p}.self_attn.in_proj`,
      need(g, w, `${p}.self_attn.in_proj_weight`),
      w.get(`${p}.self_attn.in_proj_bias`) ?? null,
      3 * d,
      d,
      false,
    );
    const [q, k, v] = g.op('Split', [qkv, g.i64('split', [d, d, d])], { axis: { i: 2 } }, 3);
    const K = g.op1('Concat', [past[l]!.k, splitHeads(g, k!, H, d)], { axis: { i: 2 } });
    const Vv = g.op1('Concat', [past[l]!.v, splitHeads(g, v!, H, d)], { axis: { i: 2 } });
    g.output(K, `next.k${l}`, DataType.FLOAT, ['batch', H, 't1', d / H]);
    g.output(Vv, `next.v${l}`, DataType.FLOAT, ['batch', H, 't1', d / H]);
    // The newest position sees every cached one: no causal mask.
    const kt = g.op1('Transpose', [K], { perm: { ints: [0, 1, 3, 2] } });
    const selfW = g.op1('Softmax', [g.op1('Mul', [g.op1('MatMul', [splitHeads(g, q!, H, d), kt]), scale])], {
      axis: { i: -1 },
    });
    x = g.op1('Add', [x, proj('self_attn.out_proj', merge(g.op1('MatMul', [selfW, Vv])), d, d)]);
    const ca = `${p}.multihead_attn`;
    const Win = need(g, w, `${ca}.in_proj_weight`);
    const bin = w.get(`${ca}.in_proj_bias`);
    const qc = splitHeads(
      g,
      linear(g, ln('norm2', x), `${ca}.q`, rows(Win, 0, d, d), bin ? rows(bin, 0, d, 1) : null, d, d, false),
      H,
      d,
    );
    const ckt = g.op1('Transpose', [past[l]!.crossK], { perm: { ints: [0, 1, 3, 2] } });
    const crossW = g.op1('Softmax', [g.op1('Add', [g.op1('Mul', [g.op1('MatMul', [qc, ckt]), scale]), keyMask])], {
      axis: { i: -1 },
    });
    x = g.op1('Add', [x, proj('multihead_attn.out_proj', merge(g.op1('MatMul', [crossW, past[l]!.crossV])), d, d)]);
    if (l === layers.length - 1)
      cross = g.op1('Reshape', [reduce(g, 'ReduceMean', crossW, [1], false), g.i64('bs', [0, -1])]);
    const ff = need(g, w, `${p}.linear1.bias`).length;
    const act = (layer.config() as { activation?: 'relu' | 'gelu' }).activation ?? 'relu';
    if (act !== 'relu')
      throw new ValueError(
        `onnx.exportSeq2Seq: decoder layer ${l} uses activation ${act}; only relu (Seq2Seq's) exports`,
      );
    x = g.op1('Add', [x, proj('linear2', g.op1('Relu', [proj('linear1', ln('norm3', x), d, ff)]), ff, d)]);
  });
  const h = layerNorm(g, x, 'decNorm', need(g, w, 'decNorm.weight'), need(g, w, 'decNorm.bias'), model.decNorm!.eps);
  return { h: g.op1('Reshape', [h, g.i64('bd', [0, d])]), align: cross };
}

/** The LSTM decoder for one token, Luong attention and tanh(combine([out; context])); h [batch, d]. */
function lstmStep(g: OnnxGraph, model: Seq2Seq, w: Weights, x: string, memory: string, srcMask: string) {
  const d = model.dim;
  const L = model.numLayers;
  const h0 = g.input('state.h', DataType.FLOAT, [L, 'batch', d]);
  const c0 = g.input('state.c', DataType.FLOAT, [L, 'batch', d]);
  let y = g.op1('Transpose', [x], { perm: { ints: [1, 0, 2] } });
  const hs: string[] = [];
  const cs: string[] = [];
  for (let l = 0; l < L; l++) {
    const layer = (t: string) => g.op1('Slice', [t, g.i64('from', [l]), g.i64('to', [l + 1]), g.i64('axis0', [0])]);
    const r = lstmLayer(g, w, 'decoderLstm', l, y, d, '', false, { h: layer(h0), c: layer(c0) });
    hs.push(r.h);
    cs.push(r.c);
    y = r.y;
  }
  g.output(L === 1 ? hs[0]! : g.op1('Concat', hs, { axis: { i: 0 } }), 'next.h', DataType.FLOAT, [L, 'batch', d]);
  g.output(L === 1 ? cs[0]! : g.op1('Concat', cs, { axis: { i: 0 } }), 'next.c', DataType.FLOAT, [L, 'batch', d]);
  const out = g.op1('Reshape', [y, g.i64('bd', [-1, d])]);
  const att = attendMemory(g, unsqueeze(g, out, [1]), memory, srcMask, d);
  const combined = g.op1('Tanh', [
    linear(
      g,
      g.op1('Concat', [out, att.ctx], { axis: { i: 1 } }),
      'combine',
      need(g, w, 'combine.weight'),
      w.get('combine.bias') ?? null,
      d,
      2 * d,
      true,
    ),
  ]);
  return { h: combined, align: att.weights };
}

/**
 * The pointer-generator output (seq2seq-copy.ts copyMix): with p = sigmoid(gate([h; context])),
 * P(w) = p · softmax(logits)(w) + (1 − p) · Σ_{s: srcExt_s = w} attention_s over the extended
 * vocabulary, whose width is V + the most unknown words of a row (max(srcExt) + 1, or V).
 */
function copyMix(
  g: OnnxGraph,
  w: Weights,
  h: string,
  logits: string,
  memory: string,
  srcMask: string,
  srcExt: string,
  d: number,
  V: number,
) {
  const q = linear(g, h, 'copyQuery', need(g, w, 'copyQuery.weight'), w.get('copyQuery.bias') ?? null, d, d, true);
  const att = attendMemory(g, unsqueeze(g, q, [1]), memory, srcMask, d);
  const gate = linear(
    g,
    g.op1('Concat', [h, att.ctx], { axis: { i: 1 } }),
    'copyGate',
    need(g, w, 'copyGate.weight'),
    w.get('copyGate.bias') ?? null,
    1,
    2 * d,
    true,
  );
  const pGen = g.op1('Sigmoid', [gate]);
  // Extra columns for the unknown source words: max(0, max(srcExt) + 1 − V).
  const maxExt = reduce(g, 'ReduceMax', srcExt, [0, 1], false);
  const extra = g.op1('Max', [
    g.op1('Sub', [g.op1('Add', [maxExt, g.i64('one', [1], [])]), g.i64('V', [V], [])]),
    g.i64('zero', [0], []),
  ]);
  const pads = g.op1('Concat', [g.i64('pads', [0, 0, 0]), unsqueeze(g, extra, [0])], { axis: { i: 0 } });
  const pVocab = g.op1('Pad', [g.op1('Softmax', [logits], { axis: { i: -1 } }), pads]);
  // One-hot rows of the extended ids, [batch, S, extSize]; padded positions have weight 0.
  const width = g.op1('Add', [extra, g.i64('V', [V], [])]);
  const ids = g.op1('Range', [g.i64('zero', [0], []), width, g.i64('one', [1], [])]);
  const oneHot = g.op1('Cast', [g.op1('Equal', [unsqueeze(g, srcExt, [2]), ids])], { to: { i: DataType.FLOAT } });
  const pCopy = g.op1('Reshape', [g.op1('MatMul', [unsqueeze(g, att.weights, [1]), oneHot]), g.i64('bs', [0, -1])]);
  const p = g.op1('Add', [
    g.op1('Mul', [pGen, pVocab]),
    g.op1('Mul', [g.op1('Sub', [g.f32('one', [1], []), pGen]), pCopy]),
  ]);
  // 1e-9 keeps log finite where both parts are 0, as in attune.
  return { logp: g.op1('Log', [g.op1('Add', [p, g.f32('eps', [1e-9], [])])]), align: att.weights };
}
