import { ValueError, fmtValue } from '../core/errors.js';
import { mfBprStep } from '../ops/fused/mf.js';
import { tensor, zeros } from '../tensor/creation.js';
import { BPR, type BPROptions } from './bpr.js';
import type { InteractionChunks } from './streaming-common.js';
import { type StreamingFitOptions, chunkLossSum, streamFactorFit } from './streaming-factors.js';

/**
 * {@link BPR} trained on data larger than memory: `fitStream` reads interaction rows in chunks
 * (`readInteractionsParquetStream`, `readInteractionsCsvStream`, or any async iterable), so
 * memory holds the factor tables and one chunk, never the data.
 *
 * - Pass 0 builds the user and item id maps in one streaming pass (or checks the rows against
 *   supplied `userIds`/`itemIds`: an id outside them is a ValueError naming it).
 * - Each epoch streams the chunks again; each chunk's rows are shuffled (seeded) and each row
 *   is a positive (u, i), paired with a negative item drawn uniformly from the other items
 *   and run through the same fused BPR kernel as `fit` (`mfBprStep`).
 *
 * Differences from `fit`, because the data is never held: every row is a positive (a repeated
 * (user, item) row counts each time; `fit` visits distinct pairs), and a negative is not
 * checked against the user's other positives (the user's seen list would be the data); with a
 * user seeing s of I items a negative is a positive with probability s / I, which only adds
 * noise where users see a large share of the catalogue. Rows are not shuffled across chunks:
 * shuffle a file sorted by user or item once first. Seen items are not kept, so
 * `recommend`'s `excludeSeen` leaves nothing out. `at.save` writes a BPR, which `at.load`
 * rebuilds.
 *
 * @example
 * const bpr = new at.models.StreamingBPR({ factors: 32, epochs: 5 });
 * await bpr.fitStream(() => at.data.readInteractionsCsvStream('clicks.csv'));
 */
export class StreamingBPR extends BPR {
  constructor(options: BPROptions = {}) {
    super(options);
    if ((options.backend ?? 'cpu') !== 'cpu')
      throw new ValueError(`StreamingBPR: backend must be 'cpu'; got ${fmtValue(options.backend)}`);
  }

  /** Trains on the chunks of `chunks()` (see the class notes); resolves to this model. */
  async fitStream(chunks: InteractionChunks, options: StreamingFitOptions = {}): Promise<this> {
    const o = this.config() as Required<BPROptions>;
    const setup = { ...o, rngStream: 'BPR' };
    await streamFactorFit('StreamingBPR.fitStream', chunks, options, setup, {
      step: async (params, rows, { epoch, rng, wantLoss }) => {
        const m = rows.users.length;
        const I = params.itemFactors.shape[0]!;
        const negatives = new Int32Array(m);
        for (let j = 0; j < m; j++) {
          let n = rng.int(I);
          // Another item than the positive, where there is one.
          while (I > 1 && n === rows.items[j]) n = rng.int(I);
          negatives[j] = n;
        }
        const cols = {
          users: tensor(rows.users),
          items: tensor(rows.items),
          negatives: tensor(negatives),
          loss: zeros([m]),
        };
        try {
          mfBprStep(params, cols, {
            start: 0,
            count: m,
            lr: o.lr * o.lrDecay ** (epoch - 1),
            reg: o.reg,
            regBias: o.regBias,
          });
          return wantLoss ? await chunkLossSum(cols.loss) : 0;
        } finally {
          for (const t of Object.values(cols)) t.dispose();
        }
      },
      epochLoss: (total, scan) => total / scan.rows,
      install: (scan, { P, Q, bi }) => {
        this.userMap = scan.users;
        this.itemMap = scan.items;
        this.mean = 0;
        this.seenOffsets = new Int32Array(scan.users.size + 1);
        this.seenItems = new Int32Array(0);
        this.itemCounts = scan.itemCounts;
        // BPR has no user bias (it cancels in every pair), as in fit.
        this.setTables(o.factors, P, Q, new Float32Array(scan.users.size), bi, 'cpu');
      },
    });
    return this;
  }
}
