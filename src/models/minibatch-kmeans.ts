import type { BackendName } from '../backends/backend.js';
import { checkInt, checkNumber } from '../core/checks.js';
import { ShapeError, ValueError } from '../core/errors.js';
import { FitControl, type FitControlOptions } from '../core/fit-control.js';
import { type ModelState, configObject, registerModelType } from '../io/models.js';
import { Rng } from '../core/random.js';
import { toMatrix, type Matrix, type MatrixInput } from '../data/matrix.js';
import { kmeansAssign } from '../ops/fused/kmeans.js';
import { tensor } from '../tensor/creation.js';
import { KMeans } from './kmeans.js';
import { clusterTensors, readClusters } from './kmeans-io.js';

/** Options of {@link MiniBatchKMeans}. */
export interface MiniBatchKMeansOptions {
  k: number;
  /** Rows per mini-batch; default 1024. */
  batchSize?: number;
  /** Mini-batches drawn; default 200. */
  steps?: number;
  /** Rows the k-means++ start is fitted on (a seeded sample); default 3 × batchSize. */
  initSize?: number;
  /** Seed of the start and the batches; default 0. */
  seed?: number;
  /** Where the assignment steps run; the current backend by default. */
  backend?: BackendName;
}

/**
 * Mini-batch k-means (Sculley 2010) for data too large for full Lloyd passes: start from
 * k-means (k-means++, 3 restarts) on a seeded sample, then for each random mini-batch assign its
 * rows with the fused {@link kmeansAssign} kernel and move each centroid toward its rows with a
 * per-centroid step of 1 / (rows it has seen). Memory and time per step depend on the batch,
 * not on n; the final labels and inertia take one assignment pass over X in batches. Typically
 * within a few percent of full k-means' inertia. `at.save` and `at.load` store and rebuild a
 * fitted model.
 */
export class MiniBatchKMeans {
  readonly k: number;
  readonly options: Required<Omit<MiniBatchKMeansOptions, 'backend' | 'k'>> & Pick<MiniBatchKMeansOptions, 'backend'>;
  centroids: number[][] = [];
  labels: Int32Array = new Int32Array(0);
  inertia = Number.NaN;

  constructor(options: MiniBatchKMeansOptions) {
    const op = 'MiniBatchKMeans';
    this.k = checkInt(op, 'k', options.k, 1);
    const batchSize = checkInt(op, 'batchSize', options.batchSize ?? 1024, 1);
    this.options = {
      batchSize,
      steps: checkInt(op, 'steps', options.steps ?? 200, 1),
      initSize: checkInt(op, 'initSize', options.initSize ?? 3 * batchSize, 1),
      seed: checkNumber(op, 'seed', options.seed ?? 0, { integer: true, min: 0 }),
      backend: options.backend,
    };
  }

