import type { BackendName } from '../backends/backend.js';
import { checkNumber, checkOneOf } from '../core/checks.js';
import { ValueError, fmtValue } from '../core/errors.js';
import { FitControl } from '../core/fit-control.js';
import { Rng } from '../core/random.js';
import { type FeatureMatrix, encodeFeatureRow } from '../data/features.js';
import type { Id, IdMap } from '../data/idmap.js';
import type { Interactions } from '../data/interactions.js';
import type { RawTensor } from '../io/safetensors.js';
import { FactorModel } from './factor-model.js';
import {
  type HybridSide,
  catalogOf,
  checkFeatureOptions,
  growSide,
  restoreSide,
  rowsFor,
  sideArrays,
  sideSpec,
  vocabOf,
  vocabularyJSON,
} from './hybrid-state.js';
import { type HybridStreamFitOptions, streamHybrid } from './hybrid-stream.js';
import { type HybridLoss, allReprs, initTables, repr, trainHybrid } from './hybrid-train.js';
import type { FitOptions, ScoredItem } from './recommender.js';
import { type ArraySpec, factorSpec, registerRecommender } from './recommender-io.js';
import type { RecommenderJSON, StateArray } from './recommender-state.js';
import type { InteractionChunks } from './streaming-common.js';
import { topKRow } from './topk.js';
import { type HostTables, sgdFoldIn } from './sgd-loop.js';

export type { HybridLoss } from './hybrid-train.js';
export type { HybridStreamFitOptions } from './hybrid-stream.js';

export interface HybridOptions {
  /** Dimension of the feature embeddings; default 30. */
  factors?: number;
  /** `'warp'` (default; best for precision@k), `'bpr'` or `'logistic'`. See `trainHybrid`. */
  loss?: HybridLoss;
  /** Default 10. */
  epochs?: number;
  /** Adagrad learning rate; default 0.05 (LightFM's). */
  lr?: number;
  /** L2 penalty on the feature embeddings and biases, per update; default 0 (LightFM's). */
  reg?: number;
  /** WARP: negatives drawn per positive at most; default 10 (LightFM's). */
  maxSampled?: number;
  /** Positive pairs between progress/abort checks; default 1024. */
  batchSize?: number;
  /** Where `recommend` scores: 'cpu' (default) or 'webgpu' (item table on the GPU). Training runs on the host. */
  backend?: BackendName;
  seed?: number;
}

/** {@link FitOptions} plus the side features of a {@link HybridRecommender} fit. */
export interface HybridFitOptions extends FitOptions {
  /**
   * One row per item. Every item of the interactions needs a row (a DataError lists those
   * without); rows of items that have no interactions join the catalog as cold items, scored
   * from their features alone. Without it each item is its id alone (pure collaborative).
   */
  itemFeatures?: FeatureMatrix | undefined;
  /** One row per user, likewise; rows of users without interactions become cold users. */
  userFeatures?: FeatureMatrix | undefined;
}

/**
 * A LightFM-style hybrid recommender for implicit feedback: a user (item) is the weighted sum
 * of its features' embeddings, `p_u = Σ_f x_uf e_f`, and its id is one of those features
 * (`identity: true` in {@link FeatureMatrix}), so warm items learn what their features do not
 * say while cold items are scored from genres, categories or price bands alone. The score is
 * `b_u + b_i + p_u·q_i`; every row of the interactions is a positive.
 *
 * An id with no training interaction carries no signal, so a cold row's identity feature is
 * left out (its other features are renormalized). Training runs on the host (SGD with Adagrad,
 * as LightFM); with `backend: 'webgpu'` the item representations stay on the GPU for `recommend`.
 *
 * @example
 * const items = at.data.FeatureMatrix.fromColumns(itemIds, { genre: genres });
 * const model = await new HybridRecommender({ loss: 'warp' }).fit(train, { itemFeatures: items });
 * await model.recommend(user);                           // warm and cold items alike
 * await model.recommendForFeatures(['age=[25,35)']); // a new user, with {userFeatures} at fit
 */
export class HybridRecommender extends FactorModel {
  readonly kind = 'HybridRecommender';
  private readonly opts: Required<HybridOptions>;
  private userSide: HybridSide | undefined;
  private itemSide: HybridSide | undefined;

