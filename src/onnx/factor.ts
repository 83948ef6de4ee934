import { ValueError, fmtValue } from '../core/errors.js';
import type { FactorModel } from '../models/factor-model.js';
import type { OnnxGraph } from './graph.js';
import { DataType } from './proto.js';
import { unsqueeze } from './ops.js';

/**
 * A factor model (MF, BaselineOnly, SVD++, BPR, iALS, imported Spark factors) as a graph:
 * input `user` int64 [batch] (dense user indices, `model.userIds`), output `scores` float
 * [batch, numItems] = μ + b_u + b_i + p_u·q_i for every item, the scores `recommend` ranks
 * (unclipped, as there). With `topK`, also `topItems` int64 and `topScores` float [batch, K].
 */
export function exportFactorGraph(g: OnnxGraph, model: FactorModel, topK: number | undefined): void {
  const { userFactors, itemFactors, userBias, itemBias, k, mean } = model.factors();
  const n = itemBias.length;
  const U = userBias.length;
  const user = g.input('user', DataType.INT64, ['batch']);
  // μ + b_u folded into one table: one Gather per request instead of two adds.
  const userConst = g.f32(
    'userConst',
    Float32Array.from(userBias, (b) => b + mean),
    [U],
  );
  const c = unsqueeze(g, g.op1('Gather', [userConst, user], { axis: { i: 0 } }), [1]);
  let scores: string;
  if (k > 0) {
    const pu = g.op1('Gather', [g.f32('userFactors', userFactors, [U, k]), user], { axis: { i: 0 } });
    const dot = g.op1('Gemm', [pu, g.f32('itemFactors', itemFactors, [n, k]), g.f32('itemBias', itemBias, [n])], {
      transB: { i: 1 },
    });
    scores = g.op1('Add', [dot, c]);
  } else {
    // Biases only (BaselineOnly): no factor product.
    scores = g.op1('Add', [c, g.f32('itemBias', itemBias, [1, n])]);
  }
  g.output(scores, 'scores', DataType.FLOAT, ['batch', n]);
  if (topK !== undefined) topKOutputs(g, scores, topK, n);
}

/** `topItems` (int64) and `topScores` [batch, K], best first, from `scores` [batch, n]. */
export function topKOutputs(g: OnnxGraph, scores: string, topK: number, n: number): void {
  if (!Number.isInteger(topK) || topK < 1 || topK > n)
    throw new ValueError(
      `onnx.export(${g.model}): topK must be an integer in [1, ${n}] (the items); got ${fmtValue(topK)}`,
    );
  const [vals, idx] = g.op(
    'TopK',
    [scores, g.i64('k', [topK])],
    { axis: { i: -1 }, largest: { i: 1 }, sorted: { i: 1 } },
    2,
  );
  g.output(vals!, 'topScores', DataType.FLOAT, ['batch', topK]);
  g.output(idx!, 'topItems', DataType.INT64, ['batch', topK]);
}