  /**
   * Clusters X; resolves to this model. Each mini-batch counts as a batch for `options` (one
   * epoch of `steps` batches; an abort also stops the k-means start); an abort or a failure
   * leaves the model as it was before the call.
   */
  async fit(X: MatrixInput, options: FitControlOptions = {}): Promise<this> {
    const op = 'MiniBatchKMeans.fit';
    const control = new FitControl(options, 1);
    const m = await toMatrix(op, 'X', X);
    const { k } = this;
    const { batchSize, steps, initSize, seed, backend } = this.options;
    if (m.rows < k) throw new ValueError(`${op}: X has ${m.rows} rows, fewer than k = ${k}`);
    if (m.cols < 1) throw new ShapeError(`${op}: X must have at least one column`);
    const rng = new Rng(seed, op, 'shuffle');
    const d = m.cols;
    const rowsOf = (idx: ArrayLike<number>): Matrix => {
      const data = new Float64Array(idx.length * d);
      for (let j = 0; j < idx.length; j++) data.set(m.data.subarray(idx[j]! * d, (idx[j]! + 1) * d), j * d);
      return { data, rows: idx.length, cols: d };
    };
    const initRows = rng.permutation(m.rows).subarray(0, Math.max(k, Math.min(initSize, m.rows)));
    const start = await new KMeans({ k, nInit: 3, seed, backend }).fit(rowsOf(initRows), {
      signal: options.signal,
      yieldEvery: control.yieldEveryMs,
    });
    const c = Float64Array.from(start.centroids.flat());
    const counts = new Float64Array(k);
    for (let s = 0; s < steps; s++) {
      const idx = Int32Array.from({ length: Math.min(batchSize, m.rows) }, () => rng.int(m.rows));
      const batch = rowsOf(idx);
      await step(batch, c, counts, k, backend);
      await control.batch(1, s + 1, steps);
    }
    const labels = new Int32Array(m.rows);
    let inertia = 0;
    const chunk = Math.max(batchSize, 8192);
    for (let s = 0; s < m.rows; s += chunk) {
      const rows = Int32Array.from({ length: Math.min(chunk, m.rows - s) }, (_, j) => s + j);
      const res = await assign(rowsOf(rows), c, k, backend);
      labels.set(res.labels, s);
      for (const v of res.distances) inertia += v;
    }
    this.centroids = Array.from({ length: k }, (_, j) => Array.from(c.subarray(j * d, (j + 1) * d)));
    this.labels = labels;
    this.inertia = inertia;
    return this;
  }

  /**
   * Clusters data larger than memory: `chunks()` gives the rows in chunks (each a
   * {@link MatrixInput}: rows, `{data, cols}` or a tensor; `at.data.featureChunks` turns
   * `readCsvStream`/`readParquetStream` batches into them), afresh for every pass. The
   * k-means++ start is fitted on the first `initSize` rows of the stream (shuffle a sorted file
   * first); each epoch (default 1) then streams the chunks and takes every `batchSize` rows of a
   * chunk as one mini-batch, in order; a last pass computes the inertia. Memory: one chunk and
   * the centroids. `labels` stays empty (it would be as long as the data): label rows with
   * `predict`, chunk by chunk. Every mini-batch counts as a batch for `options`; an abort or a
   * failure leaves the model as it was.
   */
  async fitStream(
    chunks: () => AsyncIterable<MatrixInput> | Iterable<MatrixInput>,
    options: FitControlOptions & { epochs?: number } = {},
  ): Promise<this> {
    const op = 'MiniBatchKMeans.fitStream';
    if (typeof chunks !== 'function')
      throw new ValueError(
        `${op}: chunks must be a function returning an (async) iterable of matrices; got ${typeof chunks}`,
      );
    const epochs = checkInt(op, 'epochs', options.epochs ?? 1, 1);
    const control = new FitControl(options, epochs);
    const { k } = this;
    const { batchSize, initSize, seed, backend } = this.options;
    let d = -1;
    let index = 0;
    const read = async function* () {
      index = 0;
      for await (const x of chunks()) {
        const m = await toMatrix(op, `chunk ${index}`, x);
        if (d < 0) d = m.cols;
        if (m.cols !== d) throw new ShapeError(`${op}: chunk ${index} has ${m.cols} columns; the first had ${d}`);
        index++;
        if (m.rows > 0) yield m;
      }
    };
    // The start: k-means++ on the first initSize rows.
    const want = Math.max(k, initSize);
    const first: number[] = [];
    for await (const m of read()) {
      for (let j = 0; j < m.data.length && first.length < want * d; j++) first.push(m.data[j]!);
      if (first.length >= want * d) break;
    }
    if (first.length < k * Math.max(d, 1))
      throw new ValueError(`${op}: the chunks hold ${d > 0 ? first.length / d : 0} rows, fewer than k = ${k}`);
    if (d < 1) throw new ShapeError(`${op}: the rows must have at least one column`);
    const start = await new KMeans({ k, nInit: 3, seed, backend }).fit(
      { data: Float64Array.from(first), rows: first.length / d, cols: d } as Matrix,
      { signal: options.signal, yieldEvery: control.yieldEveryMs },
    );
    const c = Float64Array.from(start.centroids.flat());
    const counts = new Float64Array(k);
    let batches = 0;
    for (let epoch = 1; epoch <= epochs; epoch++) {
      let b = 0;
      for await (const m of read()) {
        for (let s = 0; s < m.rows; s += batchSize) {
          const n = Math.min(batchSize, m.rows - s);
          await step({ data: m.data.subarray(s * d, (s + n) * d), rows: n, cols: d }, c, counts, k, backend);
          // The first epoch does not know its batch count yet: it reports the count so far.
          await control.batch(epoch, ++b, batches || b);
        }
      }
      batches = b;
    }
    let inertia = 0;
    for await (const m of read()) for (const v of (await assign(m, c, k, backend)).distances) inertia += v;
    this.centroids = Array.from({ length: k }, (_, j) => Array.from(c.subarray(j * d, (j + 1) * d)));
    this.labels = new Int32Array(0);
    this.inertia = inertia;
    return this;
  }

