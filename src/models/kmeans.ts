import type { BackendName } from '../backends/backend.js';
import { toMatrix, type Matrix, type MatrixInput } from '../data/matrix.js';
import { Rng } from '../core/random.js';
import { ShapeError, ValueError, fmtValue } from '../core/errors.js';
import { tensor } from '../tensor/creation.js';
import type { Tensor } from '../tensor/tensor.js';
import { kmeansAssign } from '../ops/fused/kmeans.js';
import { selectK, type SelectKOptions, type SelectKResult } from './kmeans-select.js';
import { type ModelState, configObject, registerModelType } from '../io/models.js';
import { FitControl, type FitControlOptions } from '../core/fit-control.js';
import { clusterTensors, readClusters } from './kmeans-io.js';

/** Options of {@link KMeans}. */
export interface KMeansOptions {
  /** Number of clusters, ≥ 1. */
  k: number;
  /**
   * `'k-means++'` (default): greedy k-means++ seeding (Arthur & Vassilvitskii 2007, with
   * 2 + ⌊ln k⌋ candidates per step as in scikit-learn); `'random'`: k distinct rows drawn
   * uniformly; or explicit starting centroids [k][d] (then nInit is 1).
   */
  init?: 'k-means++' | 'random' | readonly (readonly number[])[];
  /** Independent restarts; the run with the lowest inertia is kept. Default 3. */
  nInit?: number;
  /** Lloyd iterations per run; default 300. */
  maxIter?: number;
  /**
   * Stop when the squared centroid movement of an iteration is at most tol × the mean
   * per-feature variance of X (scikit-learn's relative tolerance); default 1e-4.
   */
  tol?: number;
  /** Seed of the initialisation; default 0. The same seed gives the same clustering. */
  seed?: number;
  /** Where the assignment step runs; the current backend by default. */
  backend?: BackendName;
}

/** What one {@link KMeans.fit} found, per run and overall. */
export interface KMeansRun {
  inertia: number;
  iterations: number;
  converged: boolean;
}

/**
 * k-means clustering (Lloyd's algorithm). The assignment step, which is the O(n·k·d) part, runs
 * as the fused {@link kmeansAssign} primitive on the chosen backend (CPU or a WGSL kernel on
 * WebGPU); the O(n·d) centroid update runs on the host in float64. X stays on the device for the
 * whole fit, and each iteration moves only the k × d centroids up and n labels and distances
 * back.
 *
 * Empty clusters are re-seeded with the point farthest from its centroid, so a fit always
 * returns k non-empty clusters when X has at least k distinct rows.
 *
 * Shapes: X [n, d] (any {@link MatrixInput}) → labels Int32Array [n], centroids [k][d].
 *
 * @example
 * const km = await new at.models.KMeans({ k: 4, seed: 1 }).fit(rfm.matrix('standardized'));
 * km.labels; km.centroids; km.inertia;
 */
export class KMeans {
  readonly k: number;
  readonly options: Readonly<Required<Omit<KMeansOptions, 'backend' | 'init'>>> &
    Pick<KMeansOptions, 'backend' | 'init'>;
  /** Cluster centres [k][d]; empty before fit. */
  centroids: number[][] = [];
  /** Sum of squared distances of the training rows to their centroid. */
  inertia = Number.NaN;
  /** Cluster of each training row. */
  labels: Int32Array = new Int32Array(0);
  /** Iterations the kept run took. */
  nIter = 0;
  /** Whether the kept run met `tol` before `maxIter`. */
  converged = false;
  /** Inertia and iterations of every restart, in order. */
  runs: KMeansRun[] = [];

