import { ValueError } from '../core/errors.js';
import type { TextClassifier } from '../models/text/text-classifier.js';
import type { OnnxGraph } from './graph.js';
import { DataType } from './proto.js';
import { linear, unsqueeze } from './ops.js';
import { encoderBlock, hostWeights, lstmStack } from './sequence.js';

/**
 * TextClassifier: inputs `tokens` int64 [batch, T] (vocabulary ids as `model.vocabulary.encode`
 * gives them, at most maxLen, right-padded with 0) and `lengths` int64 [batch] (≥ 1); outputs
 * `probabilities` [batch, classes] (in `model.classes` order) and `attention` [batch, T] (the
 * pooling weights `explain` reports).
 */
export async function exportTextGraph(g: OnnxGraph, model: TextClassifier): Promise<void> {
  if (model.pooling !== 'attention' || model.ngrams)
    throw new ValueError(
      `onnx.export(TextClassifier): pooling '${model.pooling}' with ngramBuckets ${model.ngramBuckets} is not exported; the graph covers pooling 'attention' without an n-gram bag`,
    );
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
  const pooled = g.op1('Squeeze', [g.op1('MatMul', [unsqueeze(g, weights, [1]), x]), g.i64('axes', [1])]);
  const C = model.classes.length;
  const logits = linear(g, pooled, 'out', w.get('out.weight')!, w.get('out.bias') ?? null, C, width, true);
  g.output(g.op1('Softmax', [logits], { axis: { i: -1 } }), 'probabilities', DataType.FLOAT, ['batch', C]);
  g.output(weights, 'attention', DataType.FLOAT, ['batch', 'T']);
}