  /** The nearest centroid of every row of X. */
  async predict(X: MatrixInput): Promise<Int32Array> {
    const op = 'MiniBatchKMeans.predict';
    if (this.centroids.length === 0) throw new ValueError(`${op}: the model is not fitted; call await fit(X) first`);
    const m = await toMatrix(op, 'X', X);
    if (m.cols !== this.centroids[0]!.length)
      throw new ShapeError(`${op}: X has ${m.cols} columns but the model was fitted on ${this.centroids[0]!.length}`);
    return (await assign(m, Float64Array.from(this.centroids.flat()), this.k, this.options.backend)).labels;
  }

  /** The fitted model as `at.save` writes it: options and inertia as config, centroids and labels as tensors. */
  saveState(): ModelState {
    if (this.centroids.length === 0)
      throw new ValueError('save: the MiniBatchKMeans is not fitted; call await fit(X) first');
    const { backend: _, ...options } = this.options;
    return {
      type: 'MiniBatchKMeans',
      config: { options: { k: this.k, ...options }, inertia: this.inertia },
      tensors: clusterTensors(this.centroids, this.labels),
    };
  }
}

/** One mini-batch: assign its rows, then move each centroid toward its rows by 1 / (rows it has seen). */
async function step(
  batch: Matrix,
  c: Float64Array,
  counts: Float64Array,
  k: number,
  backend: BackendName | undefined,
): Promise<void> {
  const d = batch.cols;
  const { labels } = await assign(batch, c, k, backend);
  for (let j = 0; j < batch.rows; j++) {
    const l = labels[j]!;
    counts[l]!++;
    const eta = 1 / counts[l]!;
    for (let f = 0; f < d; f++) c[l * d + f] = (1 - eta) * c[l * d + f]! + eta * batch.data[j * d + f]!;
  }
}

async function assign(x: Matrix, c: Float64Array, k: number, backend: BackendName | undefined) {
  const xt = tensor(Float32Array.from(x.data), { shape: [x.rows, x.cols], backend });
  const ct = tensor(Float32Array.from(c), { shape: [k, x.cols], backend });
  try {
    const out = kmeansAssign(xt, ct);
    try {
      const [labels, distances] = await Promise.all([out.labels.data(), out.distances.data()]);
      return { labels: labels as Int32Array, distances: Float64Array.from(distances) };
    } finally {
      out.labels.dispose();
      out.distances.dispose();
    }
  } finally {
    xt.dispose();
    ct.dispose();
  }
}

// at.load rebuilds a MiniBatchKMeans: the options pass the constructor's checks, the tensors are
// checked against k (finite centroids, labels in [0, k)) before anything is kept.
registerModelType('MiniBatchKMeans', {
  cls: MiniBatchKMeans,
  load(config, tensors) {
    const op = 'load MiniBatchKMeans';
    const c = configObject(op, 'attune.config', config);
    const model = new MiniBatchKMeans(configObject(op, 'options', c.options) as unknown as MiniBatchKMeansOptions);
    Object.assign(model, readClusters(op, tensors, model.k));
    model.inertia = typeof c.inertia === 'number' ? c.inertia : Number.NaN;
    return model;
  },
});
