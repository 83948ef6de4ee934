import { ValueError, fmtValue } from '../core/errors.js';
import { ChurnClassifier } from '../models/churn.js';
import { FactorModel } from '../models/factor-model.js';
import { KMeans } from '../models/kmeans.js';
import { MiniBatchKMeans } from '../models/minibatch-kmeans.js';
import { Recommender } from '../models/recommender.js';
import { NextItemModel } from '../models/sequence/next-item.js';
import { Seq2Seq } from '../models/sequence/seq2seq.js';
import { TextClassifier } from '../models/text/text-classifier.js';
import { exportChurnGraph, exportKMeansGraph } from './classic.js';
import { exportFactorGraph } from './factor.js';
import { DEFAULT_OPSET, OnnxGraph, checkOpset } from './graph.js';
import { exportNextItemGraph } from './sequence.js';
import { exportTextGraph } from './text.js';

export interface OnnxExportOptions {
  /** ONNX opset, 13..21; default 17 (LayerNormalization, which the transformer needs, came in 17). */
  opset?: number;
  /**
   * Recommenders and NextItemModel: also output the best `topK` items per row (`topItems` int64
   * and `topScores`, best first), so a server need not sort the catalogue. Default: scores only.
   */
  topK?: number;
}

/** The models `onnx.export` takes. */
export type OnnxExportable = FactorModel | KMeans | MiniBatchKMeans | ChurnClassifier | NextItemModel | TextClassifier;

/**
 * Exports a fitted model as ONNX ModelProto bytes, for onnxruntime (Node, web, Triton's
 * onnxruntime backend) and any other ONNX runtime. Standard ONNX ops only.
 *
 * - Factor recommenders (MF, BaselineOnly, SVD++, BPR, iALS, `importFactors`): `user` int64
 *   [batch] (indices of `model.userIds`) → `scores` [batch, numItems]; `topK` adds
 *   `topItems`/`topScores`. Item indices map to ids through `model.itemIds`; the id lists are
 *   also in the model's metadata (`attune.userIds`, `attune.itemIds`, JSON).
 * - KMeans, MiniBatchKMeans: `X` [batch, d] → `labels` int64 [batch], `distance` [batch].
 * - ChurnClassifier: `X` [batch, features] → `logit`, `probability` [batch] (calibrated).
 * - NextItemModel (transformer or LSTM, without actions): `items` int64 [batch, T] (item
 *   index + 1, 0 = padding on the right) and `lengths` int64 [batch] → `scores` [batch, numItems].
 * - TextClassifier (bidirectional LSTM or transformer): `tokens` int64 [batch, T]
 *   (`model.vocabulary` ids, right-padded with 0) and `lengths` → `probabilities`
 *   [batch, classes] and the pooling weights `attention` [batch, T].
 *
 * Anything else throws a ValueError naming the model, layer or option that has no export; an
 * opset outside 13..21, or too old for a layer the model uses, throws naming the opset needed.
 *
 * @example
 * const bytes = await at.onnx.export(mf, { topK: 10 });
 * fs.writeFileSync('mf.onnx', bytes); // or: await ort.InferenceSession.create(bytes)
 */
export async function exportOnnx(model: OnnxExportable, options: OnnxExportOptions = {}): Promise<Uint8Array> {
  const name = modelName(model);
  if (options === null || typeof options !== 'object')
    throw new ValueError(`onnx.export(${name}): options must be an object {opset?, topK?}; got ${fmtValue(options)}`);
  const g = new OnnxGraph(name, checkOpset(name, options.opset ?? DEFAULT_OPSET));
  const metadata: Record<string, string> = { 'attune.kind': name };
  if (model instanceof FactorModel) {
    exportFactorGraph(g, model, options.topK);
    metadata['attune.userIds'] = JSON.stringify(model.userIds.toJSON().ids);
    metadata['attune.itemIds'] = JSON.stringify(model.itemIds.toJSON().ids);
  } else if (model instanceof KMeans || model instanceof MiniBatchKMeans) {
    exportKMeansGraph(g, model.centroids);
  } else if (model instanceof ChurnClassifier) {
    await exportChurnGraph(g, model);
  } else if (model instanceof NextItemModel) {
    await exportNextItemGraph(g, model, options.topK);
    if (model.itemIds) metadata['attune.itemIds'] = JSON.stringify(model.itemIds.toJSON().ids);
  } else if (model instanceof TextClassifier) {
    await exportTextGraph(g, model);
    metadata['attune.classes'] = JSON.stringify(model.classes);
  } else if ((model as unknown) instanceof Seq2Seq) {
    throw new ValueError(
      'onnx.export(Seq2Seq): a Seq2Seq exports as two graphs (the encoder and one decoder step); use onnx.exportSeq2Seq(model)',
    );
  } else if ((model as unknown) instanceof Recommender) {
    throw new ValueError(
      `onnx.export(${name}): only factor recommenders (MF, SVD++, BPR, iALS, imported factors) export; ${name} scores by neighbour or popularity tables, which have no fixed-size graph`,
    );
  } else {
    throw new ValueError(
      `onnx.export: cannot export ${name}; exportable are factor recommenders, KMeans, MiniBatchKMeans, ChurnClassifier, NextItemModel and TextClassifier`,
    );
  }
  return g.toBytes(metadata);
}

function modelName(model: unknown): string {
  if (model instanceof Recommender) return model.kind;
  if (model !== null && typeof model === 'object') return (model as object).constructor?.name ?? 'object';
  return fmtValue(model);
}