  constructor(options: KMeansOptions) {
    const op = 'KMeans';
    const { k } = options;
    if (!Number.isInteger(k) || k < 1) throw new ValueError(`${op}: k must be a positive integer; got ${fmtValue(k)}`);
    const nInit = options.nInit ?? 3;
    const maxIter = options.maxIter ?? 300;
    const tol = options.tol ?? 1e-4;
    const seed = options.seed ?? 0;
    if (!Number.isInteger(nInit) || nInit < 1)
      throw new ValueError(`${op}: nInit must be a positive integer; got ${fmtValue(nInit)}`);
    if (!Number.isInteger(maxIter) || maxIter < 1)
      throw new ValueError(`${op}: maxIter must be a positive integer; got ${fmtValue(maxIter)}`);
    if (typeof tol !== 'number' || !(tol >= 0) || !Number.isFinite(tol))
      throw new ValueError(`${op}: tol must be a finite number ≥ 0; got ${fmtValue(tol)}`);
    const init = options.init ?? 'k-means++';
    if (
      (typeof init === 'string' && init !== 'k-means++' && init !== 'random') ||
      (typeof init !== 'string' && !Array.isArray(init))
    ) {
      throw new ValueError(
        `${op}: init must be 'k-means++', 'random' or an array of k centroids; got ${fmtValue(init)}`,
      );
    }
    if (typeof init !== 'string' && init.length !== k) {
      throw new ShapeError(`${op}: init must hold k = ${k} centroids; got ${fmtValue(init.length)}`);
    }
    new Rng(seed, op); // validates the seed now rather than at fit time
    this.k = k;
    this.options = {
      k,
      nInit: typeof init === 'string' ? nInit : 1,
      maxIter,
      tol,
      seed,
      init,
      backend: options.backend,
    };
  }

  /**
   * Clusters X; resolves to this model. X must have at least k rows and no NaN. Each Lloyd
   * iteration counts as a batch for `options` (`epoch` counts iterations over all restarts, of
   * at most nInit × maxIter); an abort or a failure leaves the model as it was before the call.
   */
  async fit(X: MatrixInput, options: FitControlOptions = {}): Promise<this> {
    const op = 'KMeans.fit';
    const control = new FitControl(options, this.options.nInit * this.options.maxIter);
    const m = await toMatrix(op, 'X', X);
    const { k } = this;
    if (m.rows < k) throw new ValueError(`${op}: X has ${m.rows} rows, fewer than k = ${k}`);
    if (m.cols < 1) throw new ShapeError(`${op}: X must have at least one column`);
    const init = this.options.init;
    if (init !== undefined && typeof init !== 'string') {
      for (const [j, c] of init.entries()) {
        if (c.length !== m.cols || c.some((v) => !Number.isFinite(v))) {
          throw new ShapeError(
            `${op}: init[${j}] must hold ${m.cols} finite numbers to match X's columns; got ${fmtValue(c.length)} values`,
          );
        }
      }
    }
    const tolAbs = this.options.tol * meanVariance(m);
    const rng = new Rng(this.options.seed, 'KMeans');
    const x = tensor(Float32Array.from(m.data), { shape: [m.rows, m.cols], backend: this.options.backend });
    const runs: KMeansRun[] = [];
    let best: { centroids: Float64Array; labels: Int32Array; inertia: number; run: KMeansRun } | undefined;
    try {
      for (let r = 0; r < this.options.nInit; r++) {
        const c0 =
          typeof init === 'string' || init === undefined
            ? seedCentroids(m, k, init ?? 'k-means++', rng)
            : Float64Array.from(init.flat());
        const res = await lloyd(x, m, c0, k, this.options.maxIter, tolAbs, control, runs);
        runs.push(res.run);
        if (!best || res.inertia < best.inertia) best = res;
      }
    } finally {
      x.dispose();
    }
    this.runs = runs;
    this.centroids = rowsOf(best!.centroids, k, m.cols);
    this.labels = best!.labels;
    this.inertia = best!.inertia;
    this.nIter = best!.run.iterations;
    this.converged = best!.run.converged;
    return this;
  }

  /** The nearest centroid of every row of X (columns as in fit). */
  async predict(X: MatrixInput): Promise<Int32Array> {
    return (await this.assign('KMeans.predict', X)).labels;
  }

  /** Sum of squared distances of X's rows to their nearest centroid (lower is better). */
  async score(X: MatrixInput): Promise<number> {
    const { distances } = await this.assign('KMeans.score', X);
    return distances.reduce((s, v) => s + v, 0);
  }

