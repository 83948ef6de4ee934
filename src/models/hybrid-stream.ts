import { Rng } from '../core/random.js';
import type { FeatureMatrix } from '../data/features.js';
import type { IdMap } from '../data/idmap.js';
import { type HybridSide, catalogOf, checkFeatureOptions, rowsFor, vocabOf } from './hybrid-state.js';
import { type HybridLoss, hybridStepper, initTables } from './hybrid-train.js';
import type { InteractionChunks } from './streaming-common.js';
import { type StreamingFitOptions, checkFinite, streamChunkFit } from './streaming-factors.js';

/** {@link StreamingFitOptions} plus the side features of a streamed hybrid fit, held in memory. */
export interface HybridStreamFitOptions extends StreamingFitOptions {
  /**
   * One row per item, as in `fit`: every item of the chunks needs a row (a DataError lists
   * those without); rows of items the chunks never name join the catalog as cold items.
   */
  itemFeatures?: FeatureMatrix | undefined;
  /** One row per user, likewise; rows of users the chunks never name become cold users. */
  userFeatures?: FeatureMatrix | undefined;
}

/** The hyper-parameters a streamed hybrid fit reads (those of HybridRecommender). */
export interface HybridStreamSetup {
  factors: number;
  loss: HybridLoss;
  epochs: number;
  lr: number;
  reg: number;
  maxSampled: number;
  seed: number;
}

/** What a streamed hybrid fit hands its model to serve. */
export interface StreamedHybrid {
  /** The catalogs: the chunks' ids in pass-0 order, then the feature rows' other ids. */
  users: IdMap;
  items: IdMap;
  /** Rows per item [items.size] (0 for cold items). */
  itemCounts: Float32Array;
  userSide: HybridSide;
  itemSide: HybridSide;
}

/**
 * HybridRecommender's training on interaction chunks read afresh every pass, through the chunk
 * loop the streamed factor models share ({@link streamChunkFit}): pass 0 builds the id maps
 * (or checks rows against supplied `userIds`/`itemIds`) and counts rows per user and item; the
 * catalogs, feature rows and feature tables are then built as `fit` builds them (the same
 * seeded init, so the same start on the same data); each epoch streams the chunks again, each
 * chunk's rows shuffled (seeded), and every row is one SGD step of the model's loss
 * ({@link hybridStepper}, the step `fit` runs). The feature matrices stay in memory (one row
 * per user and item; small next to the interactions). `install` runs at the end and when an
 * abort stops the fit at a chunk boundary; a failure before leaves the model as it was.
 *
 * Differences from `fit`, because the interactions are never held: a repeated (user, item) row
 * is a positive each time; negatives are rejected only when equal to the row's positive, not
 * against the user's other positives (with a user seeing s of I items a negative is a positive
 * with probability s / I); rows are shuffled within chunks, not across them.
 */
export async function streamHybrid(
  kind: string,
  chunks: InteractionChunks,
  options: HybridStreamFitOptions,
  o: HybridStreamSetup,
  install: (fitted: StreamedHybrid) => void,
): Promise<void> {
  const op = `${kind}.fitStream`;
  checkFeatureOptions(op, options);
  const k = o.factors;
  const setup = { epochs: o.epochs, seed: o.seed, rngStream: op };
  await streamChunkFit(op, chunks, options, setup, {
    init: (scan) => {
      const users = catalogOf(op, 'user', scan.users, options.userFeatures);
      const items = catalogOf(op, 'item', scan.items, options.itemFeatures);
      // The same streams as fit's, so equal catalogs start from equal tables.
      const init = new Rng(o.seed, kind, 'init');
      const userRows = rowsFor(users, options.userFeatures, (u) => (scan.userCounts[u] ?? 0) > 0);
      const itemRows = rowsFor(items, options.itemFeatures, (i) => (scan.itemCounts[i] ?? 0) > 0);
      const userSide = {
        vocab: vocabOf(options.userFeatures),
        csr: userRows.csr,
        t: initTables(userRows.features, k, init),
      };
      const itemSide = {
        vocab: vocabOf(options.itemFeatures),
        csr: itemRows.csr,
        t: initTables(itemRows.features, k, init),
      };
      const pool = Int32Array.from(scan.itemCounts.keys()).filter((i) => scan.itemCounts[i]! > 0);
      const step = hybridStepper({
        k,
        loss: o.loss,
        lr: o.lr,
        reg: o.reg,
        maxSampled: o.maxSampled,
        user: userSide.t,
        item: itemSide.t,
        userCsr: userSide.csr,
        itemCsr: itemSide.csr,
        pool,
        negatives: new Rng(o.seed, kind, 'negatives'),
      });
      // The row's positive as the sorted "seen" list a negative must not be.
      return { users, items, userSide, itemSide, step, positive: new Int32Array(1) };
    },
    step: (s, rows) => {
      let loss = 0;
      for (let j = 0; j < rows.users.length; j++) {
        s.positive[0] = rows.items[j]!;
        loss += s.step(rows.users[j]!, rows.items[j]!, s.positive, 0, 1);
      }
      return loss;
    },
    epochLoss: (sum, scan) => sum / scan.rows,
    install: (scan, s) => {
      checkFinite(op, 'the user feature embeddings', s.userSide.t.emb, o.lr);
      checkFinite(op, 'the item feature embeddings', s.itemSide.t.emb, o.lr);
      const itemCounts = new Float32Array(s.items.size);
      itemCounts.set(scan.itemCounts);
      // Installed as they are: the fit ends here (finished or stopped), so nothing trains them after.
      install({ users: s.users, items: s.items, itemCounts, userSide: s.userSide, itemSide: s.itemSide });
    },
  });
}