  constructor(options: HybridOptions = {}) {
    super();
    const k = 'HybridRecommender';
    this.opts = {
      factors: checkNumber(k, 'factors', options.factors ?? 30, { integer: true, min: 1 }),
      loss: checkOneOf(k, 'loss', options.loss ?? 'warp', ['warp', 'bpr', 'logistic'] as const),
      epochs: checkNumber(k, 'epochs', options.epochs ?? 10, { integer: true, min: 0 }),
      lr: checkNumber(k, 'lr', options.lr ?? 0.05, { positive: true }),
      reg: checkNumber(k, 'reg', options.reg ?? 0, { min: 0 }),
      maxSampled: checkNumber(k, 'maxSampled', options.maxSampled ?? 10, { integer: true, min: 1 }),
      batchSize: checkNumber(k, 'batchSize', options.batchSize ?? 1024, { integer: true, min: 1 }),
      backend: checkOneOf(k, 'backend', options.backend ?? 'cpu', ['cpu', 'webgpu'] as const),
      seed: checkNumber(k, 'seed', options.seed ?? 0, { integer: true, min: 0 }),
    };
  }

  config(): Record<string, unknown> {
    return { ...this.opts };
  }

  /** Fits on `data` with the side features in `options` (see {@link HybridFitOptions}). */
  override async fit(data: Interactions, options: HybridFitOptions = {}): Promise<this> {
    checkFeatureOptions(`${this.kind}.fit`, options);
    const before = { user: this.userSide, item: this.itemSide };
    try {
      return await super.fit(data, options);
    } catch (e) {
      // A failed fit restores the earlier tables (Recommender.fit); the feature side goes with them.
      if (!options.signal?.aborted) [this.userSide, this.itemSide] = [before.user, before.item];
      throw e;
    }
  }

  protected async train(data: Interactions, options: HybridFitOptions): Promise<void> {
    const o = this.opts;
    const k = o.factors;
    const epochs = options.epochs ?? o.epochs;
    const control = new FitControl(options, epochs);
    // The catalog: the interactions' ids, then feature rows without interactions (cold rows).
    const users = catalogOf(`${this.kind}.fit`, 'user', data.userIds, options.userFeatures);
    const items = catalogOf(`${this.kind}.fit`, 'item', data.itemIds, options.itemFeatures);
    this.userMap = users;
    this.itemMap = items;
    const seenOffsets = new Int32Array(users.size + 1).fill(this.seenOffsets[data.numUsers]!);
    seenOffsets.set(this.seenOffsets);
    this.seenOffsets = seenOffsets;
    const counts = new Float32Array(items.size);
    counts.set(this.itemCounts);
    this.itemCounts = counts;
    const userActive = (u: number) => seenOffsets[u + 1]! > seenOffsets[u]!;
    const itemActive = (i: number) => counts[i]! > 0;
    const init = new Rng(o.seed, this.kind, 'init');
    const userCsr = rowsFor(users, options.userFeatures, userActive);
    const itemCsr = rowsFor(items, options.itemFeatures, itemActive);
    this.userSide = {
      vocab: vocabOf(options.userFeatures),
      csr: userCsr.csr,
      t: initTables(userCsr.features, k, init),
    };
    this.itemSide = {
      vocab: vocabOf(options.itemFeatures),
      csr: itemCsr.csr,
      t: initTables(itemCsr.features, k, init),
    };
    await this.runTraining(undefined, epochs, options, control);
  }

  /**
   * Trains on interactions larger than memory: `chunks()` returns a fresh async iterable of
   * `{users, items}` row chunks per pass (`readInteractionsParquetStream`,
   * `readInteractionsCsvStream`, or any), while `userFeatures`/`itemFeatures` stay in memory.
   * Memory: the feature tables, the id maps and one chunk. The result is this model, fitted as
   * by `fit` (recommend, recommendForFeatures, addItems, save/load); seen items are not kept,
   * so `excludeSeen` leaves nothing out. Progress and abort come per chunk (not per
   * `batchSize` pairs). See `streamHybrid` for how it differs from `fit`.
   *
   * @example
   * await model.fitStream(() => at.data.readInteractionsCsvStream('clicks.csv'), { itemFeatures });
   */
  async fitStream(chunks: InteractionChunks, options: HybridStreamFitOptions = {}): Promise<this> {
    await streamHybrid(this.kind, chunks, options, this.opts, (f) => {
      [this.userMap, this.itemMap, this.itemCounts] = [f.users, f.items, f.itemCounts];
      [this.userSide, this.itemSide] = [f.userSide, f.itemSide];
      this.seenOffsets = new Int32Array(f.users.size + 1);
      this.seenItems = new Int32Array(0);
      this.install();
    });
    return this;
  }

