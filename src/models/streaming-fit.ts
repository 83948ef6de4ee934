import { ValueError, fmtValue } from '../core/errors.js';
import { FitControl, type FitControlOptions } from '../core/fit-control.js';
import { Rng } from '../core/random.js';
import type { IdMap } from '../data/idmap.js';
import { type MfParams, mfSgdStep } from '../ops/fused/mf.js';
import { tensor, zeros } from '../tensor/creation.js';
import { MatrixFactorization, type MatrixFactorizationOptions } from './mf.js';
import type { EpochInfo } from './recommender.js';
import { type InteractionChunks, encodeChunk, scanChunks } from './streaming-common.js';

export type { InteractionChunks } from './streaming-common.js';

export interface StreamingFitOptions extends FitControlOptions {
  /** Overrides the model's `epochs`. */
  epochs?: number;
  /**
   * Id maps to encode against (for example from an earlier fit); then the id pass is skipped
   * and an id outside them is a ValueError. Both or neither. Default: built in one streaming pass.
   */
  userIds?: IdMap;
  itemIds?: IdMap;
  onEpoch?: (info: EpochInfo) => void | Promise<void>;
}

/**
 * {@link MatrixFactorization} trained on data larger than memory: `fitStream` reads the rows in
 * chunks (from `readInteractionsParquetStream`, a CSV reader, or any async iterable), so memory
 * holds the tables and one chunk, never the data.
 *
 * - Pass 0 builds the user and item id maps, the rating mean and range (for the biases and
 *   the clip) and the item counts, in one streaming pass (skipped when maps are supplied,
 *   except for the mean and range).
 * - Each epoch streams the chunks again; each chunk's rows are shuffled (seeded) and run
 *   through the same fused SGD kernel as `fit` (`mfSgdStep`). Rows are not shuffled across
 *   chunks: shuffle a file that is sorted by user or item once before streaming it.
 * - The result is a fitted MatrixFactorization (`predict`, `recommend`, ONNX export; `at.save`
 *   writes it as a MatrixFactorization, which `at.load` rebuilds).
 *   Seen items are not kept (that would hold the data), so `recommend`'s `excludeSeen` leaves
 *   nothing out; filter with `filter` where it matters.
 *
 * `signal` stops at a chunk boundary; the model then holds the tables after the last finished
 * chunk (fitted and usable) and `fitStream` rejects with the abort reason.
 *
 * @example
 * const mf = new at.models.StreamingMatrixFactorization({ factors: 32, epochs: 5 });
 * await mf.fitStream(() => at.data.readInteractionsParquetStream('ratings.parquet', { value: 'rating' }));
 */
export class StreamingMatrixFactorization extends MatrixFactorization {
  constructor(options: MatrixFactorizationOptions = {}) {
    super(options);
    if (this.opts.backend !== 'cpu')
      throw new ValueError(`StreamingMatrixFactorization: backend must be 'cpu'; got ${fmtValue(this.opts.backend)}`);
  }

  /** Trains on the chunks of `chunks()` (see the class notes); resolves to this model. */
  async fitStream(chunks: InteractionChunks, options: StreamingFitOptions = {}): Promise<this> {
    const op = 'StreamingMatrixFactorization.fitStream';
    if (typeof chunks !== 'function')
      throw new ValueError(
        `${op}: chunks must be a function returning an async iterable of row chunks; got ${fmtValue(chunks)}`,
      );
    if ((options.userIds === undefined) !== (options.itemIds === undefined))
      throw new ValueError(`${op}: give both userIds and itemIds, or neither`);
    const o = this.opts;
    const epochs = options.epochs ?? o.epochs;
    if (!Number.isInteger(epochs) || epochs < 0)
      throw new ValueError(`${op}: epochs must be a non-negative integer; got ${fmtValue(epochs)}`);
    const control = new FitControl(options, epochs);
    const maps = options.userIds ? { users: options.userIds, items: options.itemIds! } : undefined;
    const scan = await scanChunks(op, chunks, maps, control);
    const { users, items, rows: n, chunks: numChunks } = scan;
    const k = o.factors;
    const U = users.size;
    const I = items.size;
    const rng = new Rng(o.seed, this.kind);
    const mean = o.biases ? scan.sum / n : 0;
    const clip: [number, number] =
      o.clip === true ? [scan.lo, scan.hi] : o.clip === false ? [-Infinity, Infinity] : o.clip;
    const params: MfParams = {
      userFactors: tensor(rng.normalArray(U * k, o.initStd), { shape: [U, k], backend: 'cpu' }),
      itemFactors: tensor(rng.normalArray(I * k, o.initStd), { shape: [I, k], backend: 'cpu' }),
      userBias: zeros([U], { backend: 'cpu' }),
      itemBias: zeros([I], { backend: 'cpu' }),
    };
    const install = async (): Promise<void> => {
      const [P, Q, bu, bi] = (await Promise.all(Object.values(params).map((t) => t.data()))) as Float32Array[];
      this.installStreamed(users, items, k, P!, Q!, bu!, bi!, mean, clip, scan.itemCounts);
    };
    try {
      for (let epoch = 1; epoch <= epochs; epoch++) {
        const t0 = performance.now();
        const decay = o.lrDecay ** (epoch - 1);
        let loss = 0;
        let chunk = 0;
        for await (const c of chunks()) {
          const { users: u, items: it, values: v } = encodeChunk(op, c, chunk, { users, items }, rng);
          const m = u.length;
          const cols = { users: tensor(u), items: tensor(it), ratings: tensor(v), loss: zeros([m]) };
          try {
            mfSgdStep(params, cols, {
              start: 0,
              count: m,
              lr: o.lr * decay,
              reg: o.reg,
              lrBias: (o.lrBias ?? o.lr) * decay,
              regBias: o.regBias ?? o.reg,
              mean,
              biases: o.biases,
            });
            if (options.onEpoch) for (const e of (await cols.loss.data()) as Float32Array) loss += e;
          } finally {
            for (const t of Object.values(cols)) t.dispose();
          }
          chunk++;
          try {
            await control.batch(epoch, chunk, numChunks);
          } catch (e) {
            await install();
            throw e;
          }
        }
        if (options.onEpoch) await options.onEpoch({ epoch, loss: Math.sqrt(loss / n), ms: performance.now() - t0 });
      }
      await install();
    } finally {
      for (const t of Object.values(params)) t.dispose();
    }
    return this;
  }

  private installStreamed(
    users: IdMap,
    items: IdMap,
    k: number,
    P: Float32Array,
    Q: Float32Array,
    bu: Float32Array,
    bi: Float32Array,
    mean: number,
    clip: [number, number],
    itemCounts: Float32Array,
  ): void {
    for (const [name, t] of [
      ['userFactors', P],
      ['itemFactors', Q],
      ['userBias', bu],
      ['itemBias', bi],
    ] as const)
      if (!t.every(Number.isFinite))
        throw new ValueError(
          `StreamingMatrixFactorization.fitStream: training diverged: ${name} holds NaN or infinite values; lower lr (now ${this.opts.lr})`,
        );
    this.userMap = users;
    this.itemMap = items;
    this.mean = mean;
    [this.clipLo, this.clipHi] = clip;
    this.seenOffsets = new Int32Array(users.size + 1);
    this.seenItems = new Int32Array(0);
    this.itemCounts = itemCounts;
    this.setTables(k, P, Q, bu, bi);
  }
}