  private async assign(op: string, X: MatrixInput): Promise<{ labels: Int32Array; distances: Float64Array }> {
    if (this.centroids.length === 0) throw new ValueError(`${op}: the model is not fitted; call await fit(X) first`);
    const m = await toMatrix(op, 'X', X);
    const d = this.centroids[0]!.length;
    if (m.cols !== d) throw new ShapeError(`${op}: X has ${m.cols} columns but the model was fitted on ${d}`);
    const x = tensor(Float32Array.from(m.data), { shape: [m.rows, d], backend: this.options.backend });
    try {
      return await assignOn(x, Float64Array.from(this.centroids.flat()), this.k);
    } finally {
      x.dispose();
    }
  }

  /** The fitted model as `at.save` writes it: options and run summary as config, centroids and labels as tensors. */
  saveState(): ModelState {
    if (this.centroids.length === 0) throw new ValueError('save: the KMeans is not fitted; call await fit(X) first');
    const { backend: _, ...options } = this.options;
    return {
      type: 'KMeans',
      config: { options, inertia: this.inertia, nIter: this.nIter, converged: this.converged, runs: this.runs },
      tensors: clusterTensors(this.centroids, this.labels),
    };
  }

  /**
   * Fits k-means for every k of `kRange` and chooses k by silhouette, gap statistic or elbow
   * (see {@link SelectKOptions}); resolves to the scores table, the choice and the model fitted
   * at it. `options` are the other KMeans options, used for every fit.
   *
   * @example
   * const { k, scores, model } = await at.models.KMeans.selectK(rfm.matrix(), { kRange: [2, 8], criterion: 'silhouette' });
   */
  static async selectK(
    X: MatrixInput,
    selection: SelectKOptions = {},
    options: Omit<KMeansOptions, 'k' | 'init'> = {},
  ): Promise<SelectKResult<KMeans>> {
    const op = 'KMeans.selectK';
    const m = await toMatrix(op, 'X', X);
    const fit = async (k: number, x: Matrix) => {
      const model = await new KMeans({ ...options, seed: options.seed ?? selection.seed ?? 0, k }).fit(x);
      return { model, labels: model.labels, inertia: model.inertia };
    };
    return selectK(op, m, fit, selection);
  }

  /** The fitted state as plain JSON. */
  toJSON(): { k: number; centroids: number[][]; inertia: number } {
    return { k: this.k, centroids: this.centroids, inertia: this.inertia };
  }
}

async function assignOn(
  x: Tensor,
  centroids: Float64Array,
  k: number,
): Promise<{ labels: Int32Array; distances: Float64Array }> {
  const c = tensor(Float32Array.from(centroids), { shape: [k, x.shape[1]!], backend: x.backend });
  const out = kmeansAssign(x, c);
  c.dispose();
  try {
    const [labels, distances] = await Promise.all([out.labels.data(), out.distances.data()]);
    return { labels: labels as Int32Array, distances: Float64Array.from(distances) };
  } finally {
    out.labels.dispose();
    out.distances.dispose();
  }
}

async function lloyd(
  x: Tensor,
  m: Matrix,
  c0: Float64Array,
  k: number,
  maxIter: number,
  tolAbs: number,
  control: FitControl,
  done: readonly KMeansRun[],
): Promise<{ centroids: Float64Array; labels: Int32Array; inertia: number; run: KMeansRun }> {
  const before = done.reduce((s, r) => s + r.iterations, 0);
  const { rows: n, cols: d, data } = m;
  let c = c0;
  let converged = false;
  let it = 0;
  const sums = new Float64Array(k * d);
  const counts = new Int32Array(k);
  while (it < maxIter) {
    it++;
    const { labels, distances } = await assignOn(x, c, k);
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const j = labels[i]!;
      counts[j]!++;
      for (let f = 0; f < d; f++) sums[j * d + f]! += data[i * d + f]!;
    }
    const next = new Float64Array(k * d);
    const taken = new Set<number>();
    for (let j = 0; j < k; j++) {
      if (counts[j]! > 0) {
        for (let f = 0; f < d; f++) next[j * d + f] = sums[j * d + f]! / counts[j]!;
        continue;
      }
      // Re-seed an empty cluster at the point that is currently worst served.
      let far = -1;
      for (let i = 0; i < n; i++) if (!taken.has(i) && (far < 0 || distances[i]! > distances[far]!)) far = i;
      taken.add(far);
      for (let f = 0; f < d; f++) next[j * d + f] = data[far * d + f]!;
    }
    let shift = 0;
    for (let i = 0; i < k * d; i++) shift += (next[i]! - c[i]!) ** 2;
    c = next;
    await control.batch(before + it, 1, 1);
    if (shift <= tolAbs && taken.size === 0) {
      converged = true;
      break;
    }
  }
  // A final assignment, so labels and inertia belong to the returned centroids.
  const { labels, distances } = await assignOn(x, c, k);
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += distances[i]!;
  return { centroids: c, labels, inertia, run: { inertia, iterations: it, converged } };
}

