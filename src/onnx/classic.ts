import { ValueError } from '../core/errors.js';
import type { IsotonicJSON, PlattJSON } from '../models/calibration.js';
import type { ChurnClassifier } from '../models/churn.js';
import type { OnnxGraph } from './graph.js';
import { DataType } from './proto.js';
import { linear, reduce } from './ops.js';

/**
 * k-means assignment (KMeans, MiniBatchKMeans): input `X` float [batch, d] (the columns the
 * model was fitted on), outputs `labels` int64 [batch] (the nearest centroid) and `distance`
 * float [batch] (its squared Euclidean distance, what `score` sums).
 */
export function exportKMeansGraph(g: OnnxGraph, centroids: readonly (readonly number[])[]): void {
  if (centroids.length === 0)
    throw new ValueError(`onnx.export(${g.model}): the model is not fitted; call await fit(X) first`);
  const k = centroids.length;
  const d = centroids[0]!.length;
  const x = g.input('X', DataType.FLOAT, ['batch', d]);
  // |x - c|² = |x|² - 2 x·c + |c|²: one MatMul instead of a [batch, k, d] difference tensor.
  const ct = new Float32Array(d * k);
  const c2 = new Float32Array(k);
  for (let j = 0; j < k; j++)
    for (let f = 0; f < d; f++) {
      const v = centroids[j]![f]!;
      ct[f * k + j] = -2 * v;
      c2[j]! += v * v;
    }
  const x2 = reduce(g, 'ReduceSum', g.op1('Mul', [x, x]), [1], true);
  const dist = g.op1('Add', [
    g.op1('Add', [g.op1('MatMul', [x, g.f32('centroidsT', ct, [d, k])]), x2]),
    g.f32('c2', c2, [k]),
  ]);
  const labels = g.op1('ArgMin', [dist], { axis: { i: 1 }, keepdims: { i: 0 } });
  // Rounding can take a distance a hair below zero for a row on a centroid; attune's kernels clamp too.
  const nearest = g.op1('Max', [reduce(g, 'ReduceMin', dist, [1], false), g.f32('zero', [0], [])]);
  g.output(labels, 'labels', DataType.INT64, ['batch']);
  g.output(nearest, 'distance', DataType.FLOAT, ['batch']);
}

/**
 * ChurnClassifier: input `X` float [batch, features] (encoded as for `predictProba`), outputs
 * `logit` [batch] and `probability` [batch], calibrated as `predictProba` calibrates (Platt:
 * sigmoid(a·z + b); isotonic: the same piecewise-linear map, clipped to [1e-7, 1 - 1e-7]).
 */
export async function exportChurnGraph(g: OnnxGraph, model: ChurnClassifier): Promise<void> {
  const state = await model.saveState();
  const config = state.config as { features: number; calibrator: PlattJSON | IsotonicJSON | null };
  const layers = Object.keys(state.tensors).filter((n) => /^layer\d+\.weight$/.test(n)).length;
  let h = g.input('X', DataType.FLOAT, ['batch', config.features]);
  for (let l = 0; l < layers; l++) {
    const w = state.tensors[`layer${l}.weight`]!;
    const b = state.tensors[`layer${l}.bias`];
    const [out, inF] = w.shape as [number, number];
    h = linear(g, h, `layer${l}`, w.data as Float32Array, (b?.data as Float32Array) ?? null, out, inF, true);
    if (l < layers - 1) h = g.op1('Relu', [h]);
  }
  const z = g.op1('Reshape', [h, g.i64('shape', [-1])]);
  const cal = config.calibrator;
  let p: string;
  if (cal === null) p = g.op1('Sigmoid', [z]);
  else if (cal.kind === 'platt')
    p = g.op1('Sigmoid', [
      g.op1('Add', [g.op1('Mul', [z, g.f32('platt.a', [cal.a], [])]), g.f32('platt.b', [cal.b], [])]),
    ]);
  else p = isotonic(g, z, cal);
  g.output(z, 'logit', DataType.FLOAT, ['batch']);
  g.output(p, 'probability', DataType.FLOAT, ['batch']);
}

/**
 * Linear interpolation through the steps (x_j, y_j), constant outside them:
 * y_0 + Σ_j slope_j · (clip(z, x_j, x_{j+1}) - x_j), as Min/Max against [1, m] rows.
 */
function isotonic(g: OnnxGraph, z: string, cal: IsotonicJSON): string {
  const lo: number[] = [];
  const hi: number[] = [];
  const slope: number[] = [];
  for (let j = 0; j + 1 < cal.x.length; j++) {
    const w = cal.x[j + 1]! - cal.x[j]!;
    // A zero-width step is never interpolated across (apply's search lands beside it).
    if (w > 0) {
      lo.push(cal.x[j]!);
      hi.push(cal.x[j + 1]!);
      slope.push((cal.y[j + 1]! - cal.y[j]!) / w);
    }
  }
  let p = g.op1('Mul', [z, g.f32('zero', [0], [])]);
  p = g.op1('Add', [p, g.f32('iso.y0', [cal.y[0]!], [])]);
  if (lo.length > 0) {
    const m = lo.length;
    const col = g.op1('Unsqueeze', [z, g.i64('axes', [1])]);
    const loT = g.f32('iso.lo', lo, [1, m]);
    const clipped = g.op1('Max', [g.op1('Min', [col, g.f32('iso.hi', hi, [1, m])]), loT]);
    const rise = g.op1('Mul', [g.op1('Sub', [clipped, loT]), g.f32('iso.slope', slope, [1, m])]);
    p = g.op1('Add', [p, reduce(g, 'ReduceSum', rise, [1], false)]);
  }
  return g.op1('Clip', [p, g.f32('lo', [1e-7], []), g.f32('hi', [1 - 1e-7], [])]);
}
