import { ValueError } from '../core/errors.js';
import { encodeTexts, padBatch } from '../models/text/text-batches.js';
import type { TextClassifier } from '../models/text/text-classifier.js';
import type { OnnxGraph } from './graph.js';
import { DataType } from './proto.js';
import { linear, reduce, unsqueeze } from './ops.js';
import { encoderBlock, hostWeights, lstmStack } from './sequence.js';

/** One int64 input of the TextClassifier graph: its values, row-major, and its shape. */
export interface TextGraphInput {
  data: BigInt64Array;
  dims: number[];
}

/**
 * The TextClassifier graph's inputs for `texts`, encoded as `predict` encodes them (the model's
 * vocabulary and maxLen; an empty text reads as one unknown word): `tokens` [batch, T] and
 * `lengths` [batch], and `grams` [batch, G] (the hashed n-gram buckets, padded with bucket 0)
 * when the model has an n-gram bag. Each is ready for `new ort.Tensor('int64', data, dims)`.
 */
export function textInputs(
  model: TextClassifier,
  texts: readonly string[],
): { tokens: TextGraphInput; lengths: TextGraphInput; grams?: TextGraphInput } {
  const op = 'onnx.textInputs';
  if (texts.length === 0) throw new ValueError(`${op}: texts is empty; pass at least one text`);
  const batch = padBatch(encodeTexts(op, model.vocabulary, texts, model.encoding), model.ngrams !== null, null, 0);
  const B = texts.length;
  const int64 = (a: Int32Array, dims: number[]) => ({ data: BigInt64Array.from(a, (v) => BigInt(v)), dims });
  return {
    tokens: int64(batch.ids, [B, batch.ids.length / B]),
    lengths: int64(batch.lengths, [B]),
    ...(batch.grams ? { grams: int64(batch.grams, [B, batch.grams.length / B]) } : {}),
  };
}

/**
 * TextClassifier: inputs `tokens` int64 [batch, T] (vocabulary ids, at most maxLen, right-padded
 * with 0), `lengths` int64 [batch] (≥ 1) and, with an n-gram bag, `grams` int64 [batch, G] (the
 * hashed n-gram buckets, padded with 0); {@link textInputs} builds all three from texts. Outputs
 * `probabilities` [batch, classes] (in `model.classes` order) and `attention` [batch, T] (the
 * pooling weights `explain` reports). Both poolings ('attention', 'attention+max') export.
 */
export async function exportTextGraph(g: OnnxGraph, model: TextClassifier): Promise<void> {
  const w = await hostWeights(model);
  const d = model.dim;
  const V = model.vocabulary.size;
  const tokens = g.input('tokens', DataType.INT64, ['batch', 'T']);
  const lengths = g.input('lengths', DataType.INT64, ['batch']);
  let x = g.op1('Gather', [g.f32('embed.weight', w.get('embed.weight')!, [V, d]), tokens], { axis: { i: 0 } });
  // Padding as 1.0 at t ≥ length: [batch, T].
  const T = g.op1('Gather', [g.op1('Shape', [tokens]), g.i64('one', [1], [])], { axis: { i: 0 } });
  const steps = unsqueeze(g, g.op1('Range', [g.i64('zero', [0], []), T, g.i64('one', [1], [])]), [0]);
  const padding = g.op1('Cast', [g.op1('GreaterOrEqual', [steps, unsqueeze(g, lengths, [1])])], {
    to: { i: DataType.FLOAT },
  });
  const minusInf = g.f32('minus1e9', [-1e9], []);
  let width: number;
  if (model.lstm) {
    x = lstmStack(g, w, 'lstm', x, lengths, d, model.numLayers, true).out;
    width = 2 * model.hidden;
  } else {
    g.requireOpset(17, 'the transformer encoder (LayerNormalization in its layers)');
    const pe = (await model.pos!.pe.data()) as Float32Array;
    const pos = g.op1('Slice', [
      g.f32('pe', pe, [model.maxLen, d]),
      g.i64('zero', [0]),
      unsqueeze(g, T, [0]),
      g.i64('axis0', [0]),
    ]);
    x = g.op1('Add', [x, pos]);
    // Key-padding mask, [batch, 1, 1, T]: padded keys get -1e9 before the softmax.
    const mask = unsqueeze(g, g.op1('Mul', [padding, minusInf]), [1, 2]);
    const layers = [...model.encoderLayers!];
    layers.forEach((layer, l) => {
      const act = (layer.config() as { activation?: 'relu' | 'gelu' }).activation ?? 'relu';
      x = encoderBlock(g, w, `encoderLayers.${l}`, x, mask, d, model.heads, layer.norm1.eps, act);
    });
    width = d;
  }
  // Additive attention pooling: softmax over t of q · tanh(K h_t), padding left out.
  const keys = g.op1('Tanh', [
    linear(g, x, 'poolKey', w.get('poolKey.weight')!, w.get('poolKey.bias') ?? null, width, width, false),
  ]);
  const scores = g.op1('Squeeze', [
    linear(g, keys, 'poolQuery', w.get('poolQuery.weight')!, null, 1, width, false),
    g.i64('axes', [2]),
  ]);
  const weights = g.op1('Softmax', [g.op1('Add', [scores, g.op1('Mul', [padding, minusInf])])], { axis: { i: -1 } });
  let pooled = g.op1('Squeeze', [g.op1('MatMul', [unsqueeze(g, weights, [1]), x]), g.i64('axes', [1])]);
  let pooledWidth = width;
  if (model.pooling === 'attention+max') {
    // The largest value of each feature over the real steps: padding gets -1e9 first.
    const masked = g.op1('Add', [x, unsqueeze(g, g.op1('Mul', [padding, minusInf]), [2])]);
    pooled = g.op1('Concat', [pooled, reduce(g, 'ReduceMax', masked, [1], false)], { axis: { i: 1 } });
    pooledWidth = 2 * width;
  }
  const C = model.classes.length;
  let logits = linear(g, pooled, 'out', w.get('out.weight')!, w.get('out.bias') ?? null, C, pooledWidth, true);
  if (model.ngrams) {
    // The n-gram bag: each bucket's class scores, summed over the text's buckets (bucket 0 is 0).
    const grams = g.input('grams', DataType.INT64, ['batch', 'G']);
    const table = g.f32('ngrams.weight', w.get('ngrams.weight')!, [model.ngramBuckets, C]);
    const bag = reduce(g, 'ReduceSum', g.op1('Gather', [table, grams], { axis: { i: 0 } }), [1], false);
    logits = g.op1('Add', [logits, bag]);
  }
  g.output(g.op1('Softmax', [logits], { axis: { i: -1 } }), 'probabilities', DataType.FLOAT, ['batch', C]);
  g.output(weights, 'attention', DataType.FLOAT, ['batch', 'T']);
}
