import { ValueError, fmtValue } from '../core/errors.js';
import { mfSgdStep } from '../ops/fused/mf.js';
import { tensor, zeros } from '../tensor/creation.js';
import { MatrixFactorization, type MatrixFactorizationOptions } from './mf.js';
import type { InteractionChunks } from './streaming-common.js';
import { type StreamingFitOptions, chunkLossSum, streamFactorFit } from './streaming-factors.js';

export type { InteractionChunks } from './streaming-common.js';
export type { StreamingFitOptions } from './streaming-factors.js';

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
    const o = this.opts;
    await streamFactorFit(
      'StreamingMatrixFactorization.fitStream',
      chunks,
      options,
      { ...o, rngStream: this.kind },
      {
        step: async (params, rows, { epoch, scan, wantLoss }) => {
          const m = rows.users.length;
          const decay = o.lrDecay ** (epoch - 1);
          const cols = {
            users: tensor(rows.users),
            items: tensor(rows.items),
            ratings: tensor(rows.values),
            loss: zeros([m]),
          };
          try {
            mfSgdStep(params, cols, {
              start: 0,
              count: m,
              lr: o.lr * decay,
              reg: o.reg,
              lrBias: (o.lrBias ?? o.lr) * decay,
              regBias: o.regBias ?? o.reg,
              mean: o.biases ? scan.sum / scan.rows : 0,
              biases: o.biases,
            });
            return wantLoss ? await chunkLossSum(cols.loss) : 0;
          } finally {
            for (const t of Object.values(cols)) t.dispose();
          }
        },
        epochLoss: (total, scan) => Math.sqrt(total / scan.rows),
        install: (scan, { P, Q, bu, bi }) => {
          this.userMap = scan.users;
          this.itemMap = scan.items;
          this.mean = o.biases ? scan.sum / scan.rows : 0;
          const clip: [number, number] =
            o.clip === true ? [scan.lo, scan.hi] : o.clip === false ? [-Infinity, Infinity] : o.clip;
          [this.clipLo, this.clipHi] = clip;
          this.seenOffsets = new Int32Array(scan.users.size + 1);
          this.seenItems = new Int32Array(0);
          this.itemCounts = scan.itemCounts;
          this.setTables(o.factors, P, Q, bu, bi);
        },
      },
    );
    return this;
  }
}