  /** Epochs of trainHybrid over the users in `users` (all when undefined); installs the scoring tables. */
  private async runTraining(
    users: Int32Array | undefined,
    epochs: number,
    options: HybridFitOptions,
    control: FitControl,
  ): Promise<void> {
    const o = this.opts;
    const k = o.factors;
    const counts = this.itemCounts;
    const pool = Int32Array.from({ length: counts.length }, (_, i) => i).filter((i) => counts[i]! > 0);
    try {
      await trainHybrid({
        k,
        loss: o.loss,
        lr: o.lr,
        reg: o.reg,
        maxSampled: o.maxSampled,
        user: this.userSide!.t,
        item: this.itemSide!.t,
        userCsr: this.userSide!.csr,
        itemCsr: this.itemSide!.csr,
        seenOffsets: this.seenOffsets,
        seenItems: this.seenItems,
        pool,
        users,
        epochs,
        batch: o.batchSize,
        shuffle: new Rng(o.seed, this.kind, 'shuffle'),
        negatives: new Rng(o.seed, this.kind, 'negatives'),
        control,
        onEpoch: options.onEpoch && ((epoch, loss, ms) => options.onEpoch!({ epoch, loss, ms })),
      });
    } catch (e) {
      if (options.signal?.aborted) {
        this.install();
        this.abortedPartial = true;
      }
      throw e;
    }
    this.install();
  }

  /**
   * Continues training on new interactions (LightFM's `fit_partial`): new users and items join
   * the id maps, and `epochs` epochs of the model's loss run over every positive of the users in
   * `data` (their earlier items as well), with item negatives from all items with interactions.
   * A new id takes its row of `userFeatures` / `itemFeatures` when given (feature names the model
   * has not seen become new features), else its identity feature alone; a side fitted without
   * features gives each new id its own feature. Items that were cold at fit keep their
   * features-only rows. A failed call leaves the model as it was.
   */
  override async partialFit(data: Interactions, options: HybridFitOptions = {}): Promise<this> {
    checkFeatureOptions(`${this.kind}.partialFit`, options);
    return super.partialFit(data, options);
  }

  protected override async continueFit(data: Interactions, _t: HostTables, options: HybridFitOptions): Promise<void> {
    const op = `${this.kind}.partialFit`;
    if (!this.userSide || !this.itemSide)
      throw new ValueError(
        `${op}: this model was saved without its feature tables, so it cannot continue training; fit it again`,
      );
    const o = this.opts;
    const rng = new Rng(o.seed, this.kind, 'init');
    const grow = (side: HybridSide, map: IdMap, f: FeatureMatrix | undefined) =>
      growSide(side, map, side.csr.offsets.length - 1, f, o.factors, rng, op);
    this.userSide = grow(this.userSide, this.userMap!, options.userFeatures);
    this.itemSide = grow(this.itemSide, this.itemMap!, options.itemFeatures);
    const users = Int32Array.from(new Set(data.users)).sort();
    const epochs = options.epochs ?? o.epochs;
    await this.runTraining(users, epochs, options, new FitControl(options, epochs));
  }

  /**
   * Adds items that have no interactions yet (new products) to the catalog, each scored from
   * its row of `features` alone, without training: the same representation a cold item gets at
   * fit (its identity feature left out, the rest renormalized as the model's item features
   * are). Works on a loaded model. Throws a ValueError when the model has no item features, for
   * an id already in the catalog, or a feature name the model does not know (an untrained
   * embedding would only add noise), and a DataError for a row with nothing but its identity.
   */
  addItems(features: FeatureMatrix): this {
    const op = `${this.kind}.addItems`;
    const items = this.fittedMaps('addItems').items;
    checkFeatureOptions(op, { itemFeatures: features });
    if (!this.itemSide?.vocab)
      throw new ValueError(
        `${op}: the model has no item features (fit it with {itemFeatures} to place new items by them)`,
      );
    const catalog = items.clone();
    for (const id of features.ids.ids()) {
      if (items.has(id)) throw new ValueError(`${op}: item ${fmtValue(id)} is already in the catalog`);
      catalog.add(id);
    }
    const rng = new Rng(this.opts.seed, this.kind, 'init');
    this.itemSide = growSide(this.itemSide, catalog, items.size, features, this.opts.factors, rng, op, false);
    const counts = new Float32Array(catalog.size);
    counts.set(this.itemCounts);
    this.itemCounts = counts;
    this.itemMap = catalog;
    this.install();
    return this;
  }

