import { ValueError, fmtValue } from '../core/errors.js';
import { FitControl } from '../core/fit-control.js';
import { Rng } from '../core/random.js';
import type { IdMap } from '../data/idmap.js';
import { type MfParams, mfBprStep } from '../ops/fused/mf.js';
import { tensor, zeros } from '../tensor/creation.js';
import { BPR, type BPROptions } from './bpr.js';
import { type InteractionChunks, encodeChunk, scanChunks } from './streaming-common.js';
import type { StreamingFitOptions } from './streaming-fit.js';

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
    const op = 'StreamingBPR.fitStream';
    if (typeof chunks !== 'function')
      throw new ValueError(
        `${op}: chunks must be a function returning an async iterable of row chunks; got ${fmtValue(chunks)}`,
      );
    if ((options.userIds === undefined) !== (options.itemIds === undefined))
      throw new ValueError(`${op}: give both userIds and itemIds, or neither`);
    const o = this.config() as Required<BPROptions>;
    const epochs = options.epochs ?? o.epochs;
    if (!Number.isInteger(epochs) || epochs < 0)
      throw new ValueError(`${op}: epochs must be a non-negative integer; got ${fmtValue(epochs)}`);
    const control = new FitControl(options, epochs);
    const maps = options.userIds ? { users: options.userIds, items: options.itemIds! } : undefined;
    const scan = await scanChunks(op, chunks, maps, control);
    const { users, items } = scan;
    const k = o.factors;
    const U = users.size;
    const I = items.size;
    const rng = new Rng(o.seed, 'BPR');
    const params: MfParams = {
      userFactors: tensor(rng.normalArray(U * k, o.initStd), { shape: [U, k], backend: 'cpu' }),
      itemFactors: tensor(rng.normalArray(I * k, o.initStd), { shape: [I, k], backend: 'cpu' }),
      userBias: zeros([U], { backend: 'cpu' }),
      itemBias: zeros([I], { backend: 'cpu' }),
    };
    const install = async (): Promise<void> => {
      const P = (await params.userFactors.data()) as Float32Array;
      const Q = (await params.itemFactors.data()) as Float32Array;
      const bi = (await params.itemBias.data()) as Float32Array;
      this.installStreamed(users, items, k, P, Q, bi, scan.itemCounts);
    };
    try {
      for (let epoch = 1; epoch <= epochs; epoch++) {
        const t0 = performance.now();
        let loss = 0;
        let chunk = 0;
        for await (const c of chunks()) {
          const rows = encodeChunk(op, c, chunk, { users, items }, rng);
          const m = rows.users.length;
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
            if (options.onEpoch) for (const e of (await cols.loss.data()) as Float32Array) loss += e;
          } finally {
            for (const t of Object.values(cols)) t.dispose();
          }
          chunk++;
          try {
            await control.batch(epoch, chunk, scan.chunks);
          } catch (e) {
            await install();
            throw e;
          }
        }
        if (options.onEpoch) await options.onEpoch({ epoch, loss: loss / scan.rows, ms: performance.now() - t0 });
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
    bi: Float32Array,
    itemCounts: Float32Array,
  ): void {
    for (const [name, t] of [
      ['userFactors', P],
      ['itemFactors', Q],
      ['itemBias', bi],
    ] as const)
      if (!t.every(Number.isFinite))
        throw new ValueError(
          `StreamingBPR.fitStream: training diverged: ${name} holds NaN or infinite values; lower lr (now ${(this.config() as { lr: number }).lr})`,
        );
    this.userMap = users;
    this.itemMap = items;
    this.mean = 0;
    this.seenOffsets = new Int32Array(users.size + 1);
    this.seenItems = new Int32Array(0);
    this.itemCounts = itemCounts;
    this.setTables(k, P, Q, new Float32Array(users.size), bi, 'cpu');
  }
}
