import { DataError } from '../core/errors.js';
import { fileTensor } from '../io/models.js';
import type { RawTensor } from '../io/safetensors.js';

// What the KMeans and MiniBatchKMeans files share: centroids [k, d] (float64) and the training
// labels [n] (int32), written and checked the same way.

/** The tensors `at.save` writes for a fitted clustering. */
export function clusterTensors(
  centroids: readonly (readonly number[])[],
  labels: Int32Array,
): Record<string, RawTensor> {
  const k = centroids.length;
  const d = centroids[0]!.length;
  return {
    centroids: { dtype: 'float64', shape: [k, d], data: Float64Array.from(centroids.flat()) },
    labels: { dtype: 'int32', shape: [labels.length], data: labels },
  };
}

/**
 * The centroids and labels of a clustering's file, checked before anything is kept: exactly
 * these two tensors, k finite centroids of at least one column, every label in [0, k).
 */
export function readClusters(
  op: string,
  tensors: Record<string, RawTensor>,
  k: number,
): { centroids: number[][]; labels: Int32Array } {
  const cent = fileTensor(op, tensors, 'centroids', 'float64', [k, null]);
  const d = cent.shape[1]!;
  if (d < 1) throw new DataError(`${op}: centroids must have at least one column`);
  const labels = fileTensor(op, tensors, 'labels', 'int32', [null]).data as Int32Array;
  const bad = labels.findIndex((l) => l < 0 || l >= k);
  if (bad >= 0) throw new DataError(`${op}: labels[${bad}] = ${labels[bad]} is outside [0, ${k})`);
  if (Object.keys(tensors).length !== 2) throw new DataError(`${op}: expected only the tensors centroids and labels`);
  const data = cent.data as Float64Array;
  const centroids = Array.from({ length: k }, (_, j) => Array.from(data.subarray(j * d, (j + 1) * d)));
  return { centroids, labels };
}