  /** Kind, hyper-parameters, id maps, and each side's feature names. */
  override toJSON(): RecommenderJSON {
    return {
      ...super.toJSON(),
      features: { user: vocabularyJSON(this.userSide), item: vocabularyJSON(this.itemSide) },
    };
  }

  protected override stateArrays(): Record<string, StateArray> {
    const k = this.opts.factors;
    return { ...super.stateArrays(), ...sideArrays('user', this.userSide, k), ...sideArrays('item', this.itemSide, k) };
  }

  /** @internal Restores the scoring tables and, where the file has them, both feature sides (checked). */
  override restore(json: RecommenderJSON, arrays: Record<string, StateArray>): this {
    super.restore(json, arrays);
    const op = `load ${this.kind}`;
    const features = json.features ?? { user: null, item: null };
    this.userSide = restoreSide(op, 'user', arrays, features.user, this.userMap!.size);
    this.itemSide = restoreSide(op, 'item', arrays, features.item, this.itemMap!.size);
    return this;
  }

  /**
   * A new user as a free vector learned by SGD with the model's loss against the frozen item
   * representations (see `sgdFoldIn`); the user's features, if any, are not used (use
   * {@link HybridRecommender.recommendForFeatures} for a user with features and no history).
   */
  protected override foldInRow(
    items: Int32Array,
    _values: Float32Array,
    rng: Rng,
    epochs: number,
  ): { p: Float32Array; bias: number } {
    const o = this.opts;
    const p = sgdFoldIn({
      Q: this.Q,
      bi: this.bi,
      k: this.k,
      seen: items,
      loss: o.loss,
      lr: o.lr,
      reg: o.reg,
      epochs,
      rng,
    });
    return { p, bias: 0 };
  }

  /** Scoring tables from the feature tables. */
  private install(): void {
    const u = allReprs(this.userSide!.csr, this.userSide!.t, this.opts.factors);
    const i = allReprs(this.itemSide!.csr, this.itemSide!.t, this.opts.factors);
    this.mean = 0;
    this.setTables(this.opts.factors, u.P, i.P, u.b, i.b, this.opts.backend);
  }

  /**
   * The top `k` items for a user the model has never seen, from that user's features alone
   * (names of the `userFeatures` the model was fitted with, or `{name: weight}`). Throws a
   * ValueError for a feature name the model does not know or when the fit had no user
   * features, a DataError for an empty row.
   */
  async recommendForFeatures(
    features: readonly string[] | Readonly<Record<string, number>>,
    options: { k?: number; filter?: (item: Id) => boolean } = {},
  ): Promise<ScoredItem[]> {
    const { items } = this.fittedMaps('recommendForFeatures');
    const side = this.userSide;
    if (!side?.vocab)
      throw new ValueError(
        `${this.kind}.recommendForFeatures: the model has no user features (fit with {userFeatures}${side ? '' : '; this file was saved without its feature tables'})`,
      );
    const k = options.k ?? 10;
    if (!Number.isInteger(k) || k < 1)
      throw new ValueError(`${this.kind}.recommendForFeatures: k must be a positive integer; got ${fmtValue(k)}`);
    const row = encodeFeatureRow(
      side.vocab.names,
      side.vocab.normalized,
      features,
      `${this.kind}.recommendForFeatures`,
    );
    const p = new Float64Array(this.k);
    const csr = { offsets: Int32Array.of(0, row.cols.length), cols: row.cols, values: row.values };
    repr(csr, side.t, this.k, 0, p);
    const n = items.size;
    const scores = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let s = this.bi[i]!;
      for (let f = 0; f < this.k; f++) s += p[f]! * this.Q[i * this.k + f]!;
      scores[i] = s;
    }
    let allow: Uint8Array | undefined;
    if (options.filter) allow = Uint8Array.from({ length: n }, (_, i) => (options.filter!(items.id(i)) ? 1 : 0));
    const top = topKRow(scores, 0, n, k, undefined, allow);
    return Array.from(top.items, (i, j) => ({ item: items.id(i), score: top.scores[j]! }));
  }
}

/** The scoring tables, and both feature sides where the file has them (files written before the sides were saved have none). */
function hybridSpec(users: number, items: number, tensors: Record<string, RawTensor>): ArraySpec {
  const k = tensors.userFactors?.shape[1] ?? 0;
  return {
    ...factorSpec(users, items, tensors),
    ...sideSpec('user', users, k, tensors),
    ...sideSpec('item', items, k, tensors),
  };
}

registerRecommender('HybridRecommender', HybridRecommender, (c) => new HybridRecommender(c), hybridSpec);