function meanVariance(m: Matrix): number {
  const { rows: n, cols: d, data } = m;
  let total = 0;
  for (let f = 0; f < d; f++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += data[i * d + f]!;
    mean /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (data[i * d + f]! - mean) ** 2;
    total += v / n;
  }
  return total / d;
}

function sqDist(data: Float64Array, i: number, c: Float64Array, j: number, d: number): number {
  let s = 0;
  for (let f = 0; f < d; f++) s += (data[i * d + f]! - c[j * d + f]!) ** 2;
  return s;
}

/** Index i with cumulative weight passing u·total (weights ≥ 0, total > 0). */
function sampleWeighted(w: Float64Array, total: number, rng: Rng): number {
  const target = rng.float() * total;
  let acc = 0;
  for (let i = 0; i < w.length; i++) {
    acc += w[i]!;
    if (acc > target) return i;
  }
  for (let i = w.length - 1; i >= 0; i--) if (w[i]! > 0) return i;
  return w.length - 1;
}

function seedCentroids(m: Matrix, k: number, init: 'k-means++' | 'random', rng: Rng): Float64Array {
  const { rows: n, cols: d, data } = m;
  const c = new Float64Array(k * d);
  const put = (j: number, i: number): void => {
    for (let f = 0; f < d; f++) c[j * d + f] = data[i * d + f]!;
  };
  if (init === 'random') {
    const perm = rng.permutation(n);
    for (let j = 0; j < k; j++) put(j, perm[j]!);
    return c;
  }
  put(0, rng.int(n));
  const closest = new Float64Array(n);
  let pot = 0;
  for (let i = 0; i < n; i++) pot += closest[i] = sqDist(data, i, c, 0, d);
  const trials = 2 + Math.floor(Math.log(k));
  const cand = new Float64Array(n);
  const bestCand = new Float64Array(n);
  for (let j = 1; j < k; j++) {
    let bestI = -1;
    let bestPot = Infinity;
    for (let t = 0; t < trials; t++) {
      // All points coincide with chosen centres: any row will do.
      const i = pot > 0 ? sampleWeighted(closest, pot, rng) : rng.int(n);
      let p = 0;
      for (let r = 0; r < n; r++) {
        let s = 0;
        for (let f = 0; f < d; f++) s += (data[r * d + f]! - data[i * d + f]!) ** 2;
        p += cand[r] = Math.min(closest[r]!, s);
      }
      if (p < bestPot) {
        bestPot = p;
        bestI = i;
        bestCand.set(cand);
      }
    }
    put(j, bestI);
    closest.set(bestCand);
    pot = bestPot;
  }
  return c;
}

function rowsOf(c: Float64Array, k: number, d: number): number[][] {
  return Array.from({ length: k }, (_, j) => Array.from(c.subarray(j * d, (j + 1) * d)));
}

// at.load rebuilds a KMeans: the options pass the constructor's checks, the tensors are checked
// against k (finite centroids, labels in [0, k)) before anything is kept.
registerModelType('KMeans', {
  cls: KMeans,
  load(config, tensors) {
    const op = 'load KMeans';
    const c = configObject(op, 'attune.config', config);
    const model = new KMeans(configObject(op, 'options', c.options) as unknown as KMeansOptions);
    Object.assign(model, readClusters(op, tensors, model.k));
    model.inertia = typeof c.inertia === 'number' ? c.inertia : Number.NaN;
    model.nIter = Number.isInteger(c.nIter) ? (c.nIter as number) : 0;
    model.converged = c.converged === true;
    model.runs = Array.isArray(c.runs) ? (c.runs as KMeansRun[]) : [];
    return model;
  },
});
